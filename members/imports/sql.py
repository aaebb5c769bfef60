"""Set-based reads and writes for imports: no per-row query, no per-row model instance.

PostgreSQL gets `COPY` (straight into the table, or into a temporary table followed by one
`INSERT … ON CONFLICT` or `UPDATE … FROM`); SQLite gets `executemany` of the same statement.
Both see the same rows and the same conflict rules, so an import has one outcome on either.
"""

import itertools
import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime

from django.db import DatabaseError, connection
from django.db.models.expressions import RawSQL

_temp_names = itertools.count()


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _values_source(values: list, cast: str) -> tuple[str, object]:
    """A table `v` with one column `value` holding these values, as SQL and its one parameter.

    One parameter whatever the count: on PostgreSQL a long `IN (…)` list is slow to build and
    gets planned on the directory's trigram indexes; an unnested array uses the b-tree ones.
    """
    if _postgres():
        return f"unnest(%s::{cast}[]) AS v(value)", values
    return "json_each(%s) AS v", json.dumps(values)


def values_in(values: Iterable, cast: str = "text") -> RawSQL:
    """A subquery yielding these values, for `field__in=` (see _values_source)."""
    source, param = _values_source(list(values), cast)
    return RawSQL(f"SELECT v.value FROM {source}", [param])


def select_joined(query: str, values: Iterable, cast: str = "text") -> list[tuple]:
    """Run `query`, whose `{values}` becomes the table `v` of these values (see _values_source)."""
    values = list(values)
    if not values:
        return []
    source, param = _values_source(values, cast)
    with connection.cursor() as cursor:
        cursor.execute(query.format(values=source), [param])
        return cursor.fetchall()


def _converter(field):
    """How a Python value of this field is written by COPY or by sqlite3."""
    internal = field.get_internal_type()
    if internal == "JSONField":
        return lambda v: None if v is None else json.dumps(v)
    if _postgres():
        return None
    if internal == "DateTimeField":
        return lambda v: v if v is None or isinstance(v, str) else connection.ops.adapt_datetimefield_value(v)
    if internal == "DateField":
        return lambda v: v.isoformat() if isinstance(v, date | datetime) else v
    return None


def _prepared(model, columns: Sequence[str], rows: Iterable[Sequence]) -> Iterable[tuple]:
    fields = {f.attname: f for f in model._meta.concrete_fields}
    converters = [(i, c) for i, name in enumerate(columns) if (c := _converter(fields[name]))]
    if not converters:
        yield from rows
        return
    for row in rows:
        row = list(row)
        for i, convert in converters:
            row[i] = convert(row[i])
        yield row


def _column_list(columns: Sequence[str]) -> str:
    return ", ".join(_quote(c) for c in columns)


def _copy(table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {_quote(table)} ({_column_list(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def _temp_copy(model, columns: Sequence[str], rows: Iterable[Sequence]) -> str:
    """COPY rows into a new temporary table shaped like these columns; return its name."""
    name = f"import_tmp_{next(_temp_names)}"
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE {name} ON COMMIT DROP AS SELECT {_column_list(columns)} "
            f"FROM {_quote(model._meta.db_table)} WITH NO DATA"
        )
    _copy(name, columns, rows)
    return name


def insert(model, columns: Sequence[str], rows: Sequence[Sequence], *, ignore_conflicts: bool = False) -> None:
    """Insert rows (tuples in `columns` order); with ignore_conflicts, rows that clash are skipped.

    The caller supplies every NOT NULL column: no model default is applied here.
    """
    if not rows:
        return
    table = model._meta.db_table
    rows = _prepared(model, columns, rows)
    if _postgres():
        if not ignore_conflicts:
            _copy(table, columns, rows)
            return
        temp = _temp_copy(model, columns, rows)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {_quote(table)} ({_column_list(columns)}) SELECT {_column_list(columns)} "
                f"FROM {temp} ON CONFLICT DO NOTHING"
            )
        return
    placeholders = ", ".join(["%s"] * len(columns))
    conflict = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {_quote(table)} ({_column_list(columns)}) VALUES ({placeholders}){conflict}",
            list(rows),
        )


def update(model, columns: Sequence[str], rows: Sequence[Sequence]) -> None:
    """Set `columns` on each row's record; rows are (id, *values in `columns` order)."""
    if not rows:
        return
    table = _quote(model._meta.db_table)
    all_columns = ["id", *columns]
    rows = _prepared(model, all_columns, rows)
    if _postgres():
        temp = _temp_copy(model, all_columns, rows)
        assignments = ", ".join(f"{_quote(c)} = v.{_quote(c)}" for c in columns)
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} AS t SET {assignments} FROM {temp} AS v WHERE t.id = v.id")
        return
    assignments = ", ".join(f"{_quote(c)} = %s" for c in columns)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET {assignments} WHERE id = %s", [(*row[1:], row[0]) for row in rows]
        )


def allocate_ids(model, count: int) -> list[int]:
    """Reserve `count` primary keys for rows inserted with explicit ids.

    On PostgreSQL from the table's own sequence (safe beside other writers). On SQLite the
    caller's transaction must hold the write lock — the settings begin SQLite transactions
    IMMEDIATE — so the highest id cannot move until it ends.
    """
    if count <= 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if _postgres():
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [_quote(table), count],
            )
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {_quote(table)}")
        highest = cursor.fetchone()[0]
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        highest = max(highest, row[0] if row else 0)
    return list(range(highest + 1, highest + 1 + count))


def analyze(*models) -> None:
    """Refresh PostgreSQL's statistics after a bulk load (autovacuum may be off or late).

    A table that grew from nothing within one import still has the planner's empty-table
    estimates; the next chunks' lookups would then scan it whole.
    """
    if not _postgres():
        return
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(_quote(m._meta.db_table) for m in models))


@contextmanager
def chunk_commits() -> Iterator[None]:
    """Commit each chunk without waiting for its WAL flush (PostgreSQL's synchronous_commit off).

    A commit then costs no disk round trip (about 30 ms here, per chunk). It stays safe: a
    server crash can lose the last chunks committed, but whole — each chunk's rows together
    with the job's checkpoint or progress — so the retried task redoes exactly those. The
    step that marks a job finished runs after this block, or sets `durable()`, so it is
    flushed with everything before it.
    """
    if not _postgres():
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SET synchronous_commit TO DEFAULT")
        except DatabaseError:
            # The connection broke (that is what is being raised): Django discards it.
            pass


def durable() -> None:
    """Make the current transaction's commit wait for its WAL flush (and so every one before it)."""
    if _postgres():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO on")
