from django.conf import settings


def site(request):
    return {"site_name": settings.ASN_SITE_NAME}
