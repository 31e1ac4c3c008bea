"""System checks (``manage.py check``, and before ``runserver`` and ``migrate``)."""

from django.core.checks import Error, register

from asndigital.core.pdf import FONT_PACKAGE, FontMissing, font_files


@register()
def pdf_font(app_configs, **kwargs):
    """The PDFs the system makes (the destruction record) need their font: say so at start-up
    rather than when a destruction is carried out."""
    try:
        font_files()
    except FontMissing as exc:
        return [Error(str(exc), hint=f"apt-get install {FONT_PACKAGE}", id="core.E001")]
    return []
