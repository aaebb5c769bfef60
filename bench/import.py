"""List import benchmark: a messy employer list, end to end, on PostgreSQL.

    make bench-import            # or: .venv/bin/python bench/import.py

Needs PostgreSQL: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/bench_import,
created if missing). It builds a messy 100,000-row employer dues list with a fixed seed
(semicolons, UTF-8 BOM, accents, odd spacing and case, phones in five formats, some invalid
emails and phones, three date formats, unknown worksites, duplicate rows), then times, end to
end (upload → preview → commit, timed inside the worker process that runs them — a warm
Celery worker pays no Python or Django start-up per import; each import gets a fresh process
only so that its peak memory can be read):

  1. a first import of 100,000 rows (all new),
  2. a re-import of the same file (all unchanged),
  3. an update of 10% of the rows,
  4. a first import of 500,000 rows (another employer) for peak memory,

printing rows/s and the worker's peak memory (max RSS), next to three anchors from the same
run: raw `COPY` of the same 100,000-row file into a text table; `COPY` of the same rows
straight into the destination tables (members, phones, emails, with their real indexes and no
checks at all: the physical ceiling of a first import); and django-import-export's tuned bulk
import of 20,000 rows.

Environment: BENCH_ROWS (default 100000), BENCH_BIG_ROWS (default 500000; 0 skips step 4).
"""

import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

from common import say, setup_django  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bench_import"
ROWS = int(os.environ.get("BENCH_ROWS", "100000"))
BIG_ROWS = int(os.environ.get("BENCH_BIG_ROWS", "500000"))
SEED = 20260323
GOAL_RATIO, GOAL_MB = 0.5, 250

FIRST = ["Jean", "Marie", "Hélène", "François", "Amélie", "Luc", "Chloé", "Noémie", "Zoë", "José",
         "Aïcha", "Priya", "Wei", "Olu", "Siobhán", "Björn", "Mathéo", "Léa", "Gaëlle", "Raphaël"]
LAST = ["Tremblay", "Gagnon", "Roy", "Côté", "Bouchard", "Gauthier", "Morin", "Lavoie", "Fortin",
        "Gagné", "Ouellet", "Pelletier", "Bélanger", "Lévesque", "Bergeron", "Singh", "Nguyen",
        "O'Brien", "MacDonald", "Smith"]
HEADER = ["Emp ID", "Legal Last Name", "Legal First Name", "Preferred Name", "Work Location", "Dept",
          "Hire Date", "Personal Email", "Cell Phone", "Status"]
SITES = [f"Site {n:02d}" for n in range(40)]
DEPTS = ["Emergency", "Surgery", "Dietary", "Housekeeping", "Pharmacy", "Records"]


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def phone(rng: random.Random, n: int) -> str:
    digits = f"613{5550000 + n % 10000 + (n // 10000) * 10000:07d}"[-10:]
    kind = rng.random()
    if kind < 0.15:
        return ""
    if kind < 0.16:
        return "12"
    a, b, c = digits[:3], digits[3:6], digits[6:]
    return rng.choice([f"{a}-{b}-{c}", f"({a}) {b} {c}", f"+1 {a} {b} {c}", digits, f"{a}.{b}.{c}"])


def hire(rng: random.Random) -> str:
    y, m, d = rng.randint(1985, 2025), rng.randint(1, 12), rng.randint(1, 28)
    return rng.choice([f"{y}-{m:02d}-{d:02d}", f"{d:02d}/{m:02d}/{y}", f"{d:02d}.{m:02d}.{y}"])


