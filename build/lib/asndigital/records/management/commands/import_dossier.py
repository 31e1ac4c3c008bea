from django.core.management.base import BaseCommand, CommandError

from asndigital.accounts.models import User
from asndigital.core.errors import DomainError, NotFound
from asndigital.personnel.models import Employee
from asndigital.records.bagit import import_dossier


class Command(BaseCommand):
    help = (
        "Import a dossier exported as a BagIt ZIP into an employee's dossier. The whole bag is "
        "checked first (structure, paths, every manifest entry's SHA-256); nothing is stored "
        "unless all of it is right."
    )

    def add_arguments(self, parser):
        parser.add_argument("bag", help="the BagIt ZIP")
        parser.add_argument("--nip", required=True, help="the employee it belongs to")
        parser.add_argument("--actor", required=True, help="username of who imports it")

    def handle(self, *args, bag, nip, actor, **options):
        user = User.objects.filter(username=actor, is_active=True).first()
        employee = Employee.objects.filter(nip="".join(nip.split())).first()
        if user is None or employee is None:
            raise CommandError("Unknown actor or NIP.")
        try:
            counts = import_dossier(actor=user, path=bag, employee=employee)
        except NotFound:
            raise CommandError("That actor may not add documents to this dossier.") from None
        except DomainError as exc:
            raise CommandError(f"The bag was refused, nothing was stored: {exc.message}") from None
        self.stdout.write(
            f"imported {counts['stored']} file(s); {counts['already_there']} already in the dossier"
        )
