from pathlib import Path

from asndigital.core.captcha import altcha_css_text

STATIC_COPY = Path(__file__).resolve().parents[2] / "asndigital/static/altcha/altcha.css"


def test_static_captcha_css_equals_what_the_installed_widget_would_inject():
    """After an upgrade of django-altcha, regenerate the copy (see asndigital/core/captcha.py)."""
    copy = STATIC_COPY.read_text(encoding="utf-8").split("\n", 1)[1].strip()
    assert copy == altcha_css_text().strip()
    assert ".altcha" in copy
