import uuid

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device as OtpDevice

from asndigital.accounts.roles import AGENCY_ONLY_ROLES, NATIONAL_ONLY_ROLES, Role
from asndigital.core.scoping import AgencyScopedQuerySet


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, username):
        # The password step (Django's ModelBackend) reads the account by this; its employee
        # comes along in the same statement for the policy check of the password
        # (PersonalInfoValidator) that follows a right one.
        return self.select_related("employee").get(**{self.model.USERNAME_FIELD: username})

    def create_user(self, username: str, password: str | None = None, **extra):
        if not username:
            raise ValueError("A username is required.")
        user = self.model(username=username, **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, username: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(username, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """An account: a civil servant (username = NIP), agency staff or a service account."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Unique through Meta.constraints, not unique=True: on PostgreSQL the latter adds a second
    # (LIKE) index that no query here uses, and every insert pays for it.
    username = models.CharField(_("username"), max_length=64)
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    # For staff and service accounts. A civil servant's registered e-mail is the one on their
    # employee record (the SIASN e-mail), which only their agency admin may correct.
    email = models.EmailField(_("e-mail"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("can use the Django admin"), default=False)
    language = models.CharField(_("language"), max_length=8, blank=True)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)
    # Raising it ends every session of the account (log out everywhere, password change, MFA
    # reset): it is part of the session hash Django checks on every request.
    session_epoch = models.PositiveIntegerField(default=0)

    objects = UserManager()

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [models.UniqueConstraint(fields=["username"], name="user_username_unique")]

    def __str__(self) -> str:
        return self.username

    def get_full_name(self) -> str:
        employee = getattr(self, "employee", None)
        if employee is not None:
            return employee.display_name
        return self.full_name or self.username

    def get_short_name(self) -> str:
        return self.get_full_name()

    def _get_session_auth_hash(self, secret=None):
        return salted_hmac(
            "asndigital.accounts.User.session",
            f"{self.password}\x00{self.session_epoch}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    @property
    def registered_email(self) -> str:
        employee = getattr(self, "employee", None)
        return employee.email if employee is not None else self.email


class RoleAssignment(models.Model):
    """A role held by a user, either inside one agency or nationally (agency is empty)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    agency = models.ForeignKey(
        "personnel.Agency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="role_assignments",
        help_text=_("Empty for a national role."),
    )
    granted_at = models.DateTimeField(default=timezone.now)
    granted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "agency"], name="uniq_role_per_agency"),
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=Q(agency__isnull=True),
                name="uniq_national_role",
            ),
            models.CheckConstraint(
                condition=~Q(role__in=sorted(NATIONAL_ONLY_ROLES)) | Q(agency__isnull=True),
                name="national_role_has_no_agency",
            ),
            models.CheckConstraint(
                condition=~Q(role__in=sorted(AGENCY_ONLY_ROLES)) | Q(agency__isnull=False),
                name="agency_role_has_agency",
            ),
        ]

    def __str__(self) -> str:
        where = self.agency.code if self.agency_id else "national"
        return f"{self.user} · {self.role} · {where}"


