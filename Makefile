# ASN Digital: the two commands a new user needs are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# Development defaults for the local commands; a deployment sets its own environment.
DEV_ENV := ASN_ENV=development
# The archive signs its own records (berita acara) with a development key made by `make setup`.
DEV_ENV += ASN_RECORDS_SIGNING_KEY=$${ASN_RECORDS_SIGNING_KEY:-var/signing/records-key.pem}
DEV_ENV += ASN_RECORDS_SIGNING_CERT=$${ASN_RECORDS_SIGNING_CERT:-var/signing/records-cert.pem}

.DEFAULT_GOAL := help
.PHONY: help setup run test test-fast lint typecheck format s3-server pdfsig bench-signatures bench-queue bench-ocr bench-oidc ocr bench bench-audit-scale bench-import bench-login bench-reset bench-report bench-ingest bench-download bench-audit bench-fixity bench-lockout bench-scale bench-dashboard loadtest loadtest-ci loadtest-steps messages lock clean browser pdf-font pdf-tools e2e faults bench-reads

help:
	@echo "make run      set everything up and serve http://127.0.0.1:$(PORT) (SQLite, files in var/)"
	@echo "make test     set up and run the whole test suite"
	@echo "make test-fast  the quick inner loop: parallel, no browser, S3 or multi-process tests"
	@echo "make lint     ruff check and format check"
	@echo "make bench    run the benchmarks in bench/ (slow, not part of the tests)"

# Two lock files: requirements.lock is what the application needs to run (the production
# install, and `make run`); requirements-dev.lock adds the tools to test and develop.
$(VENV)/.runtime: requirements.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	@touch $@

$(VENV)/.installed: $(VENV)/.runtime requirements-dev.lock
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.lock
	@touch $@

# Compiled translations are build output (git-ignored); gettext's msgfmt does the work.
messages: $(VENV)/.runtime
	@$(DEV_ENV) $(PY) manage.py compilemessages --ignore=.venv --verbosity 0

setup: $(VENV)/.runtime messages pdf-font
	@mkdir -p var/static
	$(DEV_ENV) $(PY) manage.py migrate --no-input --verbosity 1
	$(DEV_ENV) $(PY) manage.py createcachetable
	$(DEV_ENV) $(PY) manage.py load_catalogue
	$(DEV_ENV) $(PY) manage.py seed_demo
	$(DEV_ENV) $(PY) manage.py make_development_signing_key

# The background worker (e-mail, thumbnails) and the schedule (dashboards, audit checkpoints,
# fixity samples, clean-ups: run_schedule) run beside the server and stop with it.
run: setup
	@trap 'kill 0' EXIT INT TERM; \
	$(DEV_ENV) $(PY) manage.py db_worker --queue-name '*' --interval 1 & \
	$(DEV_ENV) $(PY) manage.py run_schedule & \
	$(DEV_ENV) DEBUG=1 $(PY) manage.py runserver 127.0.0.1:$(PORT)

test: $(VENV)/.installed messages browser s3-server pdf-font pdf-tools pdfsig ocr
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# The inner loop while developing: the suite in two parallel workers (pytest-xdist), without
# the browser, the Ceph S3 server and the multi-process tests. `make test` remains the whole check.
test-fast: $(VENV)/.installed messages
	$(VENV)/bin/pytest -n 2 -p no:cacheprovider --ignore=tests/browser --ignore=tests/s3 \
	  --ignore=tests/multiprocess $(PYTEST_ARGS)

# End-to-end suite (not part of `make test`): a throw-away server, chromium, a local SMTP server.
e2e: $(VENV)/.installed messages browser
	$(VENV)/bin/pytest -c e2e/pytest.ini --rootdir=. $(E2E_ARGS)

# Browser tests drive Debian's chromium (Playwright's own browser download cannot work here).
# Installs it when missing and this user may (root); otherwise the browser tests skip.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing chromium (Debian package) for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium missing: browser tests will be skipped (apt-get install chromium)"; fi; }

