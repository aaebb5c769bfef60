"""Directory benchmark: is the member directory and profile fast at 200,000 members?

    make bench-directory            # or: .venv/bin/python bench/directory.py

Needs PostgreSQL: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/bench_directory,
created if missing). Seeds 200,000 members and 1,000,000 conversations (with phones, emails,
tags and assessments) by COPY into the real tables after `migrate`, once: a later run that
finds them reuses them. Then, in-process with Django's test client against the real URL conf,
logged in as a TOTP-enrolled director, it times the directory filtered by worksite, the
directory searched by name and the member profile, each next to the same data fetched with
hand-written SQL in the same run, plus a trivial logged-in page as the floor.

Environment: BENCH_MEMBERS, BENCH_CONVERSATIONS (sizes), BENCH_REQUESTS (requests per
measurement, default 60), BENCH_RESEED=1 (throw the data away and seed again).
"""

import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from common import say, setup_django  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bench_directory"
MEMBERS = int(os.environ.get("BENCH_MEMBERS", "200000"))
CONVERSATIONS = int(os.environ.get("BENCH_CONVERSATIONS", "1000000"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "60"))
GOAL_MS = 100.0
SEED = 20260

WORKSITES_PER_EMPLOYER = 10
EMPLOYERS = 20
DEPARTMENTS = [
    "Emergency",
    "Medical/Surgical",
    "Environmental Services",
    "Food Services",
    "Health Records",
    "Laboratory",
    "Maintenance",
    "Administration",
]
SHIFTS = ["Day", "Evening", "Night"]
NAME_SEARCHES = [
    "gagne",
    "Hélène",
    "tremblay",
    "smith",
    "Côté",
    "nguyen",
    "Marie-Ève",
    "helene gagne",
]


# --- seeding --------------------------------------------------------------------------------


def copy_rows(model, columns: list[str], rows) -> int:
    """COPY rows into the model's table; columns not given get the field's default."""
    from django.db import connection

    fields = {f.column: f for f in model._meta.concrete_fields}
    rest = [c for c in fields if c not in columns and not (c == "id" and fields[c].primary_key)]
    defaults = tuple(fields[c].get_db_prep_save(fields[c].get_default(), connection) for c in rest)
    names = ", ".join(f'"{c}"' for c in [*columns, *rest])
    table = model._meta.db_table
    count = 0
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        # Loading is several times faster without the secondary indexes and the foreign-key
        # triggers: drop the plain indexes (not those behind constraints) and rebuild them after.
        # The rows are generated consistent, so skipping the per-row FK checks is safe here.
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = %s"
            " AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
            [table, table],
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute("SET session_replication_role = replica")
        try:
            with cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row((*row, *defaults))
                    count += 1
        finally:
            cursor.execute("SET session_replication_role = DEFAULT")
            for _name, definition in indexes:
                cursor.execute(definition)
    return count


