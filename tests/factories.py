"""factory_boy factories: valid objects with as few lines as a test needs."""

import datetime as dt

import factory

from asndigital.accounts.models import RoleAssignment, User
from asndigital.personnel.models import Agency, Employee, EmployeeStatus, EmploymentType, Unit
from asndigital.personnel.nip import Sex, build_nip


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"AG{n:03d}")
    name = factory.Sequence(lambda n: f"Pemerintah Kabupaten Contoh {n}")
    kind = Agency.Kind.REGIONAL


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    agency = factory.SubFactory(AgencyFactory)
    code = factory.Sequence(lambda n: f"U{n:04d}")
    name = factory.Sequence(lambda n: f"Dinas Contoh {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staf{n}")
    full_name = factory.Faker("name", locale="id_ID")
    email = factory.Sequence(lambda n: f"staf{n}@example.go.id")
    password = factory.PostGenerationMethodCall("set_password", "Kata-sandi-uji-123")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def _nip(n: int, kind: str) -> str:
    birth = dt.date(1980, 1, 1) + dt.timedelta(days=n % 7000)
    if kind == EmploymentType.PPPK:
        return build_nip(
            birth_date=birth,
            appointment_year=2023,
            appointment_month=None,
            sex=Sex.FEMALE,
            serial=n % 999 + 1,
            contract_number=1,
        )
    return build_nip(
        birth_date=birth,
        appointment_year=2010,
        appointment_month=3,
        sex=Sex.MALE,
        serial=n % 999 + 1,
    )


class EmployeeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Employee

    employment_type = EmploymentType.PNS
    nip = factory.LazyAttributeSequence(lambda o, n: _nip(n, o.employment_type))
    name = factory.Faker("name", locale="id_ID")
    birth_date = factory.LazyAttribute(
        lambda o: dt.date(int(o.nip[:4]), int(o.nip[4:6]), int(o.nip[6:8]))
    )
    sex = factory.LazyAttribute(lambda o: "L" if o.nip[14] == "1" else "P")
    appointed_on = dt.date(2010, 3, 1)
    agency = factory.SubFactory(AgencyFactory)
    unit = None
    email = factory.LazyAttribute(lambda o: f"{o.nip}@mail.example")
    status = EmployeeStatus.ACTIVE
    status_on = dt.date(2010, 3, 1)
    user = factory.LazyAttribute(lambda o: UserFactory(username=o.nip, email=""))


def grant(user: User, role: str, agency: Agency | None = None) -> RoleAssignment:
    return RoleAssignment.objects.create(user=user, role=role, agency=agency)


# API token scopes of a typical agency system: reading (records, documents, the report) and
# reading and uploading.
READ_SCOPES = ["employees:read", "documents:read", "reports:read"]
WRITE_SCOPES = [*READ_SCOPES, "documents:write"]
