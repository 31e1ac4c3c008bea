"""The toolkit registers its models in the Django admin; they are taken out. Applications are
managed on the single sign-on page (services audit each change; a secret is shown once), and
tokens are nobody's to browse (they are stored hashed anyway)."""

from django.contrib import admin
from oauth2_provider import admin as _toolkit_admin  # noqa: F401 (registers first: then taken out)
from oauth2_provider.models import (
    get_access_token_model,
    get_application_model,
    get_grant_model,
    get_id_token_model,
    get_refresh_token_model,
)

for _model in (
    get_application_model(),
    get_access_token_model(),
    get_grant_model(),
    get_id_token_model(),
    get_refresh_token_model(),
):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
