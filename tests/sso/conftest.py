import pytest
import requests
from oauth2_provider.models import get_application_model

from asndigital.sso import services
from tests.accounts.conftest import away_from_a_step_boundary  # noqa: F401 (autouse)
from tests.helpers import enrol
from tests.sso.oidc import REDIRECT


@pytest.fixture
def register(bkn_admin):
    """register(**changes) -> (application, client secret): an application registered by a
    national admin through the service."""

    def make(**changes):
        arguments = {
            "name": "Aplikasi Kepegawaian Daerah",
            "redirect_uris": REDIRECT,
            "scopes": ["openid", "profile", "nip", "agency", "email"],
            "confidential": True,
            "post_logout_redirect_uris": "http://localhost:9/bye",
            **changes,
        }
        return services.register_client(actor=bkn_admin, **arguments)

    return make


@pytest.fixture
def Application():
    return get_application_model()


@pytest.fixture
def person(employee):
    enrol(employee.user)
    return employee


@pytest.fixture
def provider(live_server):
    discovery = requests.get(
        f"{live_server.url}/.well-known/openid-configuration", timeout=10
    ).json()
    jwks = requests.get(discovery["jwks_uri"], timeout=10).json()
    return discovery, jwks
