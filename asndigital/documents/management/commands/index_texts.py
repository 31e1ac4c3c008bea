from django.core.management.base import BaseCommand

from asndigital.documents.services import index_texts


class Command(BaseCommand):
    help = (
        "Read the text of every document version that has none yet (uploaded before text was "
        "read) and index it for search; --rehash also makes every search-index row again from "
        "the stored texts (needed after SECRET_KEY changes)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--rehash", action="store_true")

    def handle(self, *args, rehash=False, **options):
        counts = index_texts(rehash=rehash)
        self.stdout.write(f"read {counts['read']} version(s), rehashed {counts['rehashed']}")
