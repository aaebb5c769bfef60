"""Call desk benchmark: do 10, 50 and 100 mobilizers working one list hold on gunicorn?

    make bench-calls            # or: .venv/bin/python bench/calls.py

Needs PostgreSQL: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/bench_calls,
created if missing). It migrates, seeds a campaign with BENCH_MEMBERS members (each with a
phone) and 100 mobilizers, then starts gunicorn (gthread) on loopback with the test settings.
For each level it makes a fresh call list over all the members, and every simulated mobilizer
(one thread, one keep-alive connection, its own session) loops over HTTP, sending what the
browser sends with htmx (the HX-Request header):

    claim   POST /calls/lists/<id>/next/            the first claim; the answer is the call screen
    submit  POST /calls/lists/<id>/calls/<entry>/   one transaction saves the call and claims the
                                                    next member; the answer is their call screen

BENCH_FLOW=plain runs the flow without JavaScript instead: claim (302), screen (GET), submit
(302 to the next member's screen).

Before each level the same mobilizers hammer a trivial logged-in page (GET / → 302) for the
same time, as the anchor. It prints calls per second and p50 / p95 / p99 per step next to the
trivial page's requests per second, and the double claims found (a member shown to two
mobilizers, or called by two, in one list). Each level's calls are measured after BENCH_WARMUP
seconds (default 5) of the same work, unmeasured, as on a server that has been up a while.

At 50 mobilizers it also measures the same flow at a pace people keep, each call lasting about
BENCH_PACE seconds (default 10; 0 skips it) before it is saved, for twice BENCH_SECONDS. This
is for reading, not part of the goal: real calls take minutes.

Environment: BENCH_MEMBERS (default 5000), BENCH_SECONDS per level (default 15),
BENCH_LEVELS (default "10,50,100"), BENCH_PORT (default 8765). gunicorn reads gunicorn.conf.py,
as the image's web command does (WEB_CONCURRENCY / WEB_THREADS override its processes and threads).
"""

import http.client
import os
import random
import re
import runpy
import subprocess
import sys
import threading
import time
from collections import defaultdict
from urllib.parse import urlencode, urlsplit

from common import ROOT, say, setup_django  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bench_calls"
MEMBERS = int(os.environ.get("BENCH_MEMBERS", "5000"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "15"))
LEVELS = [int(n) for n in os.environ.get("BENCH_LEVELS", "10,50,100").split(",")]
PORT = int(os.environ.get("BENCH_PORT", "8765"))
FLOW = os.environ.get("BENCH_FLOW", "htmx")
WARMUP = float(os.environ.get("BENCH_WARMUP", "5"))
PACE = float(os.environ.get("BENCH_PACE", "10"))
MOBILIZERS = max(LEVELS)
GOAL_P95_MS, GOAL_RATIO, GOAL_LEVEL = 250.0, 0.40, 50

PHONE = re.compile(r'name="phone" value="(\d+)"')
CALL_URL = re.compile(r"/calls/lists/(\d+)/calls/(\d+)/$")


def seed():
    """Once: a campaign, one worksite, MEMBERS phoneable members, MOBILIZERS mobilizers."""
    from django.core.management import call_command

    from campaigns.models import Campaign
    from members.models import Employer, Local, Member, Phone, Region, Worksite
    from organizing.models import Role, User

    call_command("migrate", verbosity=0, interactive=False)
    campaign = Campaign.objects.filter(name="Bench calls").first()
    if campaign is None:
        region = Region.objects.get_or_create(name="Bench")[0]
        local = Local.objects.get_or_create(number="B1", defaults={"name": "Bench local", "region": region})[0]
        employer = Employer.objects.get_or_create(name="Bench employer")[0]
        site = Worksite.objects.get_or_create(employer=employer, name="Bench hospital")[0]
        campaign = Campaign.objects.create(name="Bench calls", kind="bargaining", status="active")
        campaign.worksites.add(site)
        say(f"Seeding {MEMBERS} members with phones…")
        rng = random.Random(4)
        batch = [
            Member(
                first_name=f"First{i}", last_name=f"Last{i}", search_name=f"first{i} last{i}",
                employer=employer, worksite=site, local=local, employee_number=f"B{i:07d}",
                language="fr" if rng.random() < 0.3 else "en",
            )
            for i in range(MEMBERS)
        ]
        Member.objects.bulk_create(batch, batch_size=5000)
        ids = Member.objects.filter(worksite=site).values_list("pk", flat=True)
        Phone.objects.bulk_create(
            [Phone(member_id=pk, number=f"+1613{pk % 10_000_000:07d}", is_primary=True) for pk in ids],
            batch_size=5000,
        )
    users = []
    for n in range(MOBILIZERS):
        user = User.objects.filter(email=f"bench-caller{n}@example.org").first()
        if user is None:
            user = User.objects.create_user(
                f"bench-caller{n}@example.org", "bench-password-1234", role=Role.MOBILIZER,
                full_name=f"Caller {n}", speaks_french=True,
            )
        users.append(user)
    campaign.team.add(*users)
    return campaign, users