def write_list(path: Path, rows: int, *, prefix: str, update_share: float = 0.0) -> None:
    """The messy list; with update_share, that share of rows gains a preferred name."""
    rng = random.Random(SEED)
    flip = random.Random(SEED + 1)
    with open(path, "w", encoding="utf-8-sig", newline="") as out:
        out.write(";".join(HEADER) + "\r\n")
        previous = None
        for n in range(rows):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            if rng.random() < 0.1:
                last = f"  {last.upper()} "
            email = fold(f"{first}.{last.strip()}.{n}@example.net").replace("'", "")
            if rng.random() < 0.3:
                email = ""
            elif rng.random() < 0.01:
                email = email.replace("@", " at ")
            site = rng.choice(SITES) if rng.random() > 0.005 else "Unknown Annex"
            row = [f"{prefix}{n:07d}", last, first, "", site, rng.choice(DEPTS), hire(rng), email,
                   phone(rng, n), rng.choice(["Active", "Active", "Active", "LOA", "Terminated"])]
            if update_share and flip.random() < update_share:
                row[3] = f"{first[:3]}"
            if previous and rng.random() < 0.005:
                row = previous  # a duplicate row
            previous = row
            out.write(";".join(row) + "\r\n")


def seed_structure(employer_name: str):
    from members.models import Department, Employer, Worksite

    employer, _ = Employer.objects.get_or_create(name=employer_name)
    for site_name in SITES:
        site, _ = Worksite.objects.get_or_create(employer=employer, name=site_name)
        for dept in DEPTS:
            Department.objects.get_or_create(worksite=site, name=dept)
    return employer


def clear_members() -> None:
    """Empty the bench database's members in one statement (Django's delete() would load them)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE members_member, members_importrow, members_importseen CASCADE")


def director():
    from organizing.models import Role, User

    user, _ = User.objects.get_or_create(email="bench-import@example.org",
                                         defaults={"role": Role.DIRECTOR, "full_name": "Bench"})
    return user


class DiskUpload:
    """A file on disk with the bits of Django's UploadedFile the import reads."""

    def __init__(self, path: Path):
        self.path = path
        self.name = path.name
        self.size = path.stat().st_size

    def chunks(self, size: int):
        with open(self.path, "rb") as handle:
            while chunk := handle.read(size):
                yield chunk


def child(path: str, employer_id: int, policy: str) -> None:
    """One import, upload to committed, in this process: print its timings and peak memory."""
    setup_django(DEFAULT_URL, in_process_tasks=True)
    from members.imports import jobs
    from members.models import ImportJob

    actor = director()
    started = time.perf_counter()
    job = jobs.import_job_create(actor=actor, upload=DiskUpload(Path(path)))
    ImportJob.objects.filter(pk=job.pk).update(
        employer_id=employer_id, status=ImportJob.Status.PREVIEWING, update_policy=policy,
        match_order=["employee_number", "email", "phone"], date_order="dmy",
    )
    uploaded = time.perf_counter()
    jobs.import_preview_run(job.pk)
    previewed = time.perf_counter()
    job.refresh_from_db()
    if job.status != ImportJob.Status.PREVIEWED:
        raise SystemExit(f"preview failed: {job.status} {job.error}")
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.COMMITTING, checkpoint=0)
    jobs.import_commit_run(job.pk)
    committed = time.perf_counter()
    job.refresh_from_db()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({
        "rows": job.rows_total, "seconds": committed - started, "upload": uploaded - started,
        "preview": previewed - uploaded, "commit": committed - previewed, "peak_mb": peak_kb / 1024,
        "new": job.count_new, "updated": job.count_updated, "unchanged": job.count_unchanged,
        "rejected": job.count_rejected, "status": job.status,
    }))


