from django.urls import path

from asndigital.accounts import views

app_name = "accounts"
urlpatterns = [
    path("masuk/", views.login_view, name="login"),
    path("masuk/kode/", views.code_view, name="code"),
    path("masuk/aktivasi-mfa/", views.activate_view, name="activate"),
    path("kode-pemulihan/", views.recovery_codes_view, name="recovery_codes"),
    path("keluar/", views.LogoutView.as_view(), name="logout"),
]
