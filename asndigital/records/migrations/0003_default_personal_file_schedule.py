"""The default retention schedule row for the personal file (docs/domain.md §6, Peraturan ANRI
22/2017 as an example: national values unconfirmed). National admins edit it."""

from django.db import migrations

NOTE = (
    "Contoh dari Peraturan ANRI 22/2017; nilai nasional belum dikonfirmasi dan dapat diubah oleh "
    "admin nasional. Berkas pegawai yang pernah menjabat di tingkat nasional dinilai kembali, "
    "tidak dimusnahkan."
)


def create(apps, schema_editor):
    RetentionSchedule = apps.get_model("records", "RetentionSchedule")
    RetentionSchedule.objects.get_or_create(
        series="berkas-perseorangan",
        defaults={
            "name": "Berkas perseorangan ASN",
            "active_years": 1,
            "inactive_years": 2,
            "trigger": "berhenti_bekerja",
            "disposition": "musnah",
            "note": NOTE,
        },
    )


class Migration(migrations.Migration):
    dependencies = [("records", "0002_retention_and_holds")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