def seed_structure():
    """Regions, locals, employers, units, 200 worksites with departments and shifts, campaigns."""
    from campaigns.models import Campaign
    from members.models import (
        BargainingUnit,
        Department,
        Employer,
        JobClass,
        Local,
        Region,
        Shift,
        Tag,
        Worksite,
    )
    from organizing.models import Role, User

    regions = [Region.objects.get_or_create(name=f"Bench region {r}")[0] for r in range(4)]
    locals_ = [
        Local.objects.get_or_create(
            number=f"B{n:03d}", defaults={"name": f"Bench local {n}", "region": regions[n % 4]}
        )[0]
        for n in range(12)
    ]
    employers, units, sites, depts, shifts, jobs = [], [], [], {}, {}, []
    for e in range(EMPLOYERS):
        employer = Employer.objects.get_or_create(name=f"Bench employer {e:02d}")[0]
        employers.append(employer)
        local = locals_[e % len(locals_)]
        units.append(
            [
                BargainingUnit.objects.get_or_create(
                    employer=employer,
                    name=f"Unit {u}",
                    defaults={"local": local, "jurisdiction": "CA-ON" if e % 2 else "CA-QC"},
                )[0]
                for u in range(2)
            ]
        )
        jobs.append(
            [
                JobClass.objects.get_or_create(employer=employer, name=f"Job class {j}")[0]
                for j in range(10)
            ]
        )
        for w in range(WORKSITES_PER_EMPLOYER):
            site = Worksite.objects.get_or_create(
                employer=employer,
                name=f"Site {e:02d}-{w:02d}",
                defaults={"city": "Ottawa", "province": "ON", "region": regions[e % 4]},
            )[0]
            sites.append(site)
            depts[site.pk] = [
                Department.objects.get_or_create(worksite=site, name=d)[0] for d in DEPARTMENTS
            ]
            shifts[site.pk] = [
                Shift.objects.get_or_create(worksite=site, name=s, defaults={"position": i})[0]
                for i, s in enumerate(SHIFTS)
            ]
    tags = [Tag.objects.get_or_create(name=f"Bench tag {t}")[0] for t in range(30)]
    callers = [
        User.objects.get_or_create(
            email=f"caller{c}@bench.local",
            defaults={"role": Role.MOBILIZER, "full_name": f"Caller {c}"},
        )[0]
        for c in range(20)
    ]
    campaigns = []
    for c in range(10):
        kind = [Campaign.Kind.BARGAINING, Campaign.Kind.CERTIFICATION, Campaign.Kind.POLITICAL][
            c % 3
        ]
        campaign, created = Campaign.objects.get_or_create(
            name=f"Bench campaign {c}", defaults={"kind": kind, "status": Campaign.Status.ACTIVE}
        )
        if created:
            campaign.bargaining_units.add(units[c][0], units[c + 10][1])
            campaign.locals.add(locals_[c])
        campaigns.append(campaign)
    return {
        "employers": employers,
        "units": units,
        "sites": sites,
        "depts": depts,
        "shifts": shifts,
        "jobs": jobs,
        "tags": tags,
        "callers": callers,
        "campaigns": campaigns,
    }


