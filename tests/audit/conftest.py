import pytest


@pytest.fixture(autouse=True)
def _seal_on_every_commit(monkeypatch):
    """Each test starts as if no seal had run lately (sealing after commit is rate-limited)."""
    from asndigital.audit import services

    monkeypatch.setattr(services, "_last_seal", 0.0)
