from .calls import Call, CallList, CallListEntry, FollowUp, SurveyAnswer, SurveyQuestion, Turf
from .core import (
    Assessment,
    AssessmentLevel,
    Campaign,
    CampaignGoal,
    Channel,
    Conversation,
    Outcome,
)

__all__ = [
    "Call",
    "CallList",
    "CallListEntry",
    "FollowUp",
    "SurveyAnswer",
    "SurveyQuestion",
    "Turf",
    "Assessment",
    "AssessmentLevel",
    "Campaign",
    "CampaignGoal",
    "Channel",
    "Conversation",
    "Outcome",
]
