"""Cells for files people open in spreadsheet programs."""


def spreadsheet_safe(text: str) -> str:
    """Neutralise cells a spreadsheet would run as a formula (CSV/XLSX injection)."""
    text = "" if text is None else str(text)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