def seed(force: bool = False) -> None:
    from django.db import connection

    from campaigns.management import demo_data as names
    from campaigns.models import Assessment, Conversation
    from members.models import Email, Member, Phone, fold

    have_members = Member.objects.count()
    have_conversations = Conversation.objects.count()
    if not force and have_members >= MEMBERS and have_conversations >= CONVERSATIONS:
        say(f"Reusing {have_members:,} members and {have_conversations:,} conversations.")
        return
    started = time.perf_counter()
    say(f"Seeding {MEMBERS:,} members and {CONVERSATIONS:,} conversations by COPY…")
    with connection.cursor() as cursor:
        # Everything hanging off members goes with them (this database is the benchmark's own).
        cursor.execute("TRUNCATE members_member RESTART IDENTITY CASCADE")
    world = seed_structure()
    rng = random.Random(SEED)
    now = datetime.now(UTC)
    today = now.date()

    first_fr = names.FIRST_NAMES_FR["f"] + names.FIRST_NAMES_FR["m"]
    first_en = names.FIRST_NAMES_EN["f"] + names.FIRST_NAMES_EN["m"]
    last_fr, last_en = names.LAST_NAMES_FR, names.LAST_NAMES_EN
    members = []  # (id, first, last, worksite index) for phones and emails
    site_of = []

    def member_rows():
        for member_id in range(1, MEMBERS + 1):
            french = rng.random() < 0.35
            first = rng.choice(first_fr if french else first_en)
            last = rng.choice(last_fr if rng.random() < (0.8 if french else 0.2) else last_en)
            if rng.random() < 0.08:
                last = f"{last}-{rng.choice(last_fr + last_en)}"
            preferred = names.NICKNAMES.get(first, "") if rng.random() < 0.3 else ""
            site_index = rng.randrange(len(world["sites"]))
            site = world["sites"][site_index]
            e = site_index // WORKSITES_PER_EMPLOYER
            unit = world["units"][e][rng.random() < 0.4]
            hire = today - timedelta(days=rng.randint(10, 10000))
            members.append((member_id, first, last))
            site_of.append(site_index)
            yield (
                member_id,
                first,
                last,
                preferred,
                "fr" if french else "en",
                f"E{member_id:07d}",
                site.employer_id,
                site.pk,
                rng.choice(world["depts"][site.pk]).pk,
                rng.choice(world["shifts"][site.pk]).pk,
                rng.choice(world["jobs"][e]).pk,
                unit.pk,
                unit.local_id,
                rng.choice(["full_time", "part_time", "casual"]),
                "active",
                hire,
                hire,
                False,
                "member" if rng.random() < 0.85 else "non_member",
                hire + timedelta(days=30) if rng.random() < 0.3 else None,
                rng.random() < 0.03,
                rng.random() < 0.04,
                False,
                False,
                False,
                False,
                fold(" ".join(filter(None, [first, preferred, last]))),
                now,
                now,
            )

    n = copy_rows(
        Member,
        [
            "id",
            "first_name",
            "last_name",
            "preferred_name",
            "language",
            "employee_number",
            "employer_id",
            "worksite_id",
            "department_id",
            "shift_id",
            "job_class_id",
            "bargaining_unit_id",
            "local_id",
            "employment_type",
            "employment_status",
            "hire_date",
            "seniority_date",
            "is_supervisor",
            "membership_status",
            "portal_signup_date",
            "is_organic_leader",
            "is_emerging_leader",
            "do_not_phone",
            "do_not_text",
            "do_not_email",
            "do_not_visit",
            "search_name",
            "created_at",
            "updated_at",
        ],
        member_rows(),
    )
    say(f"  members        {n:>9,}  ({time.perf_counter() - started:.0f} s)")

    area_codes = ["613", "343", "819", "873", "416", "647", "905", "514"]

    def phone_rows():
        for member_id, _first, _last in members:
            for j in range(rng.choice((1, 1, 2, 2, 3))):
                line = (member_id * 3 + j) % 10_000_000
                yield (
                    member_id,
                    f"+1{rng.choice(area_codes)}{line:07d}",
                    ["mobile", "home", "work"][j],
                    j == 0,
                    "wrong_number" if rng.random() < 0.03 else "valid",
                )

    n = copy_rows(Phone, ["member_id", "number", "kind", "is_primary", "status"], phone_rows())
    say(f"  phones         {n:>9,}  ({time.perf_counter() - started:.0f} s)")

    def email_rows():
        for member_id, first, last in members:
            if rng.random() < 0.8:
                local_part = ".".join(
                    "".join(c for c in fold(p) if c.isalnum()) for p in (first, last)
                )
                yield (member_id, f"{local_part}{member_id}@example.com", "personal", True, "valid")

    n = copy_rows(Email, ["member_id", "address", "kind", "is_primary", "status"], email_rows())
    say(f"  emails         {n:>9,}  ({time.perf_counter() - started:.0f} s)")

    def tag_rows():
        for member_id, _first, _last in members:
            if rng.random() < 0.1:
                for tag in rng.sample(world["tags"], rng.randint(1, 2)):
                    yield (member_id, tag.pk)

    n = copy_rows(Member.tags.through, ["member_id", "tag_id"], tag_rows())
    say(f"  member tags    {n:>9,}  ({time.perf_counter() - started:.0f} s)")

    campaign_ids = [c.pk for c in world["campaigns"]]
    caller_ids = [u.pk for u in world["callers"]]
    outcomes = (
        ["no_answer"] * 42
        + ["left_message"] * 18
        + ["reached"] * 27
        + ["busy"] * 4
        + ["wrong_number"] * 2
        + ["call_back"] * 5
        + ["refused"] * 2
    )
    two_years = 730 * 86400

    def conversation_rows():
        for _ in range(CONVERSATIONS):
            # Skewed: a few members have hundreds of conversations, most have a handful.
            member_id = int(MEMBERS * rng.random() ** 1.5) + 1
            at = now - timedelta(seconds=rng.randrange(two_years))
            outcome = rng.choice(outcomes)
            yield (
                member_id,
                rng.choice(campaign_ids),
                rng.choice(caller_ids),
                "phone",
                outcome,
                at,
                "Talked about staffing and the strike vote." if outcome == "reached" else "",
                None,
                at,
            )

    n = copy_rows(
        Conversation,
        [
            "member_id",
            "campaign_id",
            "user_id",
            "channel",
            "outcome",
            "occurred_at",
            "notes",
            "call_back_at",
            "created_at",
        ],
        conversation_rows(),
    )
    say(f"  conversations  {n:>9,}  ({time.perf_counter() - started:.0f} s)")

    def assessment_rows():
        for member_id, _first, _last in members:
            if rng.random() < 0.6:
                for campaign_id in rng.sample(campaign_ids, rng.randint(1, 2)):
                    steps = rng.randint(1, 3)
                    level = rng.randint(1, 5)
                    for step in range(steps):
                        at = now - timedelta(days=(steps - step) * 30, minutes=rng.randrange(1440))
                        yield (
                            member_id,
                            campaign_id,
                            level,
                            rng.choice(caller_ids),
                            at,
                            step == steps - 1,
                            at,
                            "",
                        )
                        level = min(5, max(1, level + rng.choice((-1, -1, 0, 1))))

    n = copy_rows(
        Assessment,
        [
            "member_id",
            "campaign_id",
            "level",
            "assessed_by_id",
            "assessed_at",
            "is_current",
            "created_at",
            "note",
        ],
        assessment_rows(),
    )
    say(f"  assessments    {n:>9,}  ({time.perf_counter() - started:.0f} s)")

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('members_member', 'id'), (SELECT max(id) FROM members_member))"
        )
        cursor.execute("VACUUM ANALYZE")
    say(f"Seeded in {time.perf_counter() - started:.0f} s.")


