"""Campaign list and detail."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from ..models import Campaign
from ..selectors import (
    assessment_levels,
    campaign_get_visible,
    campaign_level_counts,
    campaign_recent_conversations,
    campaigns_visible_to,
)


@login_required
def campaign_list(request):
    campaigns = campaigns_visible_to(request.user).order_by("-start_date", "name")
    return render(request, "campaigns/campaign_list.html", {"campaigns": campaigns})


@login_required
def campaign_detail(request, campaign_id: int):
    try:
        campaign = campaign_get_visible(user=request.user, campaign_id=campaign_id)
    except Campaign.DoesNotExist:
        raise Http404 from None
    counts = campaign_level_counts(user=request.user, campaign=campaign)
    levels = {level.value: level for level in assessment_levels()}
    total = sum(counts.values())
    assessment_rows = [
        {
            "value": value, "level": levels.get(value), "count": n,
            "percent": round(100 * n / total) if total else 0,
        }
        for value, n in counts.items()
    ]
    # Not assessed last: the scale reads 1 (leader) to 5, then who is left to reach.
    assessment_rows.sort(key=lambda row: row["value"] or 99)
    return render(request, "campaigns/campaign_detail.html", {
        "campaign": campaign,
        "goals": list(campaign.goal_targets.all()),
        "locals": list(campaign.locals.all()),
        "units": list(campaign.bargaining_units.select_related("employer")),
        "worksites": list(campaign.worksites.select_related("employer")),
        "team": list(campaign.team.all()),
        "owners": list(campaign.owners.all()),
        "assessment_rows": assessment_rows,
        "assessment_total": total,
        "recent_conversations": campaign_recent_conversations(user=request.user, campaign=campaign),
    })
