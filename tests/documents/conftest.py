import pytest


@pytest.fixture(autouse=True)
def files_in_tmp(settings, tmp_path):
    """Stored files go to a temporary folder, never under var/."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "files"},
        },
    }
    return tmp_path / "files"
