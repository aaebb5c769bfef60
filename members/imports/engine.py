"""The matching engine: the same rules for preview and commit, on SQLite and PostgreSQL.

Rows are handled in chunks. For each chunk the engine resolves structure names, looks up
every candidate member with three set queries (employee number, email, phone), decides each
row's match in the order chosen for the import, and works out the field changes under the
update policy. Preview stores the result in the staging table (ImportRow); commit re-reads the
staging rows in chunks and writes each chunk and its checkpoint in one transaction.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import (
    Department,
    Email,
    Employer,
    ImportJob,
    JobClass,
    Local,
    Member,
    Phone,
    Shift,
    Worksite,
    fold,
)
from ..selectors import Scope
from . import sql
from .values import DATE_FIELDS, FLAG_FIELDS, RowError, cached_fold

# Member columns an import may set, from the row's values.
TEXT_COLUMNS = ("first_name", "last_name", "preferred_name", "pronouns", "employee_number",
                "employment_type")
# Columns with a default: "blank" never applies to them, only overwrite changes them.
DEFAULTED_COLUMNS = ("language", "employment_status", "membership_status")
FK_COLUMNS = ("employer_id", "worksite_id", "department_id", "shift_id", "job_class_id", "local_id")
MEMBER_COLUMNS = (
    "id", *TEXT_COLUMNS, *DEFAULTED_COLUMNS, *FK_COLUMNS, "bargaining_unit_id", *DATE_FIELDS,
    *FLAG_FIELDS,
)


MEMBER_TABLE = Member._meta.db_table
EMAIL_TABLE = Email._meta.db_table
PHONE_TABLE = Phone._meta.db_table
MEMBER_SELECT = ", ".join(f"m.{c}" for c in MEMBER_COLUMNS)


@dataclass(slots=True)
class Row:
    row_number: int
    raw: list[str] | None
    data: dict = field(default_factory=dict)
    ids: dict = field(default_factory=dict)
    pending: list[str] = field(default_factory=list)
    action: str = ""
    error_column: str = ""
    reason: str = ""
    member_id: int | None = None
    changes: dict = field(default_factory=dict)
    new_emails: list[str] = field(default_factory=list)
    new_phones: list[list[str]] = field(default_factory=list)
    # The matched member's current values (loaded with the chunk), and the staging row's id.
    member: dict | None = None
    incoming: dict | None = None
    staged_id: int | None = None

    def reject(self, column: str, reason: str) -> None:
        self.action = "rejected"
        self.error_column = column
        self.reason = reason

    @property
    def rejected(self) -> bool:
        return self.action == "rejected"

    def keys(self) -> tuple[str, str, str]:
        employee = ""
        if self.data.get("employee_number") and self.ids.get("employer_id"):
            employee = f"{self.ids['employer_id']}|{self.data['employee_number']}"
        email = self.data.get("email", "")
        phones = self.data.get("phones") or []
        phone = f"{phones[0][1]}|{cached_fold(self.data.get('last_name', ''))}" if phones else ""
        return employee[:120], email[:254], phone[:140]


class Structure:
    """Employers, worksites, departments, shifts, job classes and locals by folded name."""

    def __init__(self, *, job: ImportJob, create: bool):
        self.job = job
        self.create = create and job.create_structure
        self.employers = {fold(e.name): e.id for e in Employer.objects.all()}
        self.worksites: dict[tuple[int, str], int] = {}
        self.worksites_by_name: dict[str, set[int]] = defaultdict(set)
        self.worksite_employer: dict[int, int] = {}
        for site in Worksite.objects.values("id", "employer_id", "name"):
            self.worksites[(site["employer_id"], fold(site["name"]))] = site["id"]
            self.worksites_by_name[fold(site["name"])].add(site["id"])
            self.worksite_employer[site["id"]] = site["employer_id"]
        self.departments = {(d.worksite_id, fold(d.name)): d.id for d in Department.objects.all()}
        self.shifts = {(s.worksite_id, fold(s.name)): s.id for s in Shift.objects.all()}
        self.job_classes = {(j.employer_id, fold(j.name)): j.id for j in JobClass.objects.all()}
        self.job_classes.update(
            {(j.employer_id, fold(j.code)): j.id for j in JobClass.objects.exclude(code="")}
        )
        self.locals = {fold(n): i for i, n in Local.objects.values_list("id", "number")}
        self.created: list[tuple[str, str]] = []

    def resolve(self, row: Row) -> None:
        """Fill row.ids from names; unknown names are rejected, or created when allowed."""
        data, ids = row.data, row.ids
        ids["employer_id"] = self.job.employer_id
        if data.get("employer"):
            key = cached_fold(data["employer"])
            ids["employer_id"] = self.employers.get(key)
            if ids["employer_id"] is None:
                if not self.job.create_structure:
                    raise RowError("employer", _("unknown employer"))
                if self.create:
                    employer = Employer.objects.create(name=data["employer"])
                    self.employers[key] = ids["employer_id"] = employer.id
                    self.created.append(("employer", data["employer"]))
                else:
                    row.pending.append("employer")
        if data.get("worksite"):
            self._resolve_worksite(row)
        if data.get("department"):
            self._resolve_child(row, "department", self.departments, Department)
        if data.get("shift"):
            self._resolve_child(row, "shift", self.shifts, Shift)
        if data.get("job_class"):
            key = (ids.get("employer_id"), cached_fold(data["job_class"]))
            ids["job_class_id"] = self.job_classes.get(key)
            if ids["job_class_id"] is None:
                if not self.job.create_structure or not ids.get("employer_id") and "employer" not in row.pending:
                    raise RowError("job_class", _("unknown job classification"))
                if self.create:
                    job_class = JobClass.objects.create(employer_id=ids["employer_id"], name=data["job_class"])
                    self.job_classes[key] = ids["job_class_id"] = job_class.id
                else:
                    row.pending.append("job_class")
        if data.get("local"):
            ids["local_id"] = self.locals.get(cached_fold(data["local"]))
            if ids["local_id"] is None:
                raise RowError("local", _("unknown local"))

    def _resolve_worksite(self, row: Row) -> None:
        data, ids = row.data, row.ids
        name = cached_fold(data["worksite"])
        employer_id = ids.get("employer_id")
        if employer_id:
            ids["worksite_id"] = self.worksites.get((employer_id, name))
        elif "employer" not in row.pending:
            candidates = self.worksites_by_name.get(name, set())
            if len(candidates) > 1:
                raise RowError("worksite", _("worksite name used by more than one employer: add an employer"))
            if candidates:
                ids["worksite_id"] = next(iter(candidates))
                ids["employer_id"] = self.worksite_employer[ids["worksite_id"]]
        if ids.get("worksite_id"):
            return
        if not self.job.create_structure:
            raise RowError("worksite", _("unknown worksite"))
        if not employer_id and "employer" not in row.pending:
            raise RowError("worksite", _("unknown worksite (choose an employer to create it)"))
        if self.create:
            site = Worksite.objects.create(employer_id=employer_id, name=data["worksite"])
            self.worksites[(employer_id, name)] = ids["worksite_id"] = site.id
            self.worksites_by_name[name].add(site.id)
            self.worksite_employer[site.id] = employer_id
            self.created.append(("worksite", data["worksite"]))
        else:
            row.pending.append("worksite")

    def _resolve_child(self, row: Row, kind: str, table: dict, model) -> None:
        data, ids = row.data, row.ids
        worksite_id = ids.get("worksite_id")
        if not worksite_id and "worksite" not in row.pending:
            label = _("unknown department") if kind == "department" else _("unknown shift")
            raise RowError(kind, label + " " + _("(no worksite on the row)"))
        key = (worksite_id, cached_fold(data[kind]))
        ids[f"{kind}_id"] = table.get(key) if worksite_id else None
        if ids[f"{kind}_id"]:
            return
        if not self.job.create_structure:
            raise RowError(kind, _("unknown department") if kind == "department" else _("unknown shift"))
        if self.create:
            obj = model.objects.create(worksite_id=worksite_id, name=data[kind])
            table[key] = ids[f"{kind}_id"] = obj.id
            self.created.append((kind, data[kind]))
        else:
            row.pending.append(kind)


def _in_scope(scope: Scope, values: dict) -> bool:
    if scope.everything:
        return True
    return (
        values.get("worksite_id") in scope.worksite_ids
        or values.get("local_id") in scope.local_ids
        or values.get("bargaining_unit_id") in scope.unit_ids
    )


class Matcher:
    """Decides each row of a chunk: new, update, unchanged or rejected, with its changes."""

    def __init__(self, *, job: ImportJob, scope: Scope, structure: Structure, columns: dict[str, str]):
        self.job = job
        self.scope = scope
        self.structure = structure
        self.order = [k for k in (job.match_order or []) if k in ("employee_number", "email", "phone")]
        self.overwrite = job.update_policy == ImportJob.Policy.OVERWRITE
        # target field -> the file's column name, for rejection reports.
        self.columns = columns

    def column(self, target: str) -> str:
        return self.columns.get(target, target)

    def run(self, rows: list[Row]) -> list[Row]:
        live = []
        for row in rows:
            if row.rejected:
                continue
            try:
                self.structure.resolve(row)
            except RowError as exc:
                row.reject(self.column(exc.field), exc.reason)
                continue
            live.append(row)
        candidates = self._candidates(live)
        matched_ids = set()
        for row in live:
            self._decide(row, candidates)
            if row.member_id:
                matched_ids.add(row.member_id)
        members = self._load(matched_ids)
        for row in live:
            if row.rejected:
                continue
            if row.member_id:
                self._diff(row, members[row.member_id])
            else:
                self._new(row)
        return rows

    def _candidates(self, rows: list[Row]) -> dict:
        employee_keys = {(r.ids["employer_id"], r.data["employee_number"]) for r in rows
                         if r.data.get("employee_number") and r.ids.get("employer_id")}
        addresses = {r.data["email"] for r in rows if r.data.get("email")}
        numbers = {p[1] for r in rows for p in r.data.get("phones", [])}
        # The employee-number lookup brings the members' columns too: most rows match by it.
        self.loaded: dict[int, dict] = {}
        by_employee: dict = defaultdict(set)
        # Always looked up: a new row must not take an employee number that is already used.
        if employee_keys:
            found = sql.select_joined(
                f"SELECT {MEMBER_SELECT} FROM {{values}} JOIN {MEMBER_TABLE} m ON m.employee_number = v.value",
                {k[1] for k in employee_keys},
            )
            for record in found:
                member = dict(zip(MEMBER_COLUMNS, record, strict=True))
                self.loaded[member["id"]] = member
                by_employee[(member["employer_id"], member["employee_number"])].add(member["id"])
        # Emails and phones are looked up whatever the order: besides matching, they tell which
        # of a row's contact points its member already has.
        by_email: dict = defaultdict(set)
        self.email_pairs: set[tuple[int, str]] = set()
        if addresses:
            found = sql.select_joined(
                f"SELECT e.address, e.member_id FROM {{values}} JOIN {EMAIL_TABLE} e ON e.address = v.value",
                addresses,
            )
            for address, member_id in found:
                by_email[address].add(member_id)
                self.email_pairs.add((member_id, address))
        by_phone: dict = defaultdict(set)
        self.phone_pairs: set[tuple[int, str]] = set()
        if numbers:
            found = sql.select_joined(
                f"SELECT p.number, p.member_id, m.last_name FROM {{values}} "
                f"JOIN {PHONE_TABLE} p ON p.number = v.value JOIN {MEMBER_TABLE} m ON m.id = p.member_id",
                numbers,
            )
            for number, member_id, last_name in found:
                by_phone[(number, cached_fold(last_name))].add(member_id)
                self.phone_pairs.add((member_id, number))
        self.by_employee = by_employee
        return {"employee_number": by_employee, "email": by_email, "phone": by_phone}

    def _decide(self, row: Row, candidates: dict) -> None:
        found: list[tuple[str, set[int]]] = []
        for key in self.order:
            ids: set[int]
            if key == "employee_number":
                if row.data.get("employee_number") and row.ids.get("employer_id"):
                    ids = candidates[key].get((row.ids["employer_id"], row.data["employee_number"]), set())
                else:
                    ids = set()
            elif key == "email":
                ids = candidates[key].get(row.data.get("email", ""), set())
            else:
                last = cached_fold(row.data.get("last_name", ""))
                ids = set()
                if last:
                    for _kind, number in row.data.get("phones", []):
                        ids |= candidates[key].get((number, last), set())
            if ids:
                found.append((key, ids))
        if not found:
            return
        first_key, first_ids = found[0]
        if len(first_ids) > 1:
            row.reject(self.column(first_key), _("ambiguous match: more than one member has this value"))
            return
        member_id = next(iter(first_ids))
        for key, ids in found[1:]:
            if member_id not in ids:
                row.reject(
                    self.column(key),
                    _("ambiguous match: this row matches two different members"),
                )
                return
        row.member_id = member_id

    def _load(self, ids: set[int]) -> dict[int, dict]:
        """The matched members' current values (most came with the employee-number lookup)."""
        members = {i: self.loaded[i] for i in ids if i in self.loaded}
        missing = ids - members.keys()
        if missing:
            found = sql.select_joined(
                f"SELECT {MEMBER_SELECT} FROM {{values}} JOIN {MEMBER_TABLE} m ON m.id = v.value", missing, "bigint"
            )
            # Both backends hand back Python dates and booleans (Django registers sqlite3's converters).
            members.update({record[0]: dict(zip(MEMBER_COLUMNS, record, strict=True)) for record in found})
        return members

    def _incoming(self, row: Row) -> dict:
        """The row's values as member columns (worked out once per row)."""
        if row.incoming is not None:
            return row.incoming
        data, values = row.data, {}
        for name in (*TEXT_COLUMNS, *DEFAULTED_COLUMNS):
            if data.get(name):
                values[name] = data[name]
        for name in FK_COLUMNS:
            if row.ids.get(name):
                values[name] = row.ids[name]
        for name in DATE_FIELDS:
            if data.get(name):
                values[name] = date.fromisoformat(data[name])
        for name in FLAG_FIELDS:
            if data.get(name):
                values[name] = True
        row.incoming = values
        return values

    def _diff(self, row: Row, member: dict) -> None:
        row.member = member
        incoming = self._incoming(row)
        changes = {}
        for name, value in incoming.items():
            current = member.get(name)
            if name in FLAG_FIELDS:
                # Set only: an import never clears a do-not-contact flag.
                change = value and not current
            elif self.overwrite:
                change = value != current
            elif name in DEFAULTED_COLUMNS:
                change = False
            else:
                change = current in ("", None)
            if change:
                changes[name] = (current, value)
        # The member as the import would leave it (most rows change nothing).
        after = {**member, **{name: value for name, (_before, value) in changes.items()}} if changes else member
        if not self.scope.everything and not (_in_scope(self.scope, member) and _in_scope(self.scope, after)):
            row.reject(self.column("worksite"), _("outside your scope"))
            return
        if {"employee_number", "employer_id"} & set(changes) and after["employee_number"]:
            owners = self.by_employee.get((after["employer_id"], after["employee_number"]), set())
            if owners - {member["id"]}:
                row.reject(self.column("employee_number"), _("employee number already belongs to another member"))
                return
        if row.data.get("email") and (member["id"], row.data["email"]) not in self.email_pairs:
            row.new_emails = [row.data["email"]]
        row.new_phones = [p for p in row.data.get("phones", []) if (member["id"], p[1]) not in self.phone_pairs]
        row.changes = changes
        if row.new_emails:
            changes["email"] = (None, row.data["email"])
        if row.new_phones:
            changes["phone"] = (None, ", ".join(p[1] for p in row.new_phones))
        row.action = "update" if changes else "unchanged"

    def _new(self, row: Row) -> None:
        if not row.data.get("last_name") or not row.data.get("first_name"):
            column = "last_name" if not row.data.get("last_name") else "first_name"
            if column not in self.columns and "full_name" in self.columns:
                column = "full_name"
            row.reject(self.column(column), _("missing name"))
            return
        incoming = self._incoming(row)
        if not self.scope.everything and not _in_scope(self.scope, incoming):
            row.reject(self.column("worksite"), _("outside your scope"))
            return
        number = incoming.get("employee_number")
        if number and self.by_employee.get((incoming.get("employer_id"), number)):
            row.reject(self.column("employee_number"), _("employee number already belongs to another member"))
            return
        row.action = "new"
        row.new_emails = [row.data["email"]] if row.data.get("email") else []
        row.new_phones = list(row.data.get("phones", []))