def new_list(campaign, users, level: int):
    from campaigns.calls.services import call_list_assign
    from campaigns.models import CallList, CallListEntry

    call_list = CallList.objects.create(campaign=campaign, name=f"Bench {level} {time.time():.0f}")
    member_ids = campaign.members_in_scope().values_list("pk", flat=True)
    CallListEntry.objects.bulk_create(
        [CallListEntry(call_list=call_list, member_id=pk) for pk in member_ids], batch_size=5000
    )
    call_list_assign(actor=None, call_list=call_list, mobilizers=users)
    from django.db import connection

    with connection.cursor() as cursor:
        # What autovacuum would do soon after a bulk load in production (it may be off on a
        # benchmark server): without it the planner takes the freshly seeded phones for a
        # handful of rows and claims by hashing every phone instead of walking the queue.
        for table in ("members_member", "members_phone", "campaigns_calllistentry"):
            cursor.execute(f"ANALYZE {table}")
    return call_list


def session_cookie(user) -> str:
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


class Agent:
    """One simulated mobilizer: a keep-alive connection with its own cookies."""

    def __init__(self, session: str):
        self.cookies = {"sessionid": session}
        self.conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)

    def request(self, method: str, path: str, form: dict | None = None, htmx: bool = False):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if htmx:
            headers["HX-Request"] = "true"
        body = None
        if method == "POST":
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
            body = urlencode(form or {}, doseq=True)
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
                if attempt:
                    raise
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        self.headers = {k.lower(): v for k, v in response.getheaders()}
        return response.status, response.getheader("Location") or "", data.decode("utf-8", "replace")


def run_trivial(sessions: list[str], seconds: float) -> tuple[int, list[float]]:
    stop = time.perf_counter() + seconds
    timings: list[list[float]] = [[] for _ in sessions]

    def loop(i: int):
        agent = Agent(sessions[i])
        while time.perf_counter() < stop:
            t0 = time.perf_counter()
            status, _, _ = agent.request("GET", "/")
            timings[i].append(time.perf_counter() - t0)
            assert status in (200, 302), status

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(len(sessions))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    flat = [x for row in timings for x in row]
    return len(flat), flat