# The PDFs the system makes (the destruction record) are set in DejaVu Sans, embedded: Debian's
# fonts-dejavu-core, installed when missing and this user may (root). Without it the application
# refuses to make them (`manage.py check` says so), never falling back to another font.
PDF_FONT := /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
pdf-font:
	@test -f $(PDF_FONT) || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing fonts-dejavu-core (Debian package): the font of the PDF records"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-dejavu-core >/dev/null; \
	  else echo "$(PDF_FONT) missing: no PDF record can be made (apt-get install fonts-dejavu-core)"; fi; }

# The PDF tests check the PDFs with tools the project did not write: qpdf, and pdffonts and
# pdftotext from poppler-utils (Debian packages), installed when missing and this user may
# (root); otherwise those tests skip (and fail under ASN_REQUIRE_PDF_TOOLS=1, as in CI).
pdf-tools:
	@command -v qpdf >/dev/null 2>&1 && command -v pdffonts >/dev/null 2>&1 && command -v pdftotext >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing qpdf and poppler-utils (Debian packages) for the PDF tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends qpdf poppler-utils >/dev/null; \
	  else echo "qpdf or poppler-utils missing: PDF tests will be skipped (apt-get install qpdf poppler-utils)"; fi; }

# The records-signing tests check the signed berita acara with poppler's pdfsig (Debian's
# poppler-utils), installed when missing and this user may (root); otherwise those checks skip.
pdfsig:
	@command -v pdfsig >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing poppler-utils (Debian package) for the signed-record tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null; \
	  else echo "pdfsig missing: its checks will be skipped (apt-get install poppler-utils)"; fi; }

# Text of scanned documents: Tesseract with its Indonesian model (Debian packages tesseract-ocr,
# tesseract-ocr-ind), installed when missing and this user may (root). Without it versions are
# marked "tanpa teks" and the OCR tests skip (and fail under ASN_REQUIRE_OCR=1, as in CI).
ocr:
	@{ command -v tesseract >/dev/null 2>&1 && tesseract --list-langs 2>/dev/null | grep -qx ind; } || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing tesseract-ocr and tesseract-ocr-ind (Debian packages) for OCR"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends tesseract-ocr tesseract-ocr-ind >/dev/null; \
	  else echo "tesseract missing: scans get no text, OCR tests skip (apt-get install tesseract-ocr tesseract-ocr-ind)"; fi; }

# The object-storage tests start a throw-away Ceph RADOS Gateway (a real S3 server) on
# 127.0.0.1: Debian's packages, installed when missing and this user may (root).
s3-server:
	@command -v radosgw >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing radosgw, ceph-mon, ceph-osd (Debian packages) for the S3 tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends radosgw ceph-mon ceph-osd >/dev/null; \
	  else echo "radosgw missing: S3 tests will be skipped (apt-get install radosgw ceph-mon ceph-osd)"; fi; }

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) tools/typecheck.py

# The type checker alone (also part of lint): services, selectors, policies, against a baseline
# that only shrinks (tools/typecheck.py).
typecheck: $(VENV)/.installed
	$(PY) tools/typecheck.py

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: bench-import bench-login bench-reset bench-report bench-ingest bench-download bench-audit bench-fixity bench-lockout bench-reads bench-signatures bench-queue bench-oidc

bench-import: $(VENV)/.installed messages
	$(PY) bench/import_employees.py $(BENCH_ARGS)

bench-login: $(VENV)/.installed messages
	$(PY) bench/login.py $(BENCH_ARGS)

bench-reset: $(VENV)/.installed messages
	$(PY) bench/reset.py $(BENCH_ARGS)

bench-report: $(VENV)/.installed messages
	$(PY) bench/missing_report.py $(BENCH_ARGS)

bench-ingest: $(VENV)/.installed messages
	$(PY) bench/ingest.py $(BENCH_ARGS)

bench-download: $(VENV)/.installed messages
	$(PY) bench/download.py $(BENCH_ARGS)

bench-audit: $(VENV)/.installed messages
	$(PY) bench/audit.py $(BENCH_ARGS)

