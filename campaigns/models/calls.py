"""The call desk: call lists, their queue of members, survey questions, calls and follow-ups."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from members.models import Department, Member, Worksite

from .core import Campaign, Conversation, Outcome


def _in_french() -> bool:
    return (get_language() or "en").startswith("fr")


class CallList(models.Model):
    """A list of members to phone for a campaign, built from a saved member filter."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        PAUSED = "paused", _("Paused")
        CLOSED = "closed", _("Closed")

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="call_lists", verbose_name=_("campaign")
    )
    name = models.CharField(_("name"), max_length=150)
    # The directory's filter parameters plus the call-list ones (see calls.selectors.FILTER_KEYS).
    filters = models.JSONField(_("filter"), default=dict, blank=True)
    script_en = models.TextField(_("script (English)"), blank=True)
    script_fr = models.TextField(_("script (French)"), blank=True)
    match_language = models.BooleanField(
        _("French-speaking members go only to French-speaking mobilizers"), default=False
    )
    claim_minutes = models.PositiveSmallIntegerField(_("claim expires after (minutes)"), default=15)
    cooldown_hours = models.PositiveSmallIntegerField(_("retry no answer after (hours)"), default=24)
    max_attempts = models.PositiveSmallIntegerField(_("maximum attempts"), default=3)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    mobilizers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="call_lists", verbose_name=_("mobilizers")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    refreshed_at = models.DateTimeField(_("refreshed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("call list")
        verbose_name_plural = _("call lists")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name

    def script_for(self, language: str) -> str:
        """The script in the member's language, falling back to the other one."""
        if language == "fr":
            return self.script_fr or self.script_en
        return self.script_en or self.script_fr

    @property
    def claim_duration(self) -> timedelta:
        return timedelta(minutes=self.claim_minutes)

    @property
    def cooldown(self) -> timedelta:
        return timedelta(hours=self.cooldown_hours)


class Turf(models.Model):
    """A part of a call list (a worksite, a department, or an even share) given to some mobilizers."""

    call_list = models.ForeignKey(CallList, on_delete=models.CASCADE, related_name="turfs")
    name = models.CharField(_("name"), max_length=150)
    worksite = models.ForeignKey(Worksite, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    department = models.ForeignKey(
        Department, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    mobilizers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="call_turfs", verbose_name=_("mobilizers")
    )

    class Meta:
        verbose_name = _("turf")
        verbose_name_plural = _("turfs")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class CallListEntry(models.Model):
    """One member's place in a call list's queue."""

    class State(models.TextChoices):
        QUEUED = "queued", _("In the queue")
        CLAIMED = "claimed", _("Being called")
        DONE = "done", _("Done")
        REMOVED = "removed", _("Removed")

    call_list = models.ForeignKey(CallList, on_delete=models.CASCADE, related_name="entries")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="call_entries")
    turf = models.ForeignKey(Turf, on_delete=models.SET_NULL, null=True, blank=True, related_name="entries")
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_expires_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # Not before this time (a call-back or the end of a cool-down); null = as soon as possible.
    next_call_at = models.DateTimeField(_("next call"), null=True, blank=True)
    last_outcome = models.CharField(_("last outcome"), max_length=20, choices=Outcome.choices, blank=True)
    last_called_at = models.DateTimeField(null=True, blank=True)
    added_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("call list entry")
        verbose_name_plural = _("call list entries")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["call_list", "member"], name="one_entry_per_member_and_list"),
        ]
        indexes = [
            # The claim query scans the open part of one list in queue order.
            models.Index(
                fields=["call_list", "next_call_at", "id"],
                condition=Q(state__in=["queued", "claimed"]),
                name="call_entry_queue",
            ),
            # Fresh members in id order: ORDER BY id LIMIT 1 reads this index without a sort,
            # even when a list was just filled and the planner has no statistics yet.
            models.Index(
                fields=["call_list", "id"],
                condition=Q(state__in=["queued", "claimed"], next_call_at__isnull=True),
                name="call_entry_fresh",
            ),
            models.Index(fields=["member", "state"], name="call_entry_member_state"),
            # A mobilizer's live claim on a list, looked up first by every claim: only the
            # entries being called right now, where the claimed_by index holds every entry
            # they ever called.
            models.Index(fields=["claimed_by", "call_list"], condition=Q(state="claimed"), name="call_entry_live_claim"),
        ]

    def __str__(self) -> str:
        return f"{self.call_list_id}/{self.member_id}: {self.state}"

    @property
    def claim_is_live(self) -> bool:
        return (
            self.state == self.State.CLAIMED
            and self.claim_expires_at is not None
            and self.claim_expires_at > timezone.now()
        )


class SurveyQuestionQuerySet(models.QuerySet):
    def asked(self):
        return self.filter(retired_at__isnull=True)


class AskedQuestionManager(models.Manager.from_queryset(SurveyQuestionQuerySet)):
    """Only the questions still asked: what `call_list.questions` and every call screen read."""

    def get_queryset(self):
        return super().get_queryset().asked()


