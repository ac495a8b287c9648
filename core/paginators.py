"""A paginator for admin lists of large tables.

Counting every row of an unfiltered table of 100,000 payments is a full scan on every page
view. For such a list PostgreSQL's own estimate (kept fresh by autovacuum's ANALYZE) is good
enough to number the pages; a filtered list, a small table and any other database are counted
exactly.
"""

from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property

#: Below this many rows (by the estimate) the exact count is cheap, and exact it is.
EXACT_BELOW = 20_000


def estimated_rows(queryset: QuerySet) -> int | None:
    """PostgreSQL's estimate of the number of rows in the queryset's table; None elsewhere or
    when the table has not been analysed yet."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
            [queryset.model._meta.db_table],
        )
        row = cursor.fetchone()
    return row[0] if row and row[0] >= 0 else None


class EstimatedCountPaginator(Paginator):
    """Exact counts, except for the whole of a large table on PostgreSQL.

    ``estimated`` says which, once ``count`` has been read, so that a page can say "about".
    """

    estimated = False

    @cached_property
    def count(self):
        queryset = self.object_list
        if isinstance(queryset, QuerySet) and not queryset.query.where:
            estimate = estimated_rows(queryset)
            if estimate is not None and estimate >= EXACT_BELOW:
                self.estimated = True
                return estimate
        return super().count