def _search_name(values: dict) -> str:
    # As Member.save() keeps it (the same fold, remembered: full names repeat in big lists).
    return cached_fold(" ".join(filter(None, [values.get("first_name"), values.get("preferred_name"),
                                       values.get("last_name")])))


def _defaults(model, now) -> dict:
    """Every column a raw insert must supply, with the model's default."""
    values = {f.attname: f.get_default() for f in model._meta.concrete_fields if not f.primary_key}
    # Choices' defaults are enum members: COPY and sqlite3 want the plain value.
    values = {k: str(v) if isinstance(v, str) else v for k, v in values.items()}
    for name in ("created_at", "updated_at"):
        if name in values:
            values[name] = now
    return values


def _contact_rows(model, now, rows: list[tuple]) -> tuple[list[str], list[tuple]]:
    """Columns and full rows for emails or phones given (member_id, value, kind, is_primary)."""
    defaults = _defaults(model, now)
    value_column = "address" if model is Email else "number"
    given = ("member_id", value_column, "kind", "is_primary")
    rest = [c for c in defaults if c not in given]
    return [*given, *rest], [(*row, *(defaults[c] for c in rest)) for row in rows]


def write_chunk(*, job: ImportJob, rows: list[Row], matcher: Matcher) -> dict[str, int]:
    """Write one decided chunk set-based: inserts, changed fields, contact points, the seen list.

    The caller holds the write lock (SQLite) or the job's row lock (PostgreSQL) in the same
    transaction, so the ids reserved here cannot be taken by another import meanwhile.
    """
    from ..models import ImportSeen

    now = timezone.now()
    counts = defaultdict(int)

    # New members, with ids reserved first so their contact points can be written at once.
    new_rows = [r for r in rows if r.action == "new"]
    if new_rows:
        defaults = _defaults(Member, now)
        columns = ["id", *defaults]
        position = {name: index for index, name in enumerate(columns)}
        template = [None, *defaults.values()]
        search = position["search_name"]
        records = []
        for row, member_id in zip(new_rows, sql.allocate_ids(Member, len(new_rows)), strict=True):
            row.member_id = member_id
            incoming = matcher._incoming(row)
            record = template.copy()
            record[0] = member_id
            for name, value in incoming.items():
                record[position[name]] = value
            record[search] = _search_name(incoming)
            records.append(record)
        sql.insert(Member, columns, records)

    # Changed fields of existing members: one statement per set of changed columns.
    updates: dict[tuple, list[tuple]] = defaultdict(list)
    new_contacts: dict = {Email: [], Phone: []}
    added_contacts: dict = {Email: [], Phone: []}
    for row in rows:
        if row.action not in ("new", "update"):
            continue
        first = row.action == "new"
        target = new_contacts if first else added_contacts
        for address in row.new_emails:
            target[Email].append((row.member_id, address, str(Email._meta.get_field("kind").default), first))
        for index, (kind, number) in enumerate(row.new_phones):
            target[Phone].append((row.member_id, number, kind, first and index == 0))
        if row.action == "update":
            fields = {k: v[1] for k, v in row.changes.items() if k not in ("email", "phone")}
            if not fields:
                continue
            if {"first_name", "last_name", "preferred_name"} & set(fields):
                fields["search_name"] = _search_name({**row.member, **fields})
            fields["updated_at"] = now
            names = tuple(sorted(fields))
            updates[names].append((row.member_id, *(fields[n] for n in names)))
    for names, records in updates.items():
        sql.update(Member, names, records)
    for model in (Email, Phone):
        # New members' contact points cannot clash; an existing member's might (a concurrent edit).
        sql.insert(model, *_contact_rows(model, now, new_contacts[model]))
        sql.insert(model, *_contact_rows(model, now, added_contacts[model]), ignore_conflicts=True)

    # The per-member trail. A member created just now has none yet; one matched may already
    # have a row for this job (two rows of the file matching the same person).
    seen_new, seen_matched = [], []
    for row in rows:
        counts[row.action] += 1
        if row.member_id and not row.rejected:
            changes = {k: [_plain(b), _plain(a)] for k, (b, a) in row.changes.items()}
            target = seen_new if row.action == "new" else seen_matched
            target.append((job.pk, row.member_id, row.row_number, row.action, changes))
    seen_columns = ("job_id", "member_id", "row_number", "action", "changes")
    sql.insert(ImportSeen, seen_columns, seen_new)
    sql.insert(ImportSeen, seen_columns, seen_matched, ignore_conflicts=True)
    if job.sync and seen_matched:
        Member.objects.filter(
            id__in=sql.values_in([s[1] for s in seen_matched], "bigint"), missing_from_list_since__isnull=False
        ).update(missing_from_list_since=None)
    return counts


def _plain(value):
    if isinstance(value, date):
        return value.isoformat()
    return value
