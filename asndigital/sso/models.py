"""What ASN Digital adds to django-oauth-toolkit's Application: which scopes the application may
ask for, and whether it is disabled (a national admin's pre-approval, which skips the consent
page, is the toolkit's own ``skip_authorization``); and what each person agreed to share with
an application."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ClientPolicy(models.Model):
    application = models.OneToOneField(
        settings.OAUTH2_PROVIDER_APPLICATION_MODEL,
        on_delete=models.CASCADE,
        related_name="asn_policy",
    )
    allowed_scopes = models.CharField(_("allowed scopes"), max_length=200, default="openid")
    disabled = models.BooleanField(_("disabled"), default=False)
    back_channel_logout_uri = models.URLField(_("back-channel logout URL"), blank=True)

    class Meta:
        verbose_name = _("application policy")
        verbose_name_plural = _("application policies")

    def __str__(self) -> str:
        return str(self.application)

    @property
    def scopes(self) -> list[str]:
        return self.allowed_scopes.split()


class Consent(models.Model):
    """A person agreed that ``application`` may receive ``scopes`` (asked again for more)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sso_consents"
    )
    application = models.ForeignKey(
        settings.OAUTH2_PROVIDER_APPLICATION_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    scopes = models.CharField(max_length=200)
    given_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "application"], name="sso_consent_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.application}"
