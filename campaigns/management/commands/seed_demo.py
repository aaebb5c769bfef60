"""Build the demo union: places, 3,000 members, three campaigns, their history, four logins.

Deterministic: every member is drawn from its own random.Random seeded by its index, so the
same index always yields the same person, and a re-run finds everyone by natural key
(employer, employee number) and creates nothing. Dates are relative to the day it runs.
Writes go through bulk_create (no audit rows: this is seed data, not anyone's action).
"""

import base64
import hashlib
import hmac
import random
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from campaigns.calls.services import call_list_assign, call_list_create, survey_question_add
from campaigns.management import demo_data as data
from campaigns.models import (
    Assessment,
    CallList,
    Campaign,
    CampaignGoal,
    Channel,
    Conversation,
    Outcome,
)
from members.models import (
    BargainingUnit,
    Department,
    Email,
    Employer,
    EmploymentStatus,
    EmploymentType,
    JobClass,
    Local,
    Member,
    MembershipStatus,
    Phone,
    Region,
    Shift,
    Tag,
    Worksite,
    fold,
)
from members.phones import normalize_phone
from organizing.models import Role, User
from organizing.services import user_enrol_totp

# Public on purpose: a demo secret anyone can add to an authenticator app.
DEMO_TOTP_SECRET = base64.b32encode(b"union-demo-totp-key!").decode()

DEMO_USERS = [
    # email, full name, role, interface language, speaks French, local number
    ("director@demo.local", "Dana MacLeod", Role.DIRECTOR, "en", False, None),
    ("organizer@demo.local", "Owen Fraser", Role.ORGANIZER, "en", False, "101"),
    ("mobilizer@demo.local", "Mathieu Gélinas", Role.MOBILIZER, "en", True, None),
    ("organisatrice@demo.local", "Sophie Bélanger", Role.ORGANIZER, "fr", True, "202"),
]

# Campaign keys → what they are; scope and team are wired in _campaigns().
CAMPAIGNS = {
    "certification": {
        "name": "Syndicalisation — Résidences Bel-Horizon (Gatineau)",
        "kind": Campaign.Kind.CERTIFICATION,
        "days": 170,
        "goals": "Signer une majorité de cartes dans les trois résidences avant la requête en "
        "accréditation; un membre du comité par service et par quart.",
        "targets": [("Cards signed / Cartes signées", "cards", 50, "percent")],
        "reach": 0.8,
    },
    "bargaining": {
        "name": "OVHN Service, Clerical and Trades — bargaining 2026",
        "kind": Campaign.Kind.BARGAINING,
        "days": 150,
        "goals": "A 90% strike mandate; every department and shift covered by the committee; "
        "5,000 member-portal sign-ups across the local.",
        "targets": [
            ("Strike mandate turnout", "strike_vote_turnout", 90, "percent"),
            ("Member-portal sign-ups", "portal_signups", 900, "count"),
        ],
        "reach": 0.65,
    },
    "political": {
        "name": "Fund Ontario Hospitals — provincial election",
        "kind": Campaign.Kind.POLITICAL,
        "days": 75,
        "goals": "Every member in Local 101 hears where the parties stand on hospital funding; "
        "200 members volunteer for a candidate forum or canvass.",
        "targets": [("Volunteers signed up", "volunteers", 200, "count")],
        "reach": 0.35,
    },
}

OUTCOME_WEIGHTS = [
    (Outcome.NO_ANSWER, 42),
    (Outcome.LEFT_MESSAGE, 18),
    (Outcome.REACHED, 27),
    (Outcome.BUSY, 4),
    (Outcome.WRONG_NUMBER, 2),
    (Outcome.CALL_BACK, 5),
    (Outcome.REFUSED, 2),
]
REACHED_CHANNELS = [
    (Channel.PHONE, 70),
    (Channel.WORKSITE, 18),
    (Channel.HOME, 4),
    (Channel.VIDEO, 3),
    (Channel.TEXT, 5),
]
FIRST_LEVEL = [(1, 4), (2, 20), (3, 40), (4, 26), (5, 10)]