def run_calls(call_list_id: int, sessions: list[str], seconds: float, pause: float = 0.0):
    """Each agent loops claim → submit (+ next); with `pause`, a call lasts about that long."""
    stop = time.perf_counter() + seconds
    steps: dict[str, list[float]] = defaultdict(list)
    lock = threading.Lock()
    seen: dict[int, set[int]] = defaultdict(set)  # entry id -> agents shown it
    calls = [0]
    errors: list[str] = []
    rng = random.Random(7)
    rng_pause = random.Random(11)
    outcomes = ["reached"] * 45 + ["no_answer"] * 30 + ["busy"] * 10 + ["left_message"] * 10 + ["refused"] * 5
    desk = f"/calls/lists/{call_list_id}/"

    def timed(step: str, agent: Agent, method: str, path: str, form=None, htmx: bool = False):
        t0 = time.perf_counter()
        result = agent.request(method, path, form, htmx=htmx)
        with lock:
            steps[step].append(time.perf_counter() - t0)
        return result

    def call_form(page: str) -> dict:
        phone = PHONE.search(page)
        form = {"outcome": rng.choice(outcomes), "phone": phone.group(1) if phone else ""}
        if form["outcome"] == "reached":
            form["assessment"] = str(rng.randint(1, 5))
            form["notes"] = "Bench call"
        return form

    def shown(i: int, path: str) -> None:
        with lock:
            seen[int(CALL_URL.search(path).group(2))].add(i)

    def htmx_loop(i: int, agent: Agent):
        """What the browser does with htmx: each answer is the next call screen, and its URL."""
        path = ""
        if pause:  # people do not all start at the same second
            time.sleep(pause * rng_pause.random())
        while time.perf_counter() < stop:
            if not path:
                status, _, page = timed("claim", agent, "POST", desk + "next/", htmx=True)
                path = agent.headers.get("hx-push-url", "")
                if status != 200 or not CALL_URL.search(path):
                    break  # the list is empty (HX-Redirect to the desk)
            shown(i, path)
            if pause:  # the call itself
                time.sleep(pause * (0.5 + rng_pause.random()))
            status, _, page = timed("submit+next", agent, "POST", path, call_form(page), htmx=True)
            if status != 200:
                errors.append(f"submit {status}")
                path = ""
                continue
            with lock:
                calls[0] += 1
            path = agent.headers.get("hx-replace-url", "")
            if not CALL_URL.search(path):
                break  # nobody left (HX-Redirect to the desk)

    def plain_loop(i: int, agent: Agent):
        """Without JavaScript: claim (302), screen (GET), submit (302 to the next screen)."""
        location = ""
        while time.perf_counter() < stop:
            if not CALL_URL.search(location):
                status, location, _ = timed("claim", agent, "POST", desk + "next/")
                if not CALL_URL.search(location):
                    break  # the list is empty
            path = urlsplit(location).path
            status, _, page = timed("screen", agent, "GET", path)
            if status != 200:
                errors.append(f"screen {status}")
                location = ""
                continue
            shown(i, path)
            status, location, _ = timed("submit", agent, "POST", path, call_form(page))
            if status != 302:
                errors.append(f"submit {status}")
                location = ""
                continue
            with lock:
                calls[0] += 1

    def loop(i: int):
        agent = Agent(sessions[i])
        # Picks up the CSRF cookie: the desk, or the call screen it sends a caller with a live claim to.
        status, location, _ = agent.request("GET", desk)
        if status == 302:
            agent.request("GET", urlsplit(location).path)
        try:
            (htmx_loop if FLOW == "htmx" else plain_loop)(i, agent)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(len(sessions))]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    client_doubles = sum(1 for agents in seen.values() if len(agents) > 1)
    return calls[0], elapsed, steps, client_doubles, errors


def server_doubles(call_list_id: int) -> int:
    """Entries called by more than one mobilizer in this list."""
    from django.db.models import Count

    from campaigns.models import Call

    return (
        Call.objects.filter(call_list_id=call_list_id)
        .values("entry_id")
        .annotate(n=Count("mobilizer_id", distinct=True))
        .filter(n__gt=1)
        .count()
    )


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, int(round(p / 100 * len(ordered) + 0.5)) - 1))
    return ordered[index] * 1000


def start_server() -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "organizing.settings_test",
        "DATABASE_CONN_MAX_AGE": "600",
    }
    server = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"), "organizing.wsgi", "--bind", f"127.0.0.1:{PORT}",
            "--config", str(ROOT / "gunicorn.conf.py"), "--log-level", "warning",
        ],
        cwd=ROOT, env=env,
    )
    for _ in range(100):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    sys.exit("gunicorn did not start")


