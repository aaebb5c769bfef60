"""Writes to members and their contact points. Every change leaves an audit row."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from organizing.audit import audit_record, model_diff

from .models import Email, Member, Phone
from .phones import normalize_phone

DO_NOT_CONTACT_FIELDS = ("do_not_phone", "do_not_text", "do_not_email", "do_not_visit")


@transaction.atomic
def member_create(*, actor, data: dict[str, Any], tags=None) -> Member:
    """Create a member from validated field data."""
    member = Member(**data)
    member.full_clean()
    member.save()
    if tags:
        member.tags.set(tags)
    audit_record(actor=actor, verb="member.create", obj=member, changes={k: (None, v) for k, v in data.items()})
    return member


@transaction.atomic
def member_update(*, actor, member: Member, data: dict[str, Any], tags=None) -> Member:
    """Change the given fields of a member; saves only what changed and audits it."""
    changes = model_diff(member, data)
    if tags is not None:
        before = sorted(member.tags.values_list("name", flat=True))
        after = sorted(t.name for t in tags)
        if before != after:
            member.tags.set(tags)
            changes["tags"] = (before, after)
    for field, (_before, after) in changes.items():
        if field != "tags":
            setattr(member, field, after)
    field_names = [f for f in changes if f != "tags"]
    if field_names:
        member.full_clean(validate_unique=False)
        member.save(update_fields=field_names + ["updated_at"])
    if changes:
        audit_record(actor=actor, verb="member.update", obj=member, changes=changes)
    return member


@transaction.atomic
def member_set_do_not_contact(*, actor, member: Member, channels: tuple[str, ...] = DO_NOT_CONTACT_FIELDS) -> Member:
    """Set do-not-contact flags. Nothing in the product clears them except an explicit edit."""
    return member_update(actor=actor, member=member, data={f: True for f in channels})


@transaction.atomic
def phone_add(*, actor, member: Member, raw: str, kind: str = "mobile", is_primary: bool = False) -> Phone:
    """Add a phone typed in any format; raises ValidationError if it cannot be parsed."""
    number = normalize_phone(raw)
    if number is None:
        raise ValidationError({"number": _("This is not a phone number we can dial: %(raw)s") % {"raw": raw}})
    phone, created = Phone.objects.get_or_create(
        member=member, number=number, defaults={"kind": kind, "is_primary": is_primary}
    )
    if created and is_primary:
        member.phones.exclude(pk=phone.pk).update(is_primary=False)
    if created:
        audit_record(actor=actor, verb="phone.add", obj=member, changes={"phone": (None, number)})
    return phone


@transaction.atomic
def phone_mark_wrong(*, actor, phone: Phone) -> Phone:
    """Mark a number as wrong so it is never offered again."""
    if phone.status != Phone.Status.WRONG_NUMBER:
        before = phone.status
        phone.status = Phone.Status.WRONG_NUMBER
        phone.status_changed_at = timezone.now()
        phone.save(update_fields=["status", "status_changed_at"])
        audit_record(
            actor=actor, verb="phone.wrong_number", obj=phone.member,
            changes={"phone_status": (before, phone.status), "phone": phone.number},
        )
    return phone


@transaction.atomic
def email_add(*, actor, member: Member, address: str, kind: str = "personal", is_primary: bool = False) -> Email:
    """Add an email address (lower-cased); raises ValidationError if it is not valid."""
    address = (address or "").strip().lower()
    email = Email(member=member, address=address, kind=kind, is_primary=is_primary)
    email.full_clean(exclude=["member"], validate_unique=False)
    email, created = Email.objects.get_or_create(
        member=member, address=address, defaults={"kind": kind, "is_primary": is_primary}
    )
    if created and is_primary:
        member.emails.exclude(pk=email.pk).update(is_primary=False)
    if created:
        audit_record(actor=actor, verb="email.add", obj=member, changes={"email": (None, address)})
    return email


@transaction.atomic
def member_edit(
    *, actor, member: Member, data: dict[str, Any], tags=None,
    phone: dict[str, Any] | None = None, email: dict[str, Any] | None = None,
) -> Member:
    """The profile's edit form: update fields and add a phone and an email, all or nothing."""
    member_update(actor=actor, member=member, data=data, tags=tags)
    if phone:
        phone_add(actor=actor, member=member, **phone)
    if email:
        email_add(actor=actor, member=member, **email)
    return member