bench-fixity: $(VENV)/.installed messages
	$(PY) bench/fixity.py $(BENCH_ARGS)

bench-reads: $(VENV)/.installed messages
	$(PY) bench/reads.py $(BENCH_ARGS)

bench-queue: $(VENV)/.installed messages
	$(PY) bench/verifier_queue.py $(BENCH_ARGS)

bench-oidc: $(VENV)/.installed messages
	$(PY) bench/oidc.py $(BENCH_ARGS)

bench-lockout: $(VENV)/.installed messages
	$(PY) bench/lockout.py $(BENCH_ARGS)

bench-signatures: $(VENV)/.installed
	$(PY) bench/signatures.py $(BENCH_ARGS)

# Not part of `make bench`: a full run takes a long time (docs/performance.md).
bench-scale: $(VENV)/.installed messages
	$(PY) bench/scale.py $(BENCH_ARGS)

# The dashboard refresh on the database bench-scale left (it writes changes into it).
bench-dashboard: $(VENV)/.installed messages
	$(PY) bench/dashboard_refresh.py $(BENCH_ARGS)

# Not part of `make bench` either: 50,000,000 audit events take a long time to generate.
bench-audit-scale: $(VENV)/.installed messages
	$(PY) bench/audit_scale.py $(BENCH_ARGS)

# The load test (docs/load.md), not part of `make bench`: 200 simulated people for 5 minutes;
# loadtest-ci is the one-minute version that CI runs. Both exit 1 when a goal fails.
loadtest: $(VENV)/.installed messages
	$(PY) bench/loadtest.py $(BENCH_ARGS)

loadtest-ci: $(VENV)/.installed messages
	$(PY) bench/loadtest.py --users 40 --seconds 60 $(BENCH_ARGS)

# The stepped load (docs/load.md): more people each minute until latency or errors give way;
# the knee is the last step with p95 < 500 ms and no error (goal: 130 requests/s there).
loadtest-steps: $(VENV)/.installed messages
	$(PY) bench/loadtest.py --steps 50,100,200,300,400 --step-seconds 60 $(BENCH_ARGS)

# Fault injection (docs/faults.md), never part of `make test`: kills workers and a destruction
# run, restarts its own PostgreSQL on 5433, fills a small mounted storage (needs root).
faults: $(VENV)/.installed messages
	$(VENV)/bin/pytest -c faults/pytest.ini --rootdir=faults $(FAULTS_ARGS) faults

# Re-pin every dependency after editing pyproject.toml.
lock:
	rm -rf /tmp/asn-lock-venv && $(PYTHON) -m venv /tmp/asn-lock-venv
	/tmp/asn-lock-venv/bin/pip install --quiet .
	( printf '%s\n' "# What the application needs to run, every package pinned (transitive included): the" \
	    "# production install (docs/deployment.md) and \`make run\`. Made by \`make lock\` from" \
	    "# pyproject.toml's [project.dependencies]; development tools are in requirements-dev.lock."; \
	  /tmp/asn-lock-venv/bin/pip freeze --exclude-editable | grep -v '^asn-digital' ) > requirements.lock
	/tmp/asn-lock-venv/bin/pip install --quiet ".[dev]"
	( printf '%s\n' "# The tools to develop and test, pinned, on top of the runtime: \`make test\`, \`make lint\`," \
	    "# the benchmarks. Made by \`make lock\` from pyproject.toml's dev extra. Never installed in" \
	    "# production." "-r requirements.lock"; \
	  /tmp/asn-lock-venv/bin/pip freeze --exclude-editable | grep -v '^asn-digital' | grep -vxFf requirements.lock ) > requirements-dev.lock
	rm -rf /tmp/asn-lock-venv build *.egg-info

clean:
	rm -rf $(VENV) var .pytest_cache .hypothesis

# OCR accuracy and speed on generated pages, search latency at 100,000 documents (bench/README.md).
bench-ocr: $(VENV)/.installed messages ocr
	$(PY) bench/ocr.py $(BENCH_ARGS)
