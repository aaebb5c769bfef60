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
    "Assessment",
    "AssessmentLevel",
    "Campaign",
    "CampaignGoal",
    "Channel",
    "Conversation",
    "Outcome",
]
