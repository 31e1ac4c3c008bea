from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo and benchmark data: the generator, ``seed_demo`` and sample documents. Installed
    only with ASN_ENV=development or test (settings.py), never in production."""

    name = "asndigital.demo"
    label = "demo"
