from django.core.management.base import BaseCommand

from asndigital.personnel.models import Agency
from asndigital.records.destruction import eligible_documents


class Command(BaseCommand):
    help = (
        "List the records that became eligible for destruction (retention run out, disposition "
        "Musnah, not held, not destroyed, not already proposed), per agency. Nothing is "
        "destroyed: records officers build proposals from this list."
    )

    def add_arguments(self, parser):
        parser.add_argument("--agency", help="only this agency (its code)")
        parser.add_argument("--details", action="store_true", help="one line per record")

    def handle(self, *args, agency=None, details=False, **options):
        agencies = Agency.objects.order_by("code")
        if agency:
            agencies = agencies.filter(code=agency)
        total = 0
        for item in agencies:
            found = eligible_documents(item)
            if not found:
                continue
            total += len(found)
            self.stdout.write(f"{item.code}: {len(found)} record(s) eligible for destruction")
            if details:
                for document, phase in found:
                    self.stdout.write(
                        f"  {document.employee.nip} {document.doc_type.code} {document.pk} "
                        f"(inactive until {phase.inactive_until})"
                    )
        self.stdout.write(f"total: {total}")
