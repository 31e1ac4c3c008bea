"""The provider's endpoints. The toolkit's views resolve each other in the ``oauth2_provider``
namespace, so the protocol endpoints live there (mounted at the site's root: the issuer is the
site itself); the pages around them (step-up) are in ``sso``. The toolkit's own application
management pages and dynamic registration are not mounted: national admins register
applications (docs/sso.md)."""

from django.urls import path, re_path
from oauth2_provider import views as dot

from asndigital.sso import client_views, views

provider_patterns = (
    [
        re_path(
            r"^\.well-known/openid-configuration$",
            views.DiscoveryView.as_view(),
            name="oidc-connect-discovery-info",
        ),
        path("oidc/jwks/", dot.JwksInfoView.as_view(), name="jwks-info"),
        path("oidc/authorize/", views.AuthorizationView.as_view(), name="authorize"),
        path("oidc/token/", views.TokenView.as_view(), name="token"),
        path("oidc/revoke/", dot.RevokeTokenView.as_view(), name="revoke-token"),
        path("oidc/userinfo/", dot.UserInfoView.as_view(), name="user-info"),
        path("oidc/logout/", views.LogoutView.as_view(), name="rp-initiated-logout"),
    ],
    "oauth2_provider",
)

app_name = "sso"
urlpatterns = [
    path("oidc/step-up/", views.step_up_view, name="step_up"),
    path("oidc/step-up/options/", views.step_up_options_view, name="step_up_options"),
    path("akun/aplikasi/<int:pk>/cabut/", views.revoke_consent_view, name="revoke_consent"),
    path("akun/aplikasi-sso/", client_views.clients_view, name="clients"),
    path(
        "akun/aplikasi-sso/<int:pk>/rahasia/", client_views.rotate_secret_view, name="rotate_secret"
    ),
    path("akun/aplikasi-sso/<int:pk>/nonaktif/", client_views.disable_view, name="disable"),
    path("akun/aplikasi-sso/<int:pk>/ubah/", client_views.change_view, name="change"),
]
