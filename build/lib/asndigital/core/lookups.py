"""``field__any=[...]``: membership in a long list, as one array parameter on PostgreSQL.

``__in`` with thousands of values sends thousands of parameters that the driver splits and the
server plans one by one; ``= ANY(%s)`` sends one array. Other databases get a plain IN.
"""

from django.db.models import CharField, Lookup, UUIDField


@CharField.register_lookup
@UUIDField.register_lookup
class AnyOf(Lookup):
    lookup_name = "any"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        return "%s", [list(value)]  # PostgreSQL: one array parameter (psycopg adapts UUIDs)

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", [*lhs_params, *rhs_params]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        field = self.lhs.output_field
        values = [field.get_db_prep_value(v, connection) for v in self.rhs]
        if not values:
            return "1 = 0", []
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*lhs_params, *values]
