"""Who and where: the workers being organized and the structure they work in."""

import unicodedata

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def fold(text: str) -> str:
    """Lower-case and strip accents, so "Hélène" is found by "helene"."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower().strip()


class Region(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Local(models.Model):
    """A local (chapter) of the union."""

    number = models.CharField(_("number"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=150)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="locals", verbose_name=_("region")
    )
    # Organizers assigned to this local see its members.
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="scope_locals", verbose_name=_("staff")
    )

    class Meta:
        verbose_name = _("local")
        verbose_name_plural = _("locals")
        ordering = ["number"]

    def __str__(self) -> str:
        return _("Local %(number)s — %(name)s") % {"number": self.number, "name": self.name}


class Employer(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)

    class Meta:
        verbose_name = _("employer")
        verbose_name_plural = _("employers")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class BargainingUnit(models.Model):
    name = models.CharField(_("name"), max_length=200)
    employer = models.ForeignKey(
        Employer, on_delete=models.PROTECT, related_name="bargaining_units", verbose_name=_("employer")
    )
    local = models.ForeignKey(
        Local, on_delete=models.PROTECT, null=True, blank=True, related_name="bargaining_units",
        verbose_name=_("local"),
    )
    # Labour-law jurisdiction (e.g. "CA-ON", "CA-FED", "GB"): card-drive rules key on it.
    jurisdiction = models.CharField(_("jurisdiction"), max_length=10, blank=True)
    certified = models.BooleanField(_("certified"), default=True)

    class Meta:
        verbose_name = _("bargaining unit")
        verbose_name_plural = _("bargaining units")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["employer", "name"], name="unique_unit_per_employer")
        ]

    def __str__(self) -> str:
        return self.name


class Worksite(models.Model):
    employer = models.ForeignKey(
        Employer, on_delete=models.PROTECT, related_name="worksites", verbose_name=_("employer")
    )
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=255, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    province = models.CharField(_("province or county"), max_length=50, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, related_name="worksites",
        verbose_name=_("region"),
    )
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="scope_worksites", verbose_name=_("staff")
    )

    class Meta:
        verbose_name = _("worksite")
        verbose_name_plural = _("worksites")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["employer", "name"], name="unique_worksite_per_employer")
        ]

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    """A department or work area of a worksite."""

    worksite = models.ForeignKey(
        Worksite, on_delete=models.CASCADE, related_name="departments", verbose_name=_("worksite")
    )
    name = models.CharField(_("name"), max_length=150)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["worksite", "name"], name="unique_department_per_worksite")
        ]

    def __str__(self) -> str:
        return self.name


class Shift(models.Model):
    worksite = models.ForeignKey(
        Worksite, on_delete=models.CASCADE, related_name="shifts", verbose_name=_("worksite")
    )
    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["worksite", "name"], name="unique_shift_per_worksite")
        ]

    def __str__(self) -> str:
        return self.name


class JobClass(models.Model):
    employer = models.ForeignKey(
        Employer, on_delete=models.PROTECT, related_name="job_classes", verbose_name=_("employer")
    )
    code = models.CharField(_("code"), max_length=30, blank=True)
    name = models.CharField(_("name"), max_length=150)

    class Meta:
        verbose_name = _("job classification")
        verbose_name_plural = _("job classifications")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["employer", "name"], name="unique_jobclass_per_employer")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}".strip()


class Tag(models.Model):
    """A label on members, or an issue raised in a conversation."""

    name = models.CharField(_("name"), max_length=80, unique=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    FRENCH = "fr", _("French")


class MembershipStatus(models.TextChoices):
    MEMBER = "member", _("Member")
    NON_MEMBER = "non_member", _("In the unit, not a member")
    PROSPECT = "prospect", _("Prospect (no unit)")


class EmploymentType(models.TextChoices):
    FULL_TIME = "full_time", _("Full time")
    PART_TIME = "part_time", _("Part time")
    CASUAL = "casual", _("Casual")


class EmploymentStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    LEAVE = "leave", _("On leave")
    LAID_OFF = "laid_off", _("Laid off")
    TERMINATED = "terminated", _("No longer employed")
    RETIRED = "retired", _("Retired")


class MemberQuerySet(models.QuerySet):
    def with_structure(self):
        return self.select_related("worksite", "department", "shift", "local", "employer")


class Member(models.Model):
    """A worker being organized (never a login)."""

    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    preferred_name = models.CharField(_("preferred name"), max_length=100, blank=True)
    pronouns = models.CharField(_("pronouns"), max_length=40, blank=True)
    language = models.CharField(
        _("preferred language"), max_length=2, choices=Language.choices, default=Language.ENGLISH
    )
    employee_number = models.CharField(_("employee number"), max_length=40, blank=True)

    employer = models.ForeignKey(
        Employer, on_delete=models.PROTECT, null=True, blank=True, related_name="members",
        verbose_name=_("employer"),
    )
    worksite = models.ForeignKey(
        Worksite, on_delete=models.PROTECT, null=True, blank=True, related_name="members",
        verbose_name=_("worksite"),
    )
    department = models.ForeignKey(
        Department, on_delete=models.SET_NULL, null=True, blank=True, related_name="members",
        verbose_name=_("department"),
    )
    shift = models.ForeignKey(
        Shift, on_delete=models.SET_NULL, null=True, blank=True, related_name="members",
        verbose_name=_("shift"),
    )
    job_class = models.ForeignKey(
        JobClass, on_delete=models.SET_NULL, null=True, blank=True, related_name="members",
        verbose_name=_("job classification"),
    )
    bargaining_unit = models.ForeignKey(
        BargainingUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="members",
        verbose_name=_("bargaining unit"),
    )
    local = models.ForeignKey(
        Local, on_delete=models.PROTECT, null=True, blank=True, related_name="members",
        verbose_name=_("local"),
    )
    employment_type = models.CharField(
        _("employment type"), max_length=20, choices=EmploymentType.choices, blank=True
    )
    employment_status = models.CharField(
        _("employment status"), max_length=20, choices=EmploymentStatus.choices,
        default=EmploymentStatus.ACTIVE,
    )
    hire_date = models.DateField(_("hire date"), null=True, blank=True)
    seniority_date = models.DateField(_("seniority date"), null=True, blank=True)
    is_supervisor = models.BooleanField(_("supervisor"), default=False)

    membership_status = models.CharField(
        _("membership status"), max_length=20, choices=MembershipStatus.choices,
        default=MembershipStatus.MEMBER,
    )
    portal_signup_date = models.DateField(_("member portal sign-up"), null=True, blank=True)
    is_organic_leader = models.BooleanField(_("organic leader"), default=False)
    is_emerging_leader = models.BooleanField(_("emerging leader"), default=False)

    do_not_phone = models.BooleanField(_("do not phone"), default=False)
    do_not_text = models.BooleanField(_("do not text"), default=False)
    do_not_email = models.BooleanField(_("do not email"), default=False)
    do_not_visit = models.BooleanField(_("do not visit"), default=False)

    # Set by a full-list sync when the member is missing from the employer's latest list.
    missing_from_list_since = models.DateField(_("not on the latest list since"), null=True, blank=True)

    tags = models.ManyToManyField(Tag, blank=True, related_name="members", verbose_name=_("tags"))
    # Accent-free lower-case "first preferred last" for search; kept by save().
    search_name = models.CharField(max_length=320, editable=False, db_index=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["last_name", "first_name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["employer", "employee_number"],
                condition=~Q(employee_number=""),
                name="unique_employee_number_per_employer",
            )
        ]
        indexes = [
            models.Index(fields=["last_name", "first_name", "id"], name="member_sort_name"),
            models.Index(fields=["worksite", "last_name", "first_name", "id"], name="member_worksite_name"),
            models.Index(fields=["employee_number"], name="member_employee_number"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        first = self.preferred_name or self.first_name
        return f"{first} {self.last_name}".strip()

    @property
    def do_not_contact(self) -> bool:
        return self.do_not_phone and self.do_not_text and self.do_not_email and self.do_not_visit

    def save(self, *args, **kwargs):
        self.search_name = fold(" ".join(filter(None, [self.first_name, self.preferred_name, self.last_name])))
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"first_name", "last_name", "preferred_name"} & set(update_fields):
            kwargs["update_fields"] = set(update_fields) | {"search_name"}
        super().save(*args, **kwargs)


class ContactType(models.TextChoices):
    MOBILE = "mobile", _("Mobile")
    HOME = "home", _("Home")
    WORK = "work", _("Work")
    PERSONAL = "personal", _("Personal")
    OTHER = "other", _("Other")


class Phone(models.Model):
    class Status(models.TextChoices):
        VALID = "valid", _("Valid")
        WRONG_NUMBER = "wrong_number", _("Wrong number")

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="phones")
    # E.164, e.g. +16135550199 (normalised with phonenumbers).
    number = models.CharField(_("number"), max_length=20, db_index=True)
    kind = models.CharField(_("type"), max_length=20, choices=ContactType.choices, default=ContactType.MOBILE)
    is_primary = models.BooleanField(_("primary"), default=False)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.VALID)
    status_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("phone")
        verbose_name_plural = _("phones")
        ordering = ["-is_primary", "id"]
        constraints = [models.UniqueConstraint(fields=["member", "number"], name="unique_phone_per_member")]

    def __str__(self) -> str:
        return self.number

    @property
    def display(self) -> str:
        from ..phones import format_phone

        return format_phone(self.number)


class Email(models.Model):
    class Status(models.TextChoices):
        VALID = "valid", _("Valid")
        BOUNCED = "bounced", _("Bounced")

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="emails")
    address = models.EmailField(_("address"), db_index=True)
    kind = models.CharField(_("type"), max_length=20, choices=ContactType.choices, default=ContactType.PERSONAL)
    is_primary = models.BooleanField(_("primary"), default=False)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.VALID)

    class Meta:
        verbose_name = _("email")
        verbose_name_plural = _("emails")
        ordering = ["-is_primary", "id"]
        constraints = [models.UniqueConstraint(fields=["member", "address"], name="unique_email_per_member")]

    def __str__(self) -> str:
        return self.address
