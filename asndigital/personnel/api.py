"""API: employees in the caller's scope, their dossiers, and the catalogue."""

from __future__ import annotations

from datetime import date

from ninja import Router, Schema
from ninja.pagination import paginate

from asndigital.api.core import errors, needs_scope
from asndigital.api.pagination import CheckedCursorPagination
from asndigital.audit import reads
from asndigital.core.errors import NotFound
from asndigital.documents.models import DocumentType
from asndigital.personnel import selectors
from asndigital.personnel.models import Employee

router = Router(tags=["employees"])


class RecordedEmployeePages(CheckedCursorPagination):
    """The employee list's pages: each page's people are a recorded read of their data."""

    def paginate_queryset(self, queryset, pagination, request, **params):
        page = super().paginate_queryset(queryset, pagination, request, **params)
        people = [employee.pk for employee in page[self.items_attribute]]
        if people:
            reads.many(request.auth, "employees.listed", people, api=True)
        return page


class EmployeeOut(Schema):
    nip: str
    name: str
    employment_type: str
    agency: str
    unit: str | None
    status: str
    status_on: date
    email: str

    @staticmethod
    def resolve_name(obj):
        return obj.display_name

    @staticmethod
    def resolve_agency(obj):
        return obj.agency.code

    @staticmethod
    def resolve_unit(obj):
        return obj.unit.code if obj.unit_id else None


class DocumentTypeOut(Schema):
    code: str
    name: str
    group: str
    siasn_code: int | None
    applies_to: list[str]
    requirement: str
    multiplicity: str
    metadata_fields: list[dict]
    allowed_formats: list[str]
    max_size_bytes: int


def employee_by_nip(user, nip: str) -> Employee:
    """One employee in the caller's scope by NIP, or NotFound (same answer as missing)."""
    nip = "".join(nip.split())
    employee = (
        Employee.objects.visible_to(user).select_related("agency", "unit").filter(nip=nip).first()
    )
    if employee is None:
        raise NotFound()
    return employee


@router.get(
    "/employees", response={200: list[EmployeeOut], **errors(422)}, summary="Search employees"
)
@paginate(RecordedEmployeePages, ordering=("nip",), page_size=100, max_page_size=500)
@needs_scope("employees:read")
def list_employees(request, q: str = "", status: str = ""):
    """Employees the caller may see, by NIP (prefix) or name; cursor-paginated by NIP."""
    return selectors.employee_list(user=request.auth, q=q, status=status)


@router.get("/employees/{nip}", response={200: EmployeeOut, **errors(404)}, summary="One employee")
@needs_scope("employees:read")
def get_employee(request, nip: str):
    employee = employee_by_nip(request.auth, nip)
    reads.one(request.auth, "employee.viewed", employee, api=True)
    return employee


@router.get("/catalogue", response={200: list[DocumentTypeOut], **errors()}, tags=["catalogue"])
@needs_scope(None)
def catalogue(request):
    """The document types (codes, SIASN codes, metadata fields, formats, sizes)."""
    return DocumentType.objects.filter(is_active=True)
