"""Writes for the call desk: `lists` builds and runs call lists, `desk` is the mobilizer's call flow."""

from .desk import (
    RETRY_OUTCOMES,
    call_next_claim,
    call_release,
    call_submit,
    call_submit_and_claim_next,
    follow_up_close,
)
from .lists import (
    RefreshResult,
    call_list_assign,
    call_list_create,
    call_list_refresh,
    call_list_split_turfs,
    call_list_status_set,
    call_list_update,
    survey_question_add,
    survey_question_move,
    survey_question_remove,
    survey_question_restore,
    survey_question_update,
    turf_assign,
)

__all__ = [
    "RETRY_OUTCOMES", "RefreshResult", "call_list_assign", "call_list_create", "call_list_refresh",
    "call_list_split_turfs", "call_list_status_set", "call_list_update", "call_next_claim", "call_release",
    "call_submit", "call_submit_and_claim_next", "follow_up_close", "survey_question_add",
    "survey_question_move", "survey_question_remove", "survey_question_restore",
    "survey_question_update", "turf_assign",
]
