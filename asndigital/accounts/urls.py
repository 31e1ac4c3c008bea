from django.urls import path

from asndigital.accounts import (
    passkey_views,
    password_views,
    reset_views,
    security_views,
    token_views,
    views,
)

app_name = "accounts"
urlpatterns = [
    path("masuk/", views.login_view, name="login"),
    path("masuk/kode/", views.code_view, name="code"),
    path("masuk/aktivasi-mfa/", views.activate_view, name="activate"),
    path("masuk/passkey/", passkey_views.login_passkey_view, name="passkey_login"),
    path("masuk/passkey/opsi/", passkey_views.login_options_view, name="passkey_login_options"),
    path("masuk/passkey-baru/", passkey_views.enrol_view, name="passkey_enrol"),
    path(
        "masuk/passkey-baru/opsi/",
        passkey_views.enrol_options_view,
        name="passkey_enrol_options",
    ),
    path("kode-pemulihan/", views.recovery_codes_view, name="recovery_codes"),
    path("keluar/", views.LogoutView.as_view(), name="logout"),
    path("reset-mfa/", reset_views.mfa_start, name="mfa_reset"),
    path("reset-mfa/email/", reset_views.mfa_email, name="mfa_reset_email"),
    path("reset-mfa/konfirmasi/", reset_views.mfa_confirm, name="mfa_reset_confirm"),
    path("lupa-kata-sandi/", reset_views.password_start, name="password_reset"),
    path("lupa-kata-sandi/email/", reset_views.password_email, name="password_reset_email"),
    path(
        "lupa-kata-sandi/konfirmasi/", reset_views.password_confirm, name="password_reset_confirm"
    ),
    path("keamanan/", security_views.security_view, name="security"),
    path("token-api/", token_views.tokens_view, name="api_tokens"),
    path("token-api/<int:pk>/cabut/", token_views.revoke_view, name="revoke_api_token"),
    path("kata-sandi/", password_views.change_view, name="password_change"),
    path("kata-sandi/perbarui/", password_views.upgrade_view, name="password_upgrade"),
    path("keamanan/konfirmasi/", security_views.reauth_view, name="reauth"),
    path("keamanan/perangkat/tambah/", security_views.add_device_view, name="add_device"),
    path(
        "keamanan/perangkat/<uuid:device_id>/nama/",
        security_views.rename_device_view,
        name="rename_device",
    ),
    path(
        "keamanan/perangkat/<uuid:device_id>/hapus/",
        security_views.remove_device_view,
        name="remove_device",
    ),
    path("keamanan/konfirmasi/passkey/", passkey_views.reauth_view, name="reauth_passkey"),
    path(
        "keamanan/konfirmasi/passkey/opsi/",
        passkey_views.reauth_options_view,
        name="reauth_passkey_options",
    ),
    path("keamanan/passkey/tambah/", passkey_views.add_view, name="add_passkey"),
    path("keamanan/passkey/opsi/", passkey_views.add_options_view, name="add_passkey_options"),
    path(
        "keamanan/passkey/<uuid:passkey_id>/nama/",
        passkey_views.rename_view,
        name="rename_passkey",
    ),
    path(
        "keamanan/passkey/<uuid:passkey_id>/hapus/",
        passkey_views.remove_view,
        name="remove_passkey",
    ),
    path("keamanan/kode-pemulihan/", security_views.regenerate_codes_view, name="regenerate_codes"),
    path("keamanan/keluar-semua/", security_views.logout_everywhere_view, name="logout_everywhere"),
]
