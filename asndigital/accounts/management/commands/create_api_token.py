from django.core.management.base import BaseCommand, CommandError

from asndigital.accounts import tokens
from asndigital.accounts.models import ApiToken, User
from asndigital.core.errors import DomainError, NotFound
from asndigital.personnel.models import Agency


class Command(BaseCommand):
    help = (
        "Create an API token for a service account (e.g. an agency's SIMPEG). The token is "
        "printed once and stored only hashed. --agency CODE scopes it to one agency (national "
        "tokens, without --agency, can only read); --scope names what it may do (repeat it)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="which system uses it")
        parser.add_argument(
            "--scope",
            dest="scopes",
            action="append",
            choices=ApiToken.Scope.values,
            required=True,
            help="what the token may do, e.g. employees:read (repeat for more)",
        )
        parser.add_argument("--agency", help="agency code")
        parser.add_argument("--actor", required=True, help="username of the admin creating it")

    def handle(self, *args, name, scopes, agency=None, actor, **options):
        user = User.objects.filter(username=actor, is_active=True).first()
        found = Agency.objects.filter(code=agency).first() if agency else None
        if user is None or (agency and found is None):
            raise CommandError("Unknown actor or agency.")
        try:
            token, value = tokens.create_token(actor=user, name=name, agency=found, scopes=scopes)
        except NotFound:
            raise CommandError("That actor may not create tokens for this agency.") from None
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"token {token.key_id} ({token.scopes}) for {name}:\n{value}")
        self.stdout.write("Keep it secret; it is not shown again. Revoke it in the admin.")
