"""The HR forms on the employee page (correct the registered e-mail, reset MFA): a form that
comes back shows what was typed, with each message next to its field."""

import re

from django.urls import reverse

from asndigital.accounts.models import Role
from asndigital.audit.models import AuditEvent


def test_a_wrong_email_correction_comes_back_with_its_messages_next_to_the_fields(
    client, employee, make_staff, agency
):
    client.force_login(make_staff(Role.AGENCY_ADMIN, agency))
    before = employee.email
    response = client.post(
        reverse("personnel:correct_email", args=[employee.pk]), {"email": "bukan-surel"}
    )
    assert response.status_code == 302 and response["Location"].endswith("#email")
    page = client.get(response["Location"]).content.decode()
    assert '<p class="error" id="id_email_email_error">' in page
    assert '<p class="error" id="id_email_reason_error">' in page
    assert "Alasan perbaikan wajib diisi." in page
    tag = re.search(r'<input[^>]*name="email"[^>]*>', page)[0]
    assert 'value="bukan-surel"' in tag and 'aria-invalid="true"' in tag
    employee.refresh_from_db()
    assert employee.email == before
    assert not AuditEvent.objects.filter(action="employee.email_corrected").exists()
    # Shown once: the next visit has an empty form again.
    page = client.get(reverse("personnel:employee_detail", args=[employee.pk])).content.decode()
    assert "id_email_email_error" not in page and "bukan-surel" not in page


def test_the_employee_page_forms_mark_their_required_fields(client, employee, make_staff, agency):
    client.force_login(make_staff(Role.AGENCY_ADMIN, agency))
    page = client.get(reverse("personnel:employee_detail", args=[employee.pk])).content.decode()
    tag = re.search(r'<input[^>]*name="reason"[^>]*id="id_email_reason"[^>]*>', page)[0]
    assert "required" in tag.split()
    assert "wajib diisi" in page
