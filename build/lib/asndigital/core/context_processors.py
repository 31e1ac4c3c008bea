from django.conf import settings


def site(request):
    return {
        "site_name": settings.ASN_SITE_NAME,
        "password_policy": {
            "min": settings.ASN_PASSWORD_MIN_LENGTH,
            "max": settings.ASN_PASSWORD_MAX_LENGTH,
            "classes": settings.ASN_PASSWORD_REQUIRE_CLASSES,
        },
    }