class SurveyQuestion(models.Model):
    """A custom question asked on a call list, beside the 1–5 assessment.

    A question that has answers is retired rather than deleted (see docs/decisions.md):
    `objects` and `call_list.questions` leave it out, `all_objects` keeps it, and its
    answers still reach it through the base manager.
    """

    class Kind(models.TextChoices):
        YES_NO = "yes_no", _("Yes or no")
        CHOICE = "choice", _("One choice")
        TEXT = "text", _("Free text")

    class MapsTo(models.TextChoices):
        NOTHING = "", _("Nothing")
        PORTAL_SIGNUP = "portal_signup", _("Member portal sign-up")
        EMAIL = "email", _("Email address")

    call_list = models.ForeignKey(CallList, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.YES_NO)
    label_en = models.CharField(_("question (English)"), max_length=250)
    label_fr = models.CharField(_("question (French)"), max_length=250, blank=True)
    # One choice a line, in English and in French (same order).
    choices_en = models.TextField(_("choices (English)"), blank=True)
    choices_fr = models.TextField(_("choices (French)"), blank=True)
    maps_to = models.CharField(
        _("updates the member's"), max_length=20, choices=MapsTo.choices, default="", blank=True
    )
    # Set when a question with answers is removed: no longer asked, its answers kept.
    retired_at = models.DateTimeField(_("retired"), null=True, blank=True)

    objects = AskedQuestionManager()
    all_objects = models.Manager.from_queryset(SurveyQuestionQuerySet)()

    class Meta:
        verbose_name = _("survey question")
        verbose_name_plural = _("survey questions")
        ordering = ["position", "id"]
        base_manager_name = "all_objects"

    def __str__(self) -> str:
        return self.label_en

    @property
    def label(self) -> str:
        return (self.label_fr or self.label_en) if _in_french() else self.label_en

    @property
    def choice_values(self) -> list[str]:
        return [c.strip() for c in self.choices_en.splitlines() if c.strip()]

    @property
    def choice_pairs(self) -> list[tuple[str, str]]:
        """(stored value, label in the interface language)."""
        values = self.choice_values
        french = [c.strip() for c in self.choices_fr.splitlines() if c.strip()]
        if _in_french() and len(french) == len(values):
            return list(zip(values, french, strict=True))
        return [(v, v) for v in values]

    def answer_label(self, value: str) -> str:
        """A stored answer as the interface language shows it."""
        if self.kind == self.Kind.YES_NO:
            return {"yes": _("Yes"), "no": _("No")}.get(value, value)
        if self.kind == self.Kind.CHOICE:
            return dict(self.choice_pairs).get(value, value)
        return value


class Call(models.Model):
    """One call made from a call list: who called whom, when, and how it went."""

    call_list = models.ForeignKey(CallList, on_delete=models.CASCADE, related_name="calls")
    entry = models.ForeignKey(CallListEntry, on_delete=models.CASCADE, related_name="calls")
    conversation = models.OneToOneField(Conversation, on_delete=models.CASCADE, related_name="call")
    mobilizer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="calls_made"
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    claimed_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["call_list", "mobilizer", "submitted_at"], name="call_list_mobilizer_time"),
            models.Index(fields=["mobilizer", "submitted_at"], name="call_mobilizer_time"),
        ]

    def __str__(self) -> str:
        return f"{self.call_list_id}/{self.entry_id}: {self.outcome}"


class SurveyAnswer(models.Model):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(SurveyQuestion, on_delete=models.CASCADE, related_name="answers")
    value = models.TextField(_("answer"))

    class Meta:
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")
        constraints = [
            models.UniqueConstraint(fields=["conversation", "question"], name="one_answer_per_question")
        ]

    def __str__(self) -> str:
        return self.value

    @property
    def label(self) -> str:
        return self.question.answer_label(self.value)


class FollowUpQuerySet(models.QuerySet):
    def open(self):
        return self.filter(closed_at__isnull=True)


class FollowUp(models.Model):
    """A next step promised on a call, for a mobilizer, an organizer or both."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="follow_ups")
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, null=True, blank=True, related_name="follow_ups"
    )
    call_list = models.ForeignKey(
        CallList, on_delete=models.SET_NULL, null=True, blank=True, related_name="follow_ups"
    )
    conversation = models.ForeignKey(
        Conversation, on_delete=models.SET_NULL, null=True, blank=True, related_name="follow_ups"
    )
    due_date = models.DateField(_("due"), null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="follow_ups", verbose_name=_("assigned to"),
    )
    note = models.TextField(_("note"), blank=True)
    organizer_action_needed = models.BooleanField(_("organizer action needed"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closing_note = models.TextField(_("closing note"), blank=True)

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["due_date", "id"]
        indexes = [
            models.Index(fields=["assignee", "due_date"], condition=Q(closed_at__isnull=True), name="followup_open_assignee"),
            models.Index(fields=["member", "closed_at"], name="followup_member"),
        ]

    def __str__(self) -> str:
        return self.note[:50] or str(self.due_date or "")

    @property
    def is_overdue(self) -> bool:
        return self.closed_at is None and self.due_date is not None and self.due_date < timezone.localdate()