def _pick(rng: random.Random, weighted):
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights=weights)[0]


def demo_password(email: str) -> str:
    """A readable password for a demo login, derived from the installation's SECRET_KEY."""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"seed_demo:{email}".encode(), hashlib.sha256)
    text = base64.b32encode(digest.digest()[:10]).decode().lower()
    return "-".join(text[i : i + 4] for i in range(0, 16, 4))


@dataclass
class Structure:
    employers: dict[str, Employer] = field(default_factory=dict)
    locals: dict[str, Local] = field(default_factory=dict)
    units: dict[str, list[BargainingUnit]] = field(default_factory=dict)
    worksites: dict[str, list[tuple[Worksite, float]]] = field(default_factory=dict)
    departments: dict[int, list[Department]] = field(default_factory=dict)
    shifts: dict[int, list[Shift]] = field(default_factory=dict)
    job_classes: dict[str, list[JobClass]] = field(default_factory=dict)
    tags: list[Tag] = field(default_factory=list)
    issues: list[Tag] = field(default_factory=list)


class Command(BaseCommand):
    help = (
        "Build the demo union (refused unless DEBUG). Safe to run again: it creates nothing twice."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--members", type=int, default=3000, help="How many members (default 3000)."
        )

    def handle(self, *args, members: int, **options):
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo creates demo logins with printed passwords, so it only runs with "
                "DEBUG on (set DJANGO_DEBUG=1). Never run it against real member data."
            )
        self.today = timezone.localdate()
        self.tz = ZoneInfo(settings.TIME_ZONE)
        with transaction.atomic():
            structure = self._structure()
            users = self._users(structure)
            campaigns = self._campaigns(structure, users)
            created = self._members(structure, users, campaigns, members)
            self._call_list(structure, users, campaigns["bargaining"])
        self._report(users, created)

    # --- structure -----------------------------------------------------------------------

    def _structure(self) -> Structure:
        s = Structure()
        regions = {name: Region.objects.get_or_create(name=name)[0] for name in data.REGIONS}
        for number, name, region in data.LOCALS:
            s.locals[number] = Local.objects.get_or_create(
                number=number, defaults={"name": name, "region": regions[region]}
            )[0]
        for spec in data.EMPLOYERS:
            key = spec["key"]
            employer = Employer.objects.get_or_create(name=spec["name"])[0]
            s.employers[key] = employer
            local = s.locals.get(spec["local"])
            s.units[key] = [
                BargainingUnit.objects.get_or_create(
                    employer=employer,
                    name=name,
                    defaults={"local": local, "jurisdiction": jurisdiction, "certified": certified},
                )[0]
                for name, jurisdiction, certified in spec["units"]
            ]
            s.job_classes[key] = [
                JobClass.objects.get_or_create(
                    employer=employer, name=name, defaults={"code": code}
                )[0]
                for code, name in spec["job_classes"]
            ]
            region = regions["Eastern Ontario" if spec["area_codes"][0] == "613" else "Outaouais"]
            s.worksites[key] = []
            for name, address, city, province, postal_code, share in spec["worksites"]:
                site = Worksite.objects.get_or_create(
                    employer=employer,
                    name=name,
                    defaults={
                        "address": address,
                        "city": city,
                        "province": province,
                        "postal_code": postal_code,
                        "region": region,
                    },
                )[0]
                s.worksites[key].append((site, share))
                s.departments[site.pk] = [
                    Department.objects.get_or_create(worksite=site, name=dept)[0]
                    for dept in spec["departments"]
                ]
                s.shifts[site.pk] = [
                    Shift.objects.get_or_create(
                        worksite=site, name=shift, defaults={"position": i}
                    )[0]
                    for i, shift in enumerate(spec["shifts"])
                ]
        s.tags = [Tag.objects.get_or_create(name=name)[0] for name in data.TAGS]
        s.issues = [Tag.objects.get_or_create(name=name)[0] for name in data.ISSUE_TAGS]
        return s

    def _users(self, s: Structure) -> dict[str, User]:
        users = {}
        self.new_users = set()
        for email, full_name, role, language, speaks_french, local in DEMO_USERS:
            user = User.objects.filter(email=email).first()
            if user is None:
                self.new_users.add(email)
                user = User.objects.create_user(
                    email,
                    demo_password(email),
                    full_name=full_name,
                    role=role,
                    language=language,
                    speaks_french=speaks_french,
                )
            if local:
                s.locals[local].staff.add(user)
            if user.must_use_mfa:
                user_enrol_totp(user, DEMO_TOTP_SECRET)
            users[email.split("@")[0]] = user
        return users

    def _campaigns(self, s: Structure, users: dict[str, User]) -> dict[str, Campaign]:
        campaigns = {}
        for key, spec in CAMPAIGNS.items():
            campaign, _created = Campaign.objects.get_or_create(
                name=spec["name"],
                defaults={
                    "kind": spec["kind"],
                    "status": Campaign.Status.ACTIVE,
                    "goals": spec["goals"],
                    "start_date": self.today - timedelta(days=spec["days"]),
                    "end_date": self.today + timedelta(days=120),
                },
            )
            for label, metric, target, unit in spec["targets"]:
                CampaignGoal.objects.get_or_create(
                    campaign=campaign,
                    label=label,
                    defaults={
                        "metric": metric,
                        "target": target,
                        "unit": unit,
                        "due_date": self.today + timedelta(days=90),
                    },
                )
            campaigns[key] = campaign
        cert, barg, pol = (
            campaigns["certification"],
            campaigns["bargaining"],
            campaigns["political"],
        )
        cert.worksites.add(*[site for site, _share in s.worksites["belhorizon"]])
        cert.owners.add(users["organisatrice"])
        cert.team.add(users["organisatrice"])
        barg.bargaining_units.add(s.units["ovhn"][0])
        barg.owners.add(users["organizer"])
        barg.team.add(users["organizer"], users["mobilizer"])
        pol.locals.add(s.locals["101"])
        pol.owners.add(users["director"])
        pol.team.add(users["organizer"])
        return campaigns

    # --- members and their history -------------------------------------------------------

    def _member_spec(self, s: Structure, i: int) -> dict:
        """Everything about member `i`, drawn from its own seed (independent of the count)."""
        rng = random.Random(f"seed_demo:member:{i}")
        spec = _pick(rng, [(e, e["share"]) for e in data.EMPLOYERS])
        key = spec["key"]
        employer = s.employers[key]
        site = _pick(rng, s.worksites[key])
        french = rng.random() < spec["french"]
        gender = rng.choice("ffm") if key != "gatineau" else rng.choice("fm")
        # Some anglophones have French names and the other way round, as in real life.
        fr_first = french if rng.random() < 0.85 else not french
        fr_last = french if rng.random() < 0.75 else not french
        first = rng.choice((data.FIRST_NAMES_FR if fr_first else data.FIRST_NAMES_EN)[gender])
        last = rng.choice(data.LAST_NAMES_FR if fr_last else data.LAST_NAMES_EN)
        preferred = data.NICKNAMES.get(first, "") if rng.random() < 0.4 else ""
        pronouns = ""
        if rng.random() < 0.12:
            options = data.PRONOUNS_FR if french else data.PRONOUNS_EN
            pronouns = options[2] if rng.random() < 0.1 else options[0 if gender == "f" else 1]
        job_class = rng.choice(s.job_classes[key])
        is_supervisor = rng.random() < 0.02
        units = s.units[key]
        if spec["local"] is None:
            unit, status = None, MembershipStatus.PROSPECT
        elif is_supervisor:
            unit, status = None, MembershipStatus.PROSPECT
        else:
            second = job_class.code in {"RPN", "PAR", "INF"}
            unit = units[1 if second else 0]
            status = MembershipStatus.MEMBER if rng.random() < 0.86 else MembershipStatus.NON_MEMBER
        hire_date = self.today - timedelta(days=rng.randint(20, 9000))
        employment_type = _pick(
            rng,
            [
                (EmploymentType.FULL_TIME, 60),
                (EmploymentType.PART_TIME, 30),
                (EmploymentType.CASUAL, 10),
            ],
        )
        dnc = rng.random() < 0.012
        member = Member(
            first_name=first,
            last_name=last,
            preferred_name=preferred,
            pronouns=pronouns,
            language="fr" if french else "en",
            employee_number=f"{spec['prefix']}{(i * 7919 + 12345) % 900000 + 100000:06d}",
            employer=employer,
            worksite=site,
            department=rng.choice(s.departments[site.pk]),
            shift=_pick(rng, list(zip(s.shifts[site.pk], (50, 30, 20), strict=True))),
            job_class=job_class,
            bargaining_unit=unit,
            local=s.locals.get(spec["local"]),
            employment_type=employment_type,
            employment_status=_pick(
                rng,
                [
                    (EmploymentStatus.ACTIVE, 94),
                    (EmploymentStatus.LEAVE, 5),
                    (EmploymentStatus.LAID_OFF, 1),
                ],
            ),
            hire_date=hire_date,
            seniority_date=hire_date + timedelta(days=rng.randint(0, 400))
            if employment_type != EmploymentType.FULL_TIME
            else hire_date,
            is_supervisor=is_supervisor,
            membership_status=status,
            portal_signup_date=self.today - timedelta(days=rng.randint(1, 700))
            if status == MembershipStatus.MEMBER and rng.random() < 0.35
            else None,
            is_organic_leader=not is_supervisor and rng.random() < 0.03,
            is_emerging_leader=not is_supervisor and rng.random() < 0.04,
            do_not_phone=dnc,
            do_not_text=dnc,
            do_not_email=dnc,
            do_not_visit=dnc,
        )
        # bulk_create skips save(), which keeps the search key.
        member.search_name = fold(" ".join(filter(None, [first, preferred, last])))
        return {"i": i, "rng": rng, "spec": spec, "member": member, "dnc": dnc}

    def _contacts(self, item: dict) -> tuple[list[Phone], list[Email]]:
        rng, spec, member, i = item["rng"], item["spec"], item["member"], item["i"]
        phones = []
        count = _pick(rng, [(0, 4), (1, 42), (2, 40), (3, 14)])
        kinds = ["mobile" if rng.random() < 0.85 else "home", "home", "work"]
        for j in range(count):
            # A bijection of (member, slot) onto 10,000 line numbers: no two members share a phone.
            line = ((i * 3 + j) * 3571) % 10000
            raw = rng.choice(data.PHONE_FORMATS).format(
                a=rng.choice(spec["area_codes"]), x="555", l=f"{line:04d}"
            )
            wrong = rng.random() < 0.03
            phones.append(
                Phone(
                    member=member,
                    number=normalize_phone(raw, "CA"),
                    kind=kinds[j],
                    is_primary=j == 0,
                    status=Phone.Status.WRONG_NUMBER if wrong else Phone.Status.VALID,
                    status_changed_at=timezone.now() - timedelta(days=rng.randint(1, 90))
                    if wrong
                    else None,
                )
            )
        emails = []
        local_part = ".".join(
            "".join(c for c in fold(part) if c.isalnum())
            for part in (member.first_name, member.last_name)
        )
        if rng.random() < 0.78:
            emails.append(
                Email(
                    member=member,
                    address=f"{local_part}{rng.randint(1, 99)}@{rng.choice(['example.com', 'example.net'])}",
                    kind="personal",
                    is_primary=True,
                    status=Email.Status.BOUNCED if rng.random() < 0.02 else Email.Status.VALID,
                )
            )
        if spec["email_domain"] and rng.random() < 0.25:
            emails.append(
                Email(
                    member=member,
                    address=f"{local_part}.{i}@{spec['email_domain']}",
                    kind="work",
                    is_primary=not emails,
                )
            )
        return phones, emails

    def _history(self, item, campaign: Campaign, spec: dict, team: list[User]) -> list[tuple]:
        """Conversations (and the assessments they led to) of one member in one campaign."""
        rng, member = item["rng"], item["member"]
        if item.get("dnc_logged") or (rng.random() >= spec["reach"] and not item["dnc"]):
            return []
        mover = rng.random() < 0.04
        if mover:
            # Someone the committee moved from undecided to leader, one conversation at a time.
            outcomes = [Outcome.REACHED] * 3
            for _ in range(rng.randint(0, 2)):
                outcomes.insert(rng.randint(0, len(outcomes) - 1), Outcome.NO_ANSWER)
        else:
            outcomes = [
                _pick(rng, OUTCOME_WEIGHTS)
                for _ in range(_pick(rng, [(1, 45), (2, 30), (3, 15), (4, 7), (5, 3)]))
            ]
        if item["dnc"] and not item.get("dnc_logged"):
            # The do-not-contact is said once, in the first campaign that calls them.
            outcomes.append(Outcome.DO_NOT_CONTACT)
            item["dnc_logged"] = True
        days = sorted(rng.sample(range(1, spec["days"]), len(outcomes)), reverse=True)
        # Prefer a French-speaking caller for French-speaking members.
        callers = [u for u in team if u.speaks_french] if member.language == "fr" else team
        caller = rng.choice(callers or team)
        notes = data.NOTES_FR if member.language == "fr" else data.NOTES_EN
        level = None
        rows = []
        for step, (outcome, days_ago) in enumerate(zip(outcomes, days, strict=True)):
            at = datetime.combine(
                self.today - timedelta(days=days_ago),
                time(rng.randint(9, 20), rng.randint(0, 59), step),
                tzinfo=self.tz,
            )
            reached = outcome == Outcome.REACHED
            conversation = Conversation(
                member=member,
                campaign=campaign,
                user=caller,
                outcome=outcome,
                channel=_pick(rng, REACHED_CHANNELS) if reached else Channel.PHONE,
                occurred_at=at,
                created_at=at,
                notes=rng.choice(notes) if reached and rng.random() < 0.6 else "",
                call_back_at=at + timedelta(days=2) if outcome == Outcome.CALL_BACK else None,
            )
            issues = (
                rng.sample(self.issue_pool, rng.randint(1, 2))
                if reached and rng.random() < 0.6
                else []
            )
            assessment = None
            if reached:
                if mover:
                    level = 3 if level is None else level - 1
                elif level is None:
                    level = _pick(rng, FIRST_LEVEL)
                else:
                    level = min(5, max(1, level + _pick(rng, [(-1, 30), (0, 60), (1, 10)])))
                assessment = Assessment(
                    member=member,
                    campaign=campaign,
                    level=level,
                    assessed_by=caller,
                    assessed_at=at,
                    created_at=at,
                    is_current=False,
                )
            rows.append((conversation, issues, assessment))
        last = [a for _c, _i, a in rows if a is not None]
        if last:
            last[-1].is_current = True
        return rows

    def _members(
        self, s: Structure, users, campaigns: dict[str, Campaign], count: int
    ) -> dict[str, int]:
        self.issue_pool = s.issues
        existing = set(
            Member.objects.filter(employer__in=s.employers.values()).values_list(
                "employer_id", "employee_number"
            )
        )
        items = [self._member_spec(s, i) for i in range(count)]
        items = [
            it
            for it in items
            if (it["member"].employer_id, it["member"].employee_number) not in existing
        ]
        Member.objects.bulk_create([it["member"] for it in items], batch_size=500)

        phones, emails, tag_links = [], [], []
        for it in items:
            p, e = self._contacts(it)
            phones += p
            emails += e
            if it["rng"].random() < 0.18:
                for tag in it["rng"].sample(s.tags, it["rng"].randint(1, 2)):
                    tag_links.append(Member.tags.through(member_id=it["member"].pk, tag_id=tag.pk))
        Phone.objects.bulk_create(phones, batch_size=1000)
        Email.objects.bulk_create(emails, batch_size=1000)
        Member.tags.through.objects.bulk_create(tag_links, batch_size=1000)

        teams = {
            "certification": [users["organisatrice"]],
            "bargaining": [users["organizer"], users["mobilizer"], users["mobilizer"]],
            "political": [users["organizer"], users["director"]],
        }
        rows = []
        for it in items:
            m = it["member"]
            in_scope = {
                "certification": it["spec"]["key"] == "belhorizon",
                "bargaining": m.bargaining_unit_id == s.units["ovhn"][0].pk,
                "political": m.local_id == s.locals["101"].pk,
            }
            for key, campaign in campaigns.items():
                if in_scope[key]:
                    rows += self._history(it, campaign, CAMPAIGNS[key], teams[key])
        Conversation.objects.bulk_create([c for c, _i, _a in rows], batch_size=1000)
        issue_links = [
            Conversation.issues.through(conversation_id=c.pk, tag_id=tag.pk)
            for c, issues, _a in rows
            for tag in issues
        ]
        Conversation.issues.through.objects.bulk_create(issue_links, batch_size=1000)
        assessments = []
        for conversation, _issues, assessment in rows:
            if assessment is not None:
                assessment.conversation = conversation
                assessments.append(assessment)
        Assessment.objects.bulk_create(assessments, batch_size=1000)
        return {
            "members": len(items),
            "phones": len(phones),
            "emails": len(emails),
            "conversations": len(rows),
            "assessments": len(assessments),
        }

    def _call_list(self, s: Structure, users: dict[str, User], campaign: Campaign) -> None:
        """A call list for the mobilizer: the members of one hospital not yet assessed."""
        site = s.worksites["ovhn"][0][0]
        name = f"{site.name} — not yet assessed"
        if CallList.objects.filter(campaign=campaign, name=name).exists():
            return
        call_list = call_list_create(
            actor=users["organizer"],
            campaign=campaign,
            name=name,
            filters={"worksite": [site.pk], "assessment": [0]},
            match_language=True,
            script_en=data.CALL_SCRIPT_EN,
            script_fr=data.CALL_SCRIPT_FR,
        )
        call_list_assign(
            actor=users["organizer"], call_list=call_list, mobilizers=[users["mobilizer"]]
        )
        for kind, label_en, label_fr, choices_en, choices_fr, maps_to in data.CALL_SURVEY:
            survey_question_add(
                actor=users["organizer"], call_list=call_list, kind=kind, label_en=label_en,
                label_fr=label_fr, choices_en=choices_en, choices_fr=choices_fr, maps_to=maps_to,
            )

    # --- output --------------------------------------------------------------------------

    def _report(self, users: dict[str, User], created: dict[str, int]) -> None:
        out = self.stdout
        if created["members"]:
            out.write(
                self.style.SUCCESS(
                    "Demo union created: {members} members, {phones} phones, {emails} emails, "
                    "{conversations} conversations, {assessments} assessments.".format(**created)
                )
            )
        else:
            out.write("The demo union is already here; nothing was created.")
        out.write("\nDemo logins (http://127.0.0.1:8000/accounts/login/):")
        for email, _name, role, language, _fr, _local in DEMO_USERS:
            user = User.objects.get(email=email)
            password = demo_password(email)
            # Hashing is slow on purpose: check only the logins this run did not create.
            changed = email not in self.new_users and not user.check_password(password)
            note = "  (changed since it was seeded)" if changed else ""
            out.write(f"  {role:<10} {language}  {email:<26} {password}{note}")
        out.write(
            f"\nDirectors and organizers use TOTP. Secret for an authenticator app: {DEMO_TOTP_SECRET}"
            "\nOr get the current code with: DJANGO_DEBUG=1 .venv/bin/python manage.py demo_totp <email>"
        )
