from django.core.management.base import BaseCommand, CommandError

from asndigital.accounts import tokens
from asndigital.accounts.models import User
from asndigital.core.errors import DomainError, NotFound
from asndigital.personnel.models import Agency


class Command(BaseCommand):
    help = (
        "Create an API token for a service account (e.g. an agency's SIMPEG). The token is "
        "printed once and stored only hashed. --agency CODE scopes it to one agency (national "
        "tokens, without --agency, can only read)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="which system uses it")
        parser.add_argument("--scope", choices=["read", "write"], default="read")
        parser.add_argument("--agency", help="agency code")
        parser.add_argument("--actor", required=True, help="username of the admin creating it")

    def handle(self, *args, name, scope, agency=None, actor, **options):
        user = User.objects.filter(username=actor, is_active=True).first()
        found = Agency.objects.filter(code=agency).first() if agency else None
        if user is None or (agency and found is None):
            raise CommandError("Unknown actor or agency.")
        try:
            token, value = tokens.create_token(actor=user, name=name, agency=found, scope=scope)
        except NotFound:
            raise CommandError("That actor may not create tokens for this agency.") from None
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"token {token.key_id} ({scope}) for {name}:\n{value}")
        self.stdout.write("Keep it secret; it is not shown again. Revoke it in the admin.")
