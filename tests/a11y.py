"""axe-core (Deque's accessibility engine) in a Playwright page, for the browser tests and the
end-to-end suite. The engine is the axe.min.js that the axe-playwright-python wheel ships (a
pinned development dependency): nothing is downloaded at run time. It is put into the page
through the DevTools protocol, which the site's Content-Security-Policy does not govern.

The rules are axe's WCAG 2.0, 2.1 and 2.2 level A and AA ones; a violation of impact "serious"
or "critical" fails a test (docs/accessibility.md)."""

from __future__ import annotations

from axe_playwright_python.base import AXE_SCRIPT

# axe has no rule of its own for WCAG 2.2's new level A criteria (3.2.6, 3.3.7): no "wcag22a" tag.
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")
BLOCKING = frozenset({"serious", "critical"})

RUN = """
(tags) => axe.run(document, {
  runOnly: {type: 'tag', values: tags},
  resultTypes: ['violations'],
})
"""


def violations(page) -> list[dict]:
    """axe's serious and critical WCAG A/AA violations on the page as it is now."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE_SCRIPT)
    found = page.evaluate(RUN, list(WCAG_TAGS))["violations"]
    return [v for v in found if v["impact"] in BLOCKING]


def describe(found: list[dict], where: str) -> str:
    """The violations in words: rule, impact, what it asks, and the elements (at most 5)."""
    lines = []
    for violation in found:
        lines.append(f"{where}: {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:5]:
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            lines.append(f"    {', '.join(map(str, node['target']))}: {summary[:300]}")
        if len(violation["nodes"]) > 5:
            lines.append(f"    … and {len(violation['nodes']) - 5} more")
    return "\n".join(lines)