class AuthenticatorDevice(OtpDevice):
    """A TOTP authenticator app (RFC 6238: SHA1, 6 digits, 30 s), its secret encrypted at rest.

    django-otp's Device gives the user link, name and "confirmed"; the code arithmetic is
    django_otp.oath. Replay protection and the lock counter are updated with conditional
    UPDATEs, so that two requests (or two app processes) cannot both use one code.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    sealed_key = models.BinaryField(_("encrypted secret"))
    created_at = models.DateTimeField(_("added"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    # The time step of the last accepted code: a code is accepted only for a later step.
    last_t = models.BigIntegerField(default=-1)
    # The offset (in steps) of the last accepted code from the server's clock: -1, 0 or 1.
    drift = models.SmallIntegerField(default=0)
    failure_count = models.PositiveIntegerField(default=0)
    locked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("authenticator")
        verbose_name_plural = _("authenticators")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.user})"


class Passkey(models.Model):
    """A passkey (WebAuthn credential): the public key of a key pair that stays on the person's
    phone, computer or security key. Nothing secret is stored; asndigital.accounts.passkeys is
    the only writer."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="passkeys")
    name = models.CharField(_("name"), max_length=64)
    credential_id = models.BinaryField(_("credential id"), max_length=1023)
    public_key = models.BinaryField(_("public key"))  # COSE_Key, as the authenticator gave it
    # The authenticator's signature counter: it must grow, or a copy of the key may exist.
    sign_count = models.BigIntegerField(default=0)
    transports = models.JSONField(default=list, blank=True)  # hints for the browser
    aaguid = models.CharField(max_length=36, blank=True)  # the authenticator's model
    is_backed_up = models.BooleanField(_("synced"), default=False)  # e.g. in a phone's cloud
    is_multi_device = models.BooleanField(default=False)  # may be synced at all
    created_at = models.DateTimeField(_("added"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("passkey")
        verbose_name_plural = _("passkeys")
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["credential_id"], name="passkey_credential_unique"),
            models.CheckConstraint(condition=~Q(name=""), name="passkey_has_name"),
            models.CheckConstraint(condition=Q(sign_count__gte=0), name="passkey_count_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.user})"


class RecoveryCode(models.Model):
    """A single-use code that replaces the one-time code once; only its hash is kept."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["code_hash"], name="recovery_code_unique")]

    def __str__(self) -> str:
        return f"recovery code of {self.user}"


class EmailChallenge(models.Model):
    """A code sent to the registered e-mail (password reset, MFA reset); only its HMAC is kept.

    A new challenge voids the open one of the same purpose and carries over its wrong entries,
    so asking again does not give fresh tries.
    """

    class Purpose(models.TextChoices):
        MFA_RESET = "mfa_reset", _("MFA reset")
        PASSWORD_RESET = "password_reset", _("password reset")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="email_challenges")
    purpose = models.CharField(max_length=32, choices=Purpose.choices)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    closed_at = models.DateTimeField(null=True, blank=True)  # used, voided or out of tries

    class Meta:
        indexes = [models.Index(fields=["user", "purpose", "created_at"], name="challenge_user")]

    def __str__(self) -> str:
        return f"{self.purpose} for {self.user}"


class ApiTokenQuerySet(AgencyScopedQuerySet):
    """Tokens are managed by their agency's admins (national tokens by national admins)."""

    agency_path = "agency_id"


class ApiToken(models.Model):
    """A service account's key for the API: scoped to one agency (or national) and to a set of
    scopes, never more than its creator may do; stored hashed; revocable; last use recorded.
    The token acts as its own service user (role SERVICE in the token's agency, or nationally),
    to which the usual policies and scoping apply; every API operation names the scope it
    needs, and a token without it is refused before anything is read."""

    class Scope(models.TextChoices):
        EMPLOYEES_READ = "employees:read", _("read employee records")
        DOCUMENTS_READ = "documents:read", _("read documents and download their files")
        DOCUMENTS_WRITE = "documents:write", _("upload documents")
        DECISIONS_WRITE = "decisions:write", _("accept and reject documents")
        REPORTS_READ = "reports:read", _("read the missing-documents report")
        AUDIT_READ = "audit:read", _("search the audit trail")
        CORRECTIONS_READ = "corrections:read", _("read employees' correction requests")
        CORRECTIONS_WRITE = "corrections:write", _("answer employees' correction requests")

    key_id = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    name = models.CharField(_("name"), max_length=100)
    user = models.OneToOneField(User, on_delete=models.PROTECT, related_name="api_token")
    agency = models.ForeignKey(
        "personnel.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Space-separated Scope values, as OAuth writes scopes.
    scopes = models.CharField(_("scopes"), max_length=200)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_id})"

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())

    def scope_labels(self) -> list[str]:
        """The token's scopes in words, in the catalogue's order."""
        return [label for value, label in self.Scope.choices if value in self.scope_set]