def main() -> None:
    setup_django(DEFAULT_URL)
    campaign, users = seed()
    sessions = [session_cookie(u) for u in users]
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    say(f"gunicorn {conf['worker_class']} {conf['workers']} workers × {conf['threads']} threads "
        f"(gunicorn.conf.py) on 127.0.0.1:{PORT}; "
        f"{MEMBERS} members; {SECONDS:.0f} s per measurement; {FLOW} flow; load average "
        + " ".join(f"{n:.2f}" for n in os.getloadavg()))
    server = start_server()
    results = []
    try:
        for level in LEVELS:
            call_list = new_list(campaign, users[:level], level)
            trivial_n, trivial_t = run_trivial(sessions[:level], SECONDS)
            trivial_rps = trivial_n / SECONDS
            # Unmeasured: the server's connections prepare their statements, as a server that
            # has been up for a while has (each connection prepares a statement on its fifth run).
            run_calls(call_list.pk, sessions[:level], WARMUP)
            calls, elapsed, steps, client_doubles, errors = run_calls(call_list.pk, sessions[:level], SECONDS)
            doubles = server_doubles(call_list.pk) + client_doubles
            request_rps = sum(len(v) for v in steps.values()) / elapsed
            results.append((level, calls / elapsed, request_rps, trivial_rps, steps, trivial_t, doubles, errors))
            say("")
            say(f"== {level} mobilizers ==")
            say(f"  trivial page   {trivial_rps:8.1f} req/s   p50 {pct(trivial_t, 50):6.1f}  p95 "
                f"{pct(trivial_t, 95):6.1f}  p99 {pct(trivial_t, 99):6.1f} ms")
            say(f"  calls          {calls / elapsed:8.1f} calls/s ({request_rps:.1f} req/s, "
                f"{request_rps / trivial_rps:.0%} of the trivial page)")
            for step in ("claim", "screen", "submit") if FLOW != "htmx" else ("claim", "submit+next"):
                values = steps.get(step, [])
                say(f"  {step:<14} {len(values):8d} req     p50 {pct(values, 50):6.1f}  p95 "
                    f"{pct(values, 95):6.1f}  p99 {pct(values, 99):6.1f} ms")
            say(f"  double claims  {doubles}")
            if errors:
                say(f"  errors         {len(errors)} (first: {errors[0]})")
            if level == GOAL_LEVEL and PACE and FLOW == "htmx":
                # The same mobilizers at a pace people can keep: each call lasts about PACE
                # seconds before it is saved (real calls take minutes). Not part of the goal.
                paced_s = 2 * SECONDS
                p_calls, p_elapsed, p_steps, p_doubles, _ = run_calls(call_list.pk, sessions[:level], paced_s, pause=PACE)
                values = p_steps.get("submit+next", [])
                say(f"  at a human pace (a call every ~{PACE:.0f} s each, {paced_s:.0f} s): "
                    f"{p_calls / p_elapsed:.1f} calls/s; submit+next p50 {pct(values, 50):.1f}  "
                    f"p95 {pct(values, 95):.1f}  p99 {pct(values, 99):.1f} ms; double claims {p_doubles}")
    finally:
        server.terminate()
        server.wait(timeout=20)
    say("load average after: " + " ".join(f"{n:.2f}" for n in os.getloadavg()))

    say("")
    for level, _calls_s, request_rps, trivial_rps, steps, trivial_t, doubles, _ in results:
        if level != GOAL_LEVEL:
            continue
        worst_p95 = max(pct(v, 95) for v in steps.values() if v)
        ratio = request_rps / trivial_rps
        ok = worst_p95 < GOAL_P95_MS and ratio >= GOAL_RATIO and doubles == 0
        needed = level / (GOAL_P95_MS / 1000)
        say(f"Ceiling: {level} mobilizers with no pause wait on average {level} / throughput (Little's law), "
            f"so a p95 under {GOAL_P95_MS:.0f} ms needs more than {needed:.0f} calls/s even if every call took "
            f"the same time: {needed / trivial_rps:.0%} of the trivial page's {trivial_rps:.0f} req/s. The "
            f"trivial page (a session read and a redirect) has p95 {pct(trivial_t, 95):.1f} ms itself at this level.")
        say(f"Goal at {GOAL_LEVEL} mobilizers: p95 < {GOAL_P95_MS:.0f} ms (worst step {worst_p95:.1f} ms), "
            f"throughput ≥ {GOAL_RATIO:.0%} of the trivial page ({ratio:.0%}), no double claims ({doubles}): "
            f"{'MET' if ok else 'NOT MET'}")


if __name__ == "__main__":
    main()
