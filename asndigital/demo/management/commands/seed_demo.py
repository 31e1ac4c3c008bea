"""Demo data: agencies, units, employees (through the real importer) and one account per role.

Idempotent: a second run finds everything in place and writes nothing, not even audit events.
The data comes from the deterministic generator, so every machine gets the same demo.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from asndigital.accounts.models import Role, User
from asndigital.accounts.services import create_staff_account, grant_role
from asndigital.audit.services import record
from asndigital.demo.generator import DEMO_AGENCIES, generate_employee_rows, unit_lists
from asndigital.demo.samples import sample_pdf
from asndigital.documents import services as documents
from asndigital.documents.bulk import upload_many
from asndigital.documents.models import Document, DocumentType
from asndigital.personnel import corrections
from asndigital.personnel.importer import import_employees
from asndigital.personnel.models import Agency, Employee
from asndigital.personnel.services import upsert_agency, upsert_unit

DEMO_PASSWORD = "Demo-ASN-2026!"  # noqa: S105 - published on purpose; refused in production
DEMO_SEED = 2026
DEFAULT_EMPLOYEES_PER_AGENCY = 40
ASN_DEMO_AGENCY = "PEMKOT-BDG"

# username, full name, role, agency code (None: national)
DEMO_STAFF = (
    ("admin.bkn", "Rahmat Hidayat", Role.BKN_ADMIN, None),
    ("monitor.bkn", "Sri Wahyuni", Role.MONITOR, None),
    ("auditor.bkn", "Bambang Sutrisno", Role.AUDITOR, None),
    ("admin.bandung", "Asep Saepudin", Role.AGENCY_ADMIN, "PEMKOT-BDG"),
    ("operator.bandung", "Euis Komalasari", Role.OPERATOR, "PEMKOT-BDG"),
    ("verifikator.bandung", "Dadang Suhendar", Role.VERIFIER, "PEMKOT-BDG"),
    ("arsiparis.bandung", "Neng Rosmiati", Role.RECORDS_OFFICER, "PEMKOT-BDG"),
    ("admin.sleman", "Dwi Handayani", Role.AGENCY_ADMIN, "PEMKAB-SLEMAN"),
)


def _ensure_demo_password(user: User) -> bool:
    """Give ``user`` the demo password when they have none yet; audited. True if it changed.
    A password the person set themselves is never overwritten.

    Private to this command on purpose: nothing else may set a known password on an account.
    """
    if user.has_usable_password():
        return False
    user.set_password(DEMO_PASSWORD)
    user.save(update_fields=["password"])  # owner: the demo password, here alone on purpose
    record(None, "account.demo_password_set", user)
    return True


class Command(BaseCommand):
    help = (
        "Create the demo agencies, employees and one account per staff role (password "
        f"{DEMO_PASSWORD}). Safe to run again: existing data is left as it is."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--employees",
            type=int,
            default=DEFAULT_EMPLOYEES_PER_AGENCY,
            help=f"employees per demo agency (default {DEFAULT_EMPLOYEES_PER_AGENCY})",
        )

    def handle(self, *args, employees: int, **options):
        if settings.IS_PRODUCTION:
            # The demo password is published: such accounts must never exist in production.
            raise CommandError("seed_demo refuses to run with ASN_ENV=production.")
        if employees < 1:
            raise CommandError("--employees must be at least 1.")
        with transaction.atomic():
            agencies = self._agencies()
            result, asn_nip = self._employees(employees)
            accounts = self._staff(agencies)
            if asn_nip is not None:
                employee = Employee.objects.select_related("user").get(nip=asn_nip)
                _ensure_demo_password(employee.user)
                accounts.append(
                    (
                        employee.user.username,
                        "asn (pegawai)",
                        ASN_DEMO_AGENCY,
                        employee.display_name,
                    )
                )
            self._documents(asn_nip)
        self._report(result.summary, accounts)

    def _documents(self, asn_nip: str | None) -> None:
        """A few documents for the demo ASN: one accepted (with its verification code), one
        rejected with a reason, one waiting for the verifier."""
        if asn_nip is None or not DocumentType.objects.filter(code="sk-cpns").exists():
            return  # no catalogue yet (`manage.py load_catalogue` comes first in `make setup`)
        employee = Employee.objects.select_related("user").get(nip=asn_nip)
        if Document.objects.filter(employee=employee).exists():
            return
        verifier = User.objects.get(username="verifikator.bandung")
        operator = User.objects.get(username="operator.bandung")
        samples = [
            (
                "sk-cpns",
                {
                    "nomor_sk": "813/0412/BKPSDM/2024",
                    "tanggal_sk": "01-03-2024",
                    "tmt": "01-03-2024",
                    "pejabat_penetap": "Wali Kota Bandung",
                },
                "accept",
            ),
            (
                "ijazah",
                {
                    "jenjang": "S1",
                    "institusi": "Universitas Padjadjaran",
                    "tahun": "2018",
                    "nomor": "UNPAD/2018/04512",
                },
                "reject",
            ),
            (
                "spmt",
                {"nomor": "800/112/DISDIK/2024", "tanggal": "04-03-2024", "tmt": "01-03-2024"},
                None,
            ),
        ]
        for code, metadata, decision in samples:
            doc_type = DocumentType.objects.get(code=code)
            lines = [f"{employee.display_name} - NIP {employee.nip}"]
            lines += [f"{key}: {value}" for key, value in metadata.items()]
            content = sample_pdf(doc_type.name, lines)
            version = documents.upload_document(
                actor=operator,
                employee=employee,
                doc_type=doc_type,
                chunks=[content],
                original_name=f"{code}.pdf",
                metadata=metadata,
                source="scan",
            )
            documents.make_thumbnail(version_id=version.pk)
            if decision == "accept":
                documents.accept_document(actor=verifier, document=version.document)
            elif decision == "reject":
                documents.reject_document(
                    actor=verifier,
                    document=version.document,
                    reason="Halaman kedua ijazah (legalisir) belum dilampirkan.",
                )
        self._unfinished_work(employee, operator)

    def _unfinished_work(self, employee: Employee, operator: User) -> None:
        """Something in the operator's unfinished work and the agency's correction requests: a
        transcript uploaded in bulk (its details still empty), and the employee's request."""
        content = sample_pdf("Transkrip nilai", [f"{employee.display_name} - NIP {employee.nip}"])
        upload_many(
            actor=operator,
            files=[(f"{employee.nip}_transkrip.pdf", iter([content]), "")],
            source="scan",
        )
        corrections.create_request(
            actor=employee.user,
            employee=employee,
            subject="jabatan",
            note="Jabatan saya sejak 1 Januari 2025 adalah Analis SDM Aparatur Ahli Pertama.",
        )

    def _agencies(self) -> dict[str, Agency]:
        agencies = {}
        for spec in DEMO_AGENCIES:
            agency = upsert_agency(
                actor=None,
                code=spec.code,
                name=spec.name,
                kind=spec.kind,
                region_office=spec.region_office,
            )
            units = {}
            for unit in spec.units:  # parents come first in the spec
                units[unit.code] = upsert_unit(
                    actor=None,
                    agency=agency,
                    code=unit.code,
                    name=unit.name,
                    parent=units[unit.parent] if unit.parent else None,
                )
            agencies[spec.code] = agency
        return agencies

    def _employees(self, per_agency: int):
        rows = list(
            generate_employee_rows(
                per_agency * len(DEMO_AGENCIES), seed=DEMO_SEED, agencies=unit_lists(DEMO_AGENCIES)
            )
        )
        problems: list[str] = []
        result = import_employees(
            actor=None,
            rows=enumerate(rows, start=2),  # numbered as a spreadsheet would show them
            report=lambda number, nip, reason: problems.append(f"row {number} ({nip}): {reason}"),
            source="seed_demo",
        )
        if result.rejected:
            # The generator and the importer disagree: a bug, and the transaction rolls back.
            raise CommandError("The importer rejected demo rows:\n" + "\n".join(problems[:10]))
        # The civil servant of the demo: the first active PNS of the Bandung city government.
        asn_nip = next(
            (
                row["nip"]
                for row in rows
                if row["kode_instansi"] == ASN_DEMO_AGENCY
                and row["jenis_pegawai"] == "PNS"
                and row["status"] == "aktif"
            ),
            None,
        )
        return result, asn_nip

    def _staff(self, agencies: dict[str, Agency]) -> list[tuple[str, str, str, str]]:
        domains = {spec.code: spec.domain for spec in DEMO_AGENCIES}
        accounts = []
        for username, full_name, role, agency_code in DEMO_STAFF:
            user = User.objects.filter(username=username).first()
            if user is None:
                user = create_staff_account(
                    actor=None,
                    username=username,
                    full_name=full_name,
                    email=f"{username}@{domains[agency_code or 'BKN']}",
                    password=DEMO_PASSWORD,
                )
            else:
                _ensure_demo_password(user)
            grant_role(
                actor=None,
                user=user,
                role=role,
                agency=agencies[agency_code] if agency_code else None,
            )
            accounts.append((username, role, agency_code or "nasional", full_name))
        return accounts

    def _report(self, summary: str, accounts: list[tuple[str, str, str, str]]) -> None:
        out = self.stdout
        out.write(f"Demo employees: {summary}.")
        out.write("")
        header = ("username", "role", "agency / instansi", "name", "password")
        changed = set(
            User.objects.filter(username__in=[a[0] for a in accounts])
            .exclude(password="")
            .values_list("username", "password")
        )
        kept = {name for name, hashed in changed if not check_password(DEMO_PASSWORD, hashed)}
        table = [
            header,
            *[
                (*account, "(changed by its owner)" if account[0] in kept else DEMO_PASSWORD)
                for account in accounts
            ],
        ]
        widths = [max(len(str(row[i])) for row in table) for i in range(len(header))]
        for i, row in enumerate(table):
            out.write(
                "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True))
            )
            if i == 0:
                out.write("  ".join("-" * width for width in widths))
        out.write("")
        database = settings.DATABASES["default"]
        if database["ENGINE"].endswith("sqlite3"):
            where = f"SQLite {database['NAME']}"
        else:
            vendor = database["ENGINE"].rsplit(".", 1)[-1]
            where = f"{vendor} database {database['NAME']} (from DATABASE_URL)"
        out.write(f"Data / basis data: {where}")
        if settings.EMAIL_BACKEND.endswith(("filebased.EmailBackend", "EmlFileBackend")):
            out.write(f"E-mails / surel:   {settings.EMAIL_FILE_PATH}/ (one file per message)")
        else:
            out.write(f"E-mails / surel:   sent with {settings.EMAIL_BACKEND}")
        out.write("The civil servant (asn) logs in with the NIP as username.")
