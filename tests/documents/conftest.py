import pytest


@pytest.fixture(autouse=True)
def _stored_files_in_tmp(files_in_tmp):
    """Every documents test stores its files in a temporary folder (see tests/conftest.py)."""
    return files_in_tmp
