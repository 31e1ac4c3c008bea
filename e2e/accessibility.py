"""axe-core on every page the journeys visit (docs/e2e.md, docs/accessibility.md).

Every page the suite hands out (``new_page``, ``page``, ``as_user``) is an ``AuditedPage``: it
counts the documents its browser tab commits, and before the test's next call on it (and right
after a call that navigates: goto, reload, wait_for_url, ...) it checks a document it has not
checked yet, once loaded:

- as it is, in the journey's language (Indonesian), at the desktop width and at 390 px;
- in English at both widths: the same address opened in a separate browser context with the
  same cookies plus the language cookie, when the document came from a GET (a POST's answer
  cannot be asked again without doing the action twice). Once per address pattern (ids left
  out), since a template looks the same for every employee.

A serious or critical WCAG 2.0/2.1/2.2 A or AA violation fails the test right there, naming the
rule and the elements. Every check is listed in var/e2e/logs/axe.log.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

from e2e.helpers import LOGS
from tests.a11y import describe, violations

WIDTHS = {"desktop": 1280, "phone": 390}
LANGUAGE_COOKIE = "django_language"  # Django's default LANGUAGE_COOKIE_NAME, as the site uses
# Calls after which the tab shows a new document that the test is about to look at.
NAVIGATING = frozenset(
    {"goto", "reload", "go_back", "go_forward", "wait_for_url", "wait_for_load_state"}
)


def route(url: str) -> str:
    """The address with its ids left out: /pegawai/<id>/ for every employee, query keys kept."""
    parts = urlsplit(url)
    path = re.sub(r"/[0-9a-f]{8}-[0-9a-f-]{27}(?=/)", "/<id>", parts.path)
    path = re.sub(r"/\d+(?=/)", "/<n>", path)
    path = re.sub(r"/[0-9a-z]{4}(-?[0-9a-z]{4}){5}(?=/)", "/<code>", path, flags=re.IGNORECASE)
    keys = sorted({key for key, _value in parse_qsl(parts.query, keep_blank_values=True)})
    return path + (f"?{'&'.join(keys)}" if keys else "")


class AccessibilityWalk:
    """What the pages of one run share: the server, the browser, the English checks done."""

    def __init__(self, browser, base_url: str):
        self.browser = browser
        self.base_url = base_url
        self.english_done: set[str] = set()
        LOGS.mkdir(parents=True, exist_ok=True)
        self.log = (LOGS / "axe.log").open("w", encoding="utf-8")

    def close(self) -> None:
        self.log.close()

    def _run(self, page, where: str) -> list[str]:
        problems = []
        size = page.viewport_size
        try:
            for name, width in WIDTHS.items():
                page.set_viewport_size({"width": width, "height": size["height"]})
                found = violations(page)
                self.log.write(f"{where} [{name}]: {len(found)} serious/critical\n")
                if found:
                    problems.append(describe(found, f"{where} [{name} {width} px]"))
        finally:
            page.set_viewport_size(size)
        self.log.flush()
        return problems

    def check(self, page, method: str) -> None:
        url = page.url
        path = url.removeprefix(self.base_url)
        problems = self._run(page, f"{path} id")
        key = route(path)
        if method == "GET" and key not in self.english_done:
            self.english_done.add(key)
            problems += self._in_english(page, url, path)
        if problems:
            raise AssertionError("axe-core found accessibility violations:\n" + "\n".join(problems))

    def _in_english(self, page, url: str, path: str) -> list[str]:
        context = self.browser.new_context(
            storage_state=page.context.storage_state(),
            viewport=page.viewport_size,
            locale="en-US",
            timezone_id="Asia/Jakarta",
        )
        try:
            context.add_cookies([{"name": LANGUAGE_COOKIE, "value": "en", "url": self.base_url}])
            english = context.new_page()
            english.goto(url)
            assert english.evaluate("document.documentElement.lang") == "en", path
            return self._run(english, f"{path} en")
        finally:
            context.close()


class AuditedPage:
    """A Playwright page that has axe check each document it shows (see the module's doc)."""

    def __init__(self, page, walk: AccessibilityWalk):
        self._page = page
        self._walk = walk
        self._committed = 0
        self._checked = 0
        self._method = "GET"
        page.on("framenavigated", self._on_navigated)
        page.on("request", self._on_request)

    def _on_navigated(self, frame) -> None:
        if frame == self._page.main_frame:
            self._committed += 1

    def _on_request(self, request) -> None:
        if request.is_navigation_request() and request.frame == self._page.main_frame:
            self._method = request.method  # a redirect's next request replaces it

    def _catch_up(self) -> None:
        if self._checked == self._committed or self._page.is_closed():
            return
        self._page.wait_for_load_state("load")
        self._checked = self._committed
        if not self._page.url.startswith(self._walk.base_url):
            return
        if self._page.evaluate("document.contentType") != "text/html":
            return
        self._walk.check(self._page, self._method)

    def __getattr__(self, name: str):
        attribute = getattr(self._page, name)
        if not callable(attribute) or name in {"on", "once", "remove_listener", "is_closed"}:
            return attribute

        def call(*args, **kwargs):
            self._catch_up()
            result = attribute(*args, **kwargs)
            if name in NAVIGATING:
                self._catch_up()
            return result

        return call

    def finish(self) -> None:
        """At the end of the test: the document the tab shows last."""
        self._catch_up()
