"""What we do: campaigns, assessments and conversations."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from members.models import BargainingUnit, Local, Member, Tag, Worksite


class Campaign(models.Model):
    class Kind(models.TextChoices):
        CERTIFICATION = "certification", _("Certification drive")
        BARGAINING = "bargaining", _("Bargaining mobilization")
        POLITICAL = "political", _("Political or issue campaign")

    class Status(models.TextChoices):
        PLANNING = "planning", _("Planning")
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        WON = "won", _("Won")
        CLOSED = "closed", _("Closed")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PLANNING)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    goals = models.TextField(_("goals"), blank=True)

    # Scope: the members a campaign concerns are those of these locals, units and worksites.
    locals = models.ManyToManyField(Local, blank=True, related_name="campaigns", verbose_name=_("locals"))
    bargaining_units = models.ManyToManyField(
        BargainingUnit, blank=True, related_name="campaigns", verbose_name=_("bargaining units")
    )
    worksites = models.ManyToManyField(
        Worksite, blank=True, related_name="campaigns", verbose_name=_("worksites")
    )

    owners = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="owned_campaigns", verbose_name=_("owners")
    )
    # Organizers and mobilizers assigned to work the campaign.
    team = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="campaigns", verbose_name=_("team")
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-start_date", "name"]

    def __str__(self) -> str:
        return self.name

    def members_in_scope(self):
        """The members this campaign concerns (by local, bargaining unit or worksite)."""
        return Member.objects.filter(
            Q(local__campaigns=self) | Q(bargaining_unit__campaigns=self) | Q(worksite__campaigns=self)
        ).distinct()


class CampaignGoal(models.Model):
    """A numeric target, e.g. "Portal sign-ups: 5,000" or "Cards signed: 55%"."""

    class Unit(models.TextChoices):
        COUNT = "count", _("Count")
        PERCENT = "percent", _("Percent of the unit")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="goal_targets")
    label = models.CharField(_("label"), max_length=150)
    metric = models.CharField(_("metric"), max_length=50, blank=True)
    target = models.DecimalField(_("target"), max_digits=12, decimal_places=2)
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices, default=Unit.COUNT)
    due_date = models.DateField(_("due date"), null=True, blank=True)

    class Meta:
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        ordering = ["due_date", "id"]

    def __str__(self) -> str:
        return self.label


class AssessmentLevel(models.Model):
    """The wording of one step of the 1–5 scale, in both languages; editable."""

    value = models.PositiveSmallIntegerField(_("value"), unique=True)
    label_en = models.CharField(_("label (English)"), max_length=60)
    label_fr = models.CharField(_("label (French)"), max_length=60)
    color = models.CharField(_("colour"), max_length=7, default="#777777")

    class Meta:
        verbose_name = _("assessment level")
        verbose_name_plural = _("assessment levels")
        ordering = ["value"]

    def __str__(self) -> str:
        return f"{self.value} {self.label}"

    @property
    def label(self) -> str:
        return self.label_fr if (get_language() or "en").startswith("fr") else self.label_en


class Assessment(models.Model):
    """One dated rating of a member in a campaign. Rows are never edited; the latest is current."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="assessments")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="assessments")
    # 0 = not yet assessed, 1 Leader … 5 Anti-union.
    level = models.PositiveSmallIntegerField(_("assessment"))
    note = models.TextField(_("why"), blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+",
        verbose_name=_("assessed by"),
    )
    assessed_at = models.DateTimeField(_("assessed at"), default=timezone.now)
    # Denormalised: exactly one row per member and campaign is current (the latest assessed_at).
    is_current = models.BooleanField(default=True)
    conversation = models.ForeignKey(
        "Conversation", on_delete=models.SET_NULL, null=True, blank=True, related_name="assessments"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["-assessed_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(level__lte=5), name="assessment_level_0_to_5"),
            models.UniqueConstraint(
                fields=["member", "campaign"], condition=Q(is_current=True), name="one_current_assessment"
            ),
        ]
        indexes = [
            models.Index(fields=["member", "campaign", "-assessed_at"], name="assessment_history"),
            models.Index(
                fields=["campaign", "level"], condition=Q(is_current=True), name="assessment_current_level"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id}/{self.campaign_id}: {self.level}"


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    WORKSITE = "worksite", _("At the worksite")
    HOME = "home", _("Home visit")
    VIDEO = "video", _("Video")
    TEXT = "text", _("Text message")
    EMAIL = "email", _("Email")


class Outcome(models.TextChoices):
    REACHED = "reached", _("Reached")
    NO_ANSWER = "no_answer", _("No answer")
    LEFT_MESSAGE = "left_message", _("Left message")
    BUSY = "busy", _("Busy")
    WRONG_NUMBER = "wrong_number", _("Wrong number")
    CALL_BACK = "call_back", _("Call back later")
    REFUSED = "refused", _("Refused")
    DO_NOT_CONTACT = "do_not_contact", _("Do not contact")


class Conversation(models.Model):
    """A 1-on-1 or an attempt at one."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="conversations")
    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, null=True, blank=True, related_name="conversations",
        verbose_name=_("campaign"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="conversations",
        verbose_name=_("by"),
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, default=Channel.PHONE)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    notes = models.TextField(_("notes"), blank=True)
    issues = models.ManyToManyField(Tag, blank=True, related_name="conversations", verbose_name=_("issues raised"))
    call_back_at = models.DateTimeField(_("call back at"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["member", "-occurred_at"], name="conversation_member_time"),
            models.Index(fields=["campaign", "-occurred_at"], name="conversation_campaign_time"),
            models.Index(fields=["user", "-occurred_at"], name="conversation_user_time"),
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} {self.occurred_at:%Y-%m-%d}"

    @property
    def was_reached(self) -> bool:
        return self.outcome == Outcome.REACHED
