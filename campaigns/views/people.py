from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from members.models import Member, Worksite
from members.selectors import member_get_visible, members_visible_to, worksites_visible_to

from ..models import Campaign
from ..selectors import campaign_get_visible, campaigns_visible_to


@login_required
def directory(request):
    members = members_visible_to(request.user).with_structure()[:50]
    return render(request, "campaigns/directory.html", {"members": members})


@login_required
def member_detail(request, member_id: int):
    try:
        member = member_get_visible(user=request.user, member_id=member_id)
    except Member.DoesNotExist:
        raise Http404 from None
    return render(request, "campaigns/member_detail.html", {"member": member})


@login_required
def worksite_list(request):
    return render(request, "campaigns/worksite_list.html", {"worksites": worksites_visible_to(request.user)})


@login_required
def worksite_detail(request, worksite_id: int):
    try:
        worksite = worksites_visible_to(request.user).get(pk=worksite_id)
    except Worksite.DoesNotExist:
        raise Http404 from None
    return render(request, "campaigns/worksite_detail.html", {"worksite": worksite})


@login_required
def campaign_list(request):
    return render(request, "campaigns/campaign_list.html", {"campaigns": campaigns_visible_to(request.user)})


@login_required
def campaign_detail(request, campaign_id: int):
    try:
        campaign = campaign_get_visible(user=request.user, campaign_id=campaign_id)
    except Campaign.DoesNotExist:
        raise Http404 from None
    return render(request, "campaigns/campaign_detail.html", {"campaign": campaign})