# --- measuring ------------------------------------------------------------------------------

# Hand-written SQL for what each page needs, timed in the same run as the page itself.
DIRECTORY_COLUMNS = """
    SELECT m.id, m.first_name, m.last_name, m.preferred_name, m.pronouns, m.membership_status,
           m.is_organic_leader, m.is_emerging_leader, m.do_not_phone, m.do_not_text,
           m.do_not_email, m.do_not_visit, w.name, d.name, s.name
      FROM members_member m
      LEFT JOIN members_worksite w ON w.id = m.worksite_id
      LEFT JOIN members_department d ON d.id = m.department_id
      LEFT JOIN members_shift s ON s.id = m.shift_id
"""
SQL_BY_WORKSITE = (
    DIRECTORY_COLUMNS
    + """
     WHERE m.worksite_id = %s
     ORDER BY m.last_name, m.first_name, m.id
     LIMIT 51
"""
)
SQL_BY_NAME = (
    DIRECTORY_COLUMNS
    + """
     WHERE {words}
     ORDER BY m.last_name, m.first_name, m.id
     LIMIT 51
"""
)
SQL_PROFILE = [
    """SELECT m.*, w.name, d.name, s.name, l.number, l.name, r.name, e.name, j.name, u.name
         FROM members_member m
         LEFT JOIN members_worksite w ON w.id = m.worksite_id
         LEFT JOIN members_department d ON d.id = m.department_id
         LEFT JOIN members_shift s ON s.id = m.shift_id
         LEFT JOIN members_local l ON l.id = m.local_id
         LEFT JOIN members_region r ON r.id = l.region_id
         LEFT JOIN members_employer e ON e.id = m.employer_id
         LEFT JOIN members_jobclass j ON j.id = m.job_class_id
         LEFT JOIN members_bargainingunit u ON u.id = m.bargaining_unit_id
        WHERE m.id = %(id)s""",
    "SELECT * FROM members_phone WHERE member_id = %(id)s ORDER BY is_primary DESC, id",
    "SELECT * FROM members_email WHERE member_id = %(id)s ORDER BY is_primary DESC, id",
    """SELECT t.* FROM members_tag t JOIN members_member_tags mt ON mt.tag_id = t.id
        WHERE mt.member_id = %(id)s""",
    """SELECT a.*, c.name, u.full_name FROM campaigns_assessment a
         JOIN campaigns_campaign c ON c.id = a.campaign_id
         LEFT JOIN organizing_user u ON u.id = a.assessed_by_id
        WHERE a.member_id = %(id)s AND a.is_current ORDER BY c.name""",
    """SELECT v.*, c.name, u.full_name FROM campaigns_conversation v
         LEFT JOIN campaigns_campaign c ON c.id = v.campaign_id
         LEFT JOIN organizing_user u ON u.id = v.user_id
        WHERE v.member_id = %(id)s ORDER BY v.occurred_at DESC LIMIT 100""",
    """SELECT ci.conversation_id, t.name FROM campaigns_conversation_issues ci
         JOIN members_tag t ON t.id = ci.tag_id
        WHERE ci.conversation_id IN (
              SELECT id FROM campaigns_conversation WHERE member_id = %(id)s
               ORDER BY occurred_at DESC LIMIT 100)""",
    """SELECT a.*, c.name, u.full_name FROM campaigns_assessment a
         JOIN campaigns_campaign c ON c.id = a.campaign_id
         LEFT JOIN organizing_user u ON u.id = a.assessed_by_id
        WHERE a.member_id = %(id)s ORDER BY a.assessed_at DESC LIMIT 100""",
    """SELECT * FROM organizing_auditevent
        WHERE object_type = 'members.member' AND object_id = %(id)s::text
        ORDER BY created_at DESC LIMIT 100""",
]


