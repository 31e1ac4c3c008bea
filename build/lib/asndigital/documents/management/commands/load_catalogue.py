from django.core.management.base import BaseCommand

from asndigital.documents.services import load_catalogue


class Command(BaseCommand):
    help = (
        "Load the document catalogue (asndigital/documents/catalogue.json): creates missing "
        "types; --update also overwrites types edited since with the file's version."
    )

    def add_arguments(self, parser):
        parser.add_argument("--update", action="store_true")

    def handle(self, *args, update=False, **options):
        counts = load_catalogue(update=update)
        self.stdout.write(
            "document types: created {created}, updated {updated}, unchanged {unchanged}".format(
                **counts
            )
        )
