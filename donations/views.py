from django.http import Http404
from django.shortcuts import render

from donations.models import Donor


def _get_donor(token):
    donor = Donor.objects.by_token(token)
    if donor is None:
        raise Http404
    return donor


def private_page(request, token):
    donor = _get_donor(token)
    return render(request, "donations/private.html", {"donor": donor, "token": token})