def import_file(path: Path, employer, *, policy: str = "fill_blanks") -> dict:
    """Run one import in a fresh worker-like process; return its figures."""
    out = subprocess.run(
        [sys.executable, __file__, "--import", str(path), str(employer.pk), policy],
        check=True, capture_output=True, text=True, env=os.environ,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    if result["status"] != "done":
        raise SystemExit(f"import ended {result['status']}")
    return result


def raw_copy(path: Path) -> float:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_raw_copy")
        columns = ", ".join(f"c{i} text" for i in range(len(HEADER)))
        cursor.execute(f"CREATE UNLOGGED TABLE bench_raw_copy ({columns})")
        started = time.perf_counter()
        with open(path, "rb") as handle:
            handle.read(3)  # the BOM
            sql = "COPY bench_raw_copy FROM STDIN WITH (FORMAT csv, DELIMITER ';', HEADER true)"
            with cursor.cursor.copy(sql) as copy:
                while chunk := handle.read(1024 * 1024):
                    copy.write(chunk)
        seconds = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_raw_copy")
    return seconds


def destination_copy(path: Path, employer) -> float:
    """COPY the file's rows straight into members, phones and emails: no checks at all.

    Each row becomes a member (names, employee number, employer, worksite, department, the
    search name), its email and its phone as written in the file, through the tables' real
    indexes and constraints. It is what the database itself allows a first import; the rows
    are removed afterwards.
    """
    from django.db import connection, transaction

    from members.models import Department, Email, Member, Phone, Worksite

    sites = {w.name: w.id for w in Worksite.objects.filter(employer=employer)}
    depts = {(d.worksite_id, d.name): d.id for d in Department.objects.filter(worksite__employer=employer)}
    member_fields = [f for f in Member._meta.concrete_fields if not f.primary_key]

    def defaults(model, now) -> dict:
        values = {f.attname: f.get_default() for f in model._meta.concrete_fields if not f.primary_key}
        values = {k: str(v) if isinstance(v, str) else v for k, v in values.items()}
        return {k: now if k in ("created_at", "updated_at") else v for k, v in values.items()}

    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        from django.utils import timezone

        now = timezone.now()
        base = defaults(Member, now)
        email_base, phone_base = defaults(Email, now), defaults(Phone, now)
        with open(path, encoding="utf-8-sig") as handle:
            next(handle)
            rows = [line.rstrip("\r\n").split(";") for line in handle]
        cursor.execute("SELECT nextval(pg_get_serial_sequence('members_member', 'id')) "
                       "FROM generate_series(1, %s)", [len(rows)])
        ids = [r[0] for r in cursor.fetchall()]
        columns = ["id", *(f.attname for f in member_fields)]
        seen = set()
        with cursor.cursor.copy(f"COPY members_member ({', '.join(columns)}) FROM STDIN") as copy:
            for member_id, cells in zip(ids, rows, strict=True):
                if cells[0] in seen:
                    continue  # the file's duplicate rows: the unique index would refuse them
                seen.add(cells[0])
                site = sites.get(cells[4])
                values = {**base, "first_name": cells[2], "last_name": cells[1].strip(),
                          "employee_number": cells[0], "employer_id": employer.pk, "worksite_id": site,
                          "department_id": depts.get((site, cells[5])),
                          "search_name": f"{cells[2]} {cells[1].strip()}".lower()}
                copy.write_row([member_id, *(values[f.attname] for f in member_fields)])
        for model, column, base_values, index in ((Email, "address", email_base, 7),
                                                  (Phone, "number", phone_base, 8)):
            names = ["member_id", column, *(k for k in base_values if k not in ("member_id", column))]
            table = model._meta.db_table
            with cursor.cursor.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy:
                done = set()
                for member_id, cells in zip(ids, rows, strict=True):
                    if cells[index] and cells[0] not in done:
                        done.add(cells[0])
                        copy.write_row([member_id, cells[index][:20] if model is Phone else cells[index],
                                        *(base_values[k] for k in names[2:])])
    seconds = time.perf_counter() - started
    clear_members()
    return seconds


def import_export_anchor(path: Path, rows: int = 20_000) -> float:
    import tablib
    from import_export import resources

    from members.models import Member

    class Anchor(resources.ModelResource):
        class Meta:
            model = Member
            fields = ("employee_number", "first_name", "last_name")
            import_id_fields = ("employee_number",)
            use_bulk = True
            batch_size = 1000
            skip_diff = True
            force_init_instance = True
            use_transactions = True

    data = tablib.Dataset(headers=["employee_number", "first_name", "last_name"])
    with open(path, encoding="utf-8-sig") as handle:
        next(handle)
        for n, line in enumerate(handle):
            if n >= rows:
                break
            cells = line.rstrip("\r\n").split(";")
            data.append([f"IE{cells[0]}", cells[2], cells[1].strip()])
    started = time.perf_counter()
    result = Anchor().import_data(data, dry_run=False)
    seconds = time.perf_counter() - started
    assert not result.has_errors()
    Member.objects.filter(employee_number__startswith="IE").delete()
    return rows / seconds


def main() -> None:
    setup_django(DEFAULT_URL, in_process_tasks=True)
    from django.conf import settings
    from django.core.management import call_command

    media = Path(tempfile.mkdtemp(prefix="bench-import-"))
    settings.MEDIA_ROOT = media
    os.environ["MEDIA_ROOT"] = str(media)
    call_command("migrate", verbosity=0)
    employer = seed_structure("Bench Health")
    big_employer = seed_structure("Bench Big Health")
    clear_members()

    work = Path(tempfile.mkdtemp(prefix="bench-lists-"))
    first, update = work / "dues.csv", work / "dues-update.csv"
    write_list(first, ROWS, prefix="B")
    write_list(update, ROWS, prefix="B", update_share=0.10)
    say(f"messy list: {ROWS:,} rows, {first.stat().st_size / 1e6:.1f} MB (seed {SEED})")

    say(f"load average before: {load()}")
    copy_s = raw_copy(first)
    copy_rate = ROWS / copy_s
    ceiling_rate = ROWS / destination_copy(first, employer)
    ie_rate = import_export_anchor(first)
    say(f"anchor  raw COPY of the same file:                    {copy_rate:10,.0f} rows/s")
    say(f"anchor  COPY straight into members/phones/emails:     {ceiling_rate:10,.0f} rows/s "
        f"(indexes, no checks: the ceiling)")
    say(f"anchor  django-import-export bulk, 20,000 rows:       {ie_rate:10,.0f} rows/s")
    say()
    results = []
    for label, path, policy in [
        ("first import", first, "fill_blanks"),
        ("re-import (same file)", first, "fill_blanks"),
        ("update of 10% of rows", update, "fill_blanks"),
    ]:
        r = import_file(path, employer, policy=policy)
        results.append((label, r))
        say(f"{label:24s} {ROWS / r['seconds']:8,.0f} rows/s end to end ({r['seconds']:.1f} s: upload "
            f"{r['upload']:.1f}, preview {r['preview']:.1f}, commit {r['commit']:.1f}); peak "
            f"{r['peak_mb']:.0f} MB; new {r['new']:,} updated {r['updated']:,} unchanged "
            f"{r['unchanged']:,} rejected {r['rejected']:,}")
    if BIG_ROWS:
        big = work / "dues-big.csv"
        write_list(big, BIG_ROWS, prefix="G")
        r = import_file(big, big_employer)
        results.append(("first import, big", r))
        say(f"{'first import ' + format(BIG_ROWS, ','):24s} {BIG_ROWS / r['seconds']:8,.0f} rows/s end to end "
            f"({r['seconds']:.1f} s); peak {r['peak_mb']:.0f} MB")
    say()
    say(f"load average after: {load()}")
    first_rate = ROWS / results[0][1]["seconds"]
    say(f"goal: end to end ≥ {GOAL_RATIO:.0%} of raw COPY ({copy_rate * GOAL_RATIO:,.0f} rows/s): "
        f"first import {first_rate:,.0f} rows/s → {'met' if first_rate >= copy_rate * GOAL_RATIO else 'NOT met'}")
    say(f"      first import at {first_rate / ceiling_rate:.0%} of the destination-COPY ceiling "
        f"({ceiling_rate:,.0f} rows/s), which is {ceiling_rate / copy_rate:.0%} of raw COPY")
    peak = max(r["peak_mb"] for _label, r in results)
    say(f"goal: peak worker memory < {GOAL_MB} MB: {peak:.0f} MB → {'met' if peak < GOAL_MB else 'NOT met'}")


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--import":
        child(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    else:
        main()