def ms(seconds: float) -> float:
    return seconds * 1000.0


def summary(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def time_pages(client, urls: list[str]) -> tuple[list[float], dict]:
    """Time GET of each url (after one warm-up pass); also profile one request's queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for url in urls[:5]:
        client.get(url)
    samples, cpu = [], []
    for url in urls:
        started, cpu_started = time.perf_counter(), time.process_time()
        response = client.get(url)
        samples.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
        if response.status_code != 200:
            raise SystemExit(
                f"GET {url} answered {response.status_code}: is the director let through?"
            )
    with CaptureQueriesContext(connection) as queries:
        client.get(urls[0])
    slowest = max(queries.captured_queries, key=lambda q: float(q["time"]), default=None)
    profile = {
        "queries": len(queries.captured_queries),
        "sql_ms": sum(float(q["time"]) for q in queries.captured_queries) * 1000,
        "slowest": slowest,
        # Python CPU of the request (this process only): steadier than wall time on a busy machine.
        "cpu_ms": ms(statistics.median(cpu)),
    }
    return samples, profile


def time_sql(statements: list[tuple[str, object]]) -> list[float]:
    """Time hand-written SQL: each item is one page's list of (sql, params), run in sequence."""
    from django.db import connection

    samples = []
    with connection.cursor() as cursor:
        for page in statements:
            started = time.perf_counter()
            for sql, params in page:
                cursor.execute(sql, params)
                cursor.fetchall()
            samples.append(time.perf_counter() - started)
    return samples


def name_sql(text: str) -> tuple[str, list]:
    from members.models import fold

    words = fold(text).split()
    clauses = ["m.search_name LIKE %s"] * len(words)
    params = [f"%{w}%" for w in words]
    where = " AND ".join(clauses)
    if len(words) == 1:
        where = f"({where} OR m.employee_number = %s OR m.employee_number = %s)"
        params += [text, text.upper()]
    return SQL_BY_NAME.format(words=where), params


def bench_director():
    """A director, TOTP-enrolled so the MFA middleware lets the test client through."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import generate_totp_secret

    from organizing.models import Role, User
    from organizing.services import user_enrol_totp

    user, _created = User.objects.get_or_create(
        email="director@bench.local",
        defaults={"role": Role.DIRECTOR, "full_name": "Bench Director"},
    )
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        user_enrol_totp(user, generate_totp_secret())
    return user


def measure() -> bool:
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.urls import reverse

    from campaigns.models import Conversation
    from members.models import Member, Worksite

    rng = random.Random(SEED + 1)
    client = Client()
    client.force_login(bench_director())
    n = REQUESTS
    site_ids = list(Worksite.objects.values_list("pk", flat=True))
    max_id = Member.objects.order_by("-pk").values_list("pk", flat=True).first()
    sites = [rng.choice(site_ids) for _ in range(n)]
    searches = [NAME_SEARCHES[i % len(NAME_SEARCHES)] for i in range(n)]
    member_ids = [rng.randint(1, max_id) for _ in range(n)]
    directory = reverse("campaigns:directory")
    busiest = (
        Conversation.objects.values("member_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("member_id", flat=True)
        .first()
    )

    rows = []
    say(
        f"\nTiming {n} requests per page ({Member.objects.count():,} members, "
        f"{connection.vendor} {connection.pg_version // 10000})."
    )
    pages = [
        ("floor: logged-in trivial page", [reverse("my-account")] * n, None),
        (
            "directory ?worksite=<id>",
            [f"{directory}?{urlencode({'worksite': s})}" for s in sites],
            [[(SQL_BY_WORKSITE, [s])] for s in sites],
        ),
        (
            "directory ?q=<name>",
            [f"{directory}?{urlencode({'q': q})}" for q in searches],
            [[name_sql(q)] for q in searches],
        ),
        (
            "member profile",
            [reverse("campaigns:member", args=[m]) for m in member_ids],
            [[(sql, {"id": m}) for sql in SQL_PROFILE] for m in member_ids],
        ),
        (
            "member profile, busiest member",
            [reverse("campaigns:member", args=[busiest])] * n,
            [[(sql, {"id": busiest}) for sql in SQL_PROFILE]] * n,
        ),
        (
            "directory, first page, no filter",
            [directory] * n,
            [[(DIRECTORY_COLUMNS + " ORDER BY m.last_name, m.first_name, m.id LIMIT 51", [])]] * n,
        ),
    ]
    for label, urls, sql in pages:
        samples, profile = time_pages(client, urls)
        raw = time_sql(sql) if sql else None
        rows.append((label, summary(samples), summary(raw) if raw else None, profile))

    ok = True
    say(
        f"\n{'page':<34} {'median':>8} {'p95':>8} {'app CPU':>8} {'raw SQL':>8} {'queries':>8} "
        f"{'SQL ms':>7}  goal"
    )
    for label, (median, p95), raw, profile in rows:
        floor = label.startswith("floor")
        verdict = "" if floor else ("PASS" if ms(median) < GOAL_MS else "MISS")
        ok &= verdict != "MISS"
        raw_text = f"{ms(raw[0]):>6.1f}ms" if raw else f"{'':>8}"
        say(
            f"{label:<34} {ms(median):>6.1f}ms {ms(p95):>6.1f}ms {profile['cpu_ms']:>6.1f}ms {raw_text} "
            f"{profile['queries']:>8} "
            f"{profile['sql_ms']:>7.1f}  {'' if floor else f'< {GOAL_MS:.0f} ms median  {verdict}'}"
        )
    say(
        "\nmedian/p95: whole request in-process (middleware, view, template); app CPU: median Python"
    )
    say("CPU time of the request in this process (database time excluded); raw SQL: the same data")
    say("by hand-written SQL; queries / SQL ms: one request of that page, captured.")
    say(
        f"Load average now: {', '.join(f'{v:.1f}' for v in os.getloadavg())} on {os.cpu_count()} CPUs "
        "(a floor far above a few ms means the machine is busy: compare against it)."
    )
    for label, _times, _raw, profile in rows:
        slowest = profile["slowest"]
        if slowest and float(slowest["time"]) * 1000 > 5:
            say(
                f"\nslowest query of '{label}' ({float(slowest['time']) * 1000:.1f} ms):\n  {slowest['sql'][:600]}"
            )
    return ok


def main() -> None:
    setup_django(DEFAULT_URL)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    seed(force=os.environ.get("BENCH_RESEED") == "1")
    ok = measure()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
