"""Signals other apps connect to, so organizing never imports them."""

from django.dispatch import Signal

# Sent inside the accepting transaction with `invitation` and `user`:
# campaigns.team applies the invitation's scope (locals, worksites, campaigns).
invitation_accepted = Signal()
