import functools
import hashlib
import logging
from urllib.parse import urlencode

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_form
from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.db.models.functions import Lower
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
    require_safe,
)

from core import ratelimit
from core.forms import PageForm, SearchForm
from core.public_cache import cached_for_visitors
from core.storage import serve_private_file
from core.versions import PROGRAM_DATA
from donations import services
from donations.forms import DecisionForm, DonorRequestForm, LinkRequestForm
from donations.models import (
    Donor,
    DonorAccessToken,
    DonorRequest,
    Message,
    Sponsorship,
    hash_token,
    needing_sponsor,
    with_paid_through,
)
from donations.rules import RuleError
from recipients.filters import RecipientFilter
from recipients.models import HandoverPhoto, Recipient

logger = logging.getLogger(__name__)

#: What a donor session holds: {"donor": donor id, "link": id of the DonorAccessToken used}.
DONOR_SESSION_KEY = "donor_session"


class NoDonorSession(Exception):
    """No donor is signed in, or the link they came in by was revoked or has expired."""


# --- the people waiting for a sponsor (public) -------------------------------------------

RECIPIENTS_PAGE_SIZE = 12


@require_GET
@cached_for_visitors
def recipient_list(request):
    """People who need a sponsor, longest-waiting first; public fields only."""
    queryset = needing_sponsor().only(*Recipient.PUBLIC_FIELDS)
    filters = RecipientFilter(request.GET, queryset=queryset)
    page = Paginator(filters.qs, RECIPIENTS_PAGE_SIZE).get_page(PageForm(request.GET).page_number())
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "recipients/list.html",
        {
            "filters": filters,
            "page": page,
            "query": query.urlencode(),
            "filtered": any(request.GET.get(name) for name in filters.form.fields),
        },
    )


@require_GET
@cached_for_visitors
def recipient_detail(request, pk):
    recipient = get_object_or_404(
        with_paid_through(Recipient.objects.public()).only(*Recipient.PUBLIC_FIELDS), pk=pk
    )
    needs_sponsor = needing_sponsor().filter(pk=pk).exists()
    return render(
        request,
        "recipients/detail.html",
        {"recipient": recipient, "needs_sponsor": needs_sponsor},
    )


# --- the donor's private pages ---------------------------------------------------------


def _valid_links():
    return DonorAccessToken.objects.valid().select_related("donor")


def get_donor_from_session(request) -> Donor:
    """The donor signed in to this session by their private link.

    The link is checked again on every request (one query), so staff revoking a donor's links,
    or the link expiring, ends an open session at once. Raises NoDonorSession otherwise;
    views wrapped in donor_session_required turn that into the "send me my link" page.
    """
    return get_donor_and_link_from_session(request)[0]


def get_donor_and_link_from_session(request) -> tuple[Donor, DonorAccessToken]:
    """get_donor_from_session, with the link the donor signed in with."""
    held = request.session.get(DONOR_SESSION_KEY)
    if not isinstance(held, dict):
        raise NoDonorSession
    link = _valid_links().filter(pk=held.get("link"), donor_id=held.get("donor")).first()
    if link is None:
        request.session.pop(DONOR_SESSION_KEY, None)
        raise NoDonorSession
    return link.donor, link


def donor_session_required(view):
    """Without a valid donor session, send the visitor to the form for a fresh link.

    Donor pages are never stored by a browser or proxy cache: they hold personal data (the
    private files set their own "private, no-store").
    """

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            response = view(request, *args, **kwargs)
        except NoDonorSession:
            messages.info(
                request,
                _(
                    "Your private page is opened with the link we emailed you. That link has "
                    "expired, was replaced, or this browser has not used it yet: enter your "
                    "email address and we will send you a fresh one."
                ),
            )
            response = redirect("donations:link")
        if not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response

    return wrapper


@require_safe
@never_cache
def enter(request, token):
    """A private link from an email: exchanged for a donor session, then forgotten.

    The browser is sent on to /donor/, an address without the token, so that the token does
    not stay in the history or reach another site as a referrer. Failed look-ups are rate
    limited per client address; with 192-bit tokens that makes guessing one hopeless.
    """
    # Only links that open nothing are counted: donors behind one shared address (a phone
    # carrier's) opening their own links do not use up each other's tries.
    refused = ratelimit.refuse_if_spent(request, "token")
    if refused:
        return _unlogged_path(refused)
    link = _valid_links().filter(token_hash=hash_token(token)).first()
    if link is None:
        ratelimit.count_failure(request, "token")
        context = {"form": LinkRequestForm(), "link_days": settings.DONOR_LINK_DAYS}
        response = render(request, "donations/link_invalid.html", context, status=404)
        return _unlogged_path(response)
    if request.method == "HEAD":
        # Mail scanners and link previews check links with HEAD: they get GET's answer, but
        # nobody is signed in by it.
        return redirect("donations:page")
    # A new session key, so that a key planted or seen before the link was opened (session
    # fixation) is worth nothing.
    request.session.cycle_key()
    request.session[DONOR_SESSION_KEY] = {"donor": link.donor_id, "link": link.pk}
    return redirect("donations:page")


def _unlogged_path(response):
    """Keep the token out of the log: django.request logs every 4xx answer with its path, and
    a link refused for the rate limit may be a good one."""
    logger.info("Private link refused (%s)", response.status_code)
    # Django's own mark for "already logged", which it sets itself once it has logged.
    response._has_been_logged = True
    return response


@require_POST
def leave(request):
    """The donor signs out (a shared computer, a phone lent to a friend)."""
    request.session.pop(DONOR_SESSION_KEY, None)
    request.session.cycle_key()
    messages.info(request, _("You have signed out of your private page."))
    # Not the home page: it may come from the page cache, which would not show the message.
    return redirect("donations:link")


def _sponsorships_for_page(donor):
    return (
        donor.sponsorships.select_related("recipient", "recipient__card")
        .prefetch_related(
            "payments__evidence",
            "payments__refunds",
            "recipient__situation_updates",
            "recipient__card__handovers__photos",
            Prefetch("requests"),
        )
        .order_by("-created_at")
    )


#: How long a donor's page is kept while nothing in the program changes (every committed change
#: makes it stale at once: see core.versions).
PAGE_CACHE_SECONDS = 10 * 60


def _page_cache_keys(request) -> tuple[str, str] | None:
    """Where this browser's copy of its donor's page is kept, and where the verdict on the link
    it signed in with is kept; None when the page must be built afresh.

    Both keys hold the data version: revoking a link, erasing a donor or any other change
    commits a new version, so neither a page nor a verdict outlives the data it came from. The
    page's key also holds today's date in Bali (the month strip and the standing change with
    it), the language, and this browser's session and CSRF cookie: the copy's forms carry a
    token made for that cookie, so no other browser or session is ever served it. A page with
    a flash message waiting is never kept.
    """
    held = request.session.get(DONOR_SESSION_KEY)
    csrf = request.COOKIES.get(settings.CSRF_COOKIE_NAME)
    session_key = request.session.session_key
    pending = "messages" in request.COOKIES or request.session.get("_messages")
    if not isinstance(held, dict) or not csrf or not session_key or pending:
        return None
    version = PROGRAM_DATA.current()
    browser = hashlib.sha256(f"{session_key}:{csrf}".encode()).hexdigest()[:32]
    page = ":".join(
        [
            "donor-page",
            str(version),
            timezone.localdate().isoformat(),
            get_language() or "",
            str(held.get("donor")),
            browser,
        ]
    )
    link = f"donor-link:{version}:{held.get('donor')}:{held.get('link')}"
    return page, link


def _link_still_valid(verdict) -> bool:
    """A verdict kept by private_page: ("valid", expiry or None). Expiry is a matter of time,
    not of data, so it is compared with the clock on every request."""
    if not (isinstance(verdict, tuple) and len(verdict) == 2 and verdict[0] == "valid"):
        return False
    expires_at = verdict[1]
    return expires_at is None or expires_at > timezone.now()


@require_GET
@donor_session_required
def private_page(request):
    """The donor's sponsorships, payments, cards and messages.

    Served from the shared cache when this browser has seen it since the last change: then the
    link it signed in with is checked from the cache too (see _page_cache_keys), and the page
    takes no query at all.
    """
    keys = _page_cache_keys(request)
    if keys is not None:
        page_key, link_key = keys
        kept = cache.get_many([page_key, link_key])
        if page_key in kept and _link_still_valid(kept.get(link_key)):
            return HttpResponse(kept[page_key])
    # Checks the link in the database: revoked, expired or erased ends the session here.
    donor, link = get_donor_and_link_from_session(request)
    response = _render_private_page(request, donor)
    if keys is not None and response.status_code == 200:
        cache.set_many(
            {page_key: response.content, link_key: ("valid", link.expires_at)},
            PAGE_CACHE_SECONDS,
        )
    return response


#: The month strip shows this many months; the page says how many earlier ones it leaves out.
STRIP_MONTHS = 18


def _render_private_page(request, donor):
    sponsorships = list(_sponsorships_for_page(donor))
    today = timezone.localdate()
    waiting_choices = None
    for sponsorship in sponsorships:
        every_month = sponsorship.month_strip(today, length=None)
        sponsorship.strip = every_month[-STRIP_MONTHS:]
        sponsorship.strip_earlier = len(every_month) - len(sponsorship.strip)
        if sponsorship.state == Sponsorship.State.AWAITING_DECISION:
            # Only the decision box while BCC waits for it, not the stop-or-change form too.
            sponsorship.decision_form = _decision_form(sponsorship, waiting_choices)
            waiting_choices = sponsorship.decision_form.fields["new_recipient"].widget.choices
            sponsorship.decision_sent = any(
                r.situation_update_id and r.status == DonorRequest.Status.OPEN
                for r in sponsorship.requests.all()
            )
        elif sponsorship.state in Sponsorship.HOLDING_STATES:
            form = _request_form(sponsorship, waiting_choices)
            waiting_choices = form.fields["new_recipient"].widget.choices
            sponsorship.request_form_fields = as_crispy_form(form)
        # Only what happened during this donor's own sponsorship, never a former sponsor's.
        card = getattr(sponsorship.recipient, "card", None)
        sponsorship.own_handovers = [
            h
            for h in (card.handovers.all() if card else [])
            if sponsorship.was_running_on(h.handed_over_on)
        ]
        sponsorship.own_updates = [
            u
            for u in sponsorship.recipient.situation_updates.all()
            if sponsorship.was_running_on(u.happened_on)
        ]
    return render(
        request,
        "donations/private.html",
        {
            "donor": donor,
            "sponsorships": sponsorships,
            "donor_messages": donor.messages.select_related("sponsorship__recipient")[:30],
            "waiting": needing_sponsor().only(*Recipient.PUBLIC_FIELDS)[:6],
        },
    )


def _request_form(sponsorship, waiting_choices=None):
    """The stop-or-change form under one sponsorship, its ids its own (a page may show several,
    and a label must check its own form's radio button)."""
    form = DonorRequestForm(auto_id=f"request-{sponsorship.pk}-%s")
    field = form.fields["new_recipient"]
    # The choice of people is read once for the whole page, not once per sponsorship.
    # iter(): list() of the choices themselves would first ask their length, a COUNT query.
    field.widget.choices = list(iter(field.choices)) if waiting_choices is None else waiting_choices
    return form


def _decision_form(sponsorship, waiting_choices):
    """The answer to a situation update (templates/donations/includes/decision_update.html),
    choosing from the same people as the request form."""
    form = DecisionForm(auto_id=f"decision-{sponsorship.pk}-%s")
    field = form.fields["new_recipient"]
    field.widget.choices = list(iter(field.choices)) if waiting_choices is None else waiting_choices
    return form


@require_http_methods(["GET", "POST"])
def link_request(request):
    """ "Send me my link": the same answer whether the email is known or not.

    Limited per client address and email given (donors behind one shared carrier address are
    counted apart), more loosely per client address, and per email address from any client
    (whether known or not, so the limit reveals nothing either), so the form cannot be used to
    flood someone's inbox.
    """
    if request.method == "POST":
        given = request.POST.get("email", "").strip().lower()
        refused = ratelimit.refuse_if_over(
            request, "link", ident=ratelimit.per_address_and(request, given)
        ) or ratelimit.refuse_if_over(request, "link_address")
        if refused:
            return refused
    form = LinkRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        refused = ratelimit.refuse_if_over(request, "link_email", ident=email.strip().lower())
        if refused:
            return refused
        # At most one link email per donor and hour, however often the form is sent.
        Message.queue_links_for(email, period=timezone.now().strftime("%Y%m%d%H"))
        return render(request, "donations/link_sent.html", {"email": email})
    return render(
        request,
        "donations/link_request.html",
        {"form": form, "signed_in": _signed_in(request)},
    )


def _signed_in(request) -> bool:
    if DONOR_SESSION_KEY not in request.session:
        return False
    try:
        return bool(get_donor_from_session(request))
    except NoDonorSession:
        return False


@require_POST
@donor_session_required
def donor_request(request, sponsorship_id):
    """The donor asks to stop, or to change to another recipient; staff see it in their queue."""
    donor = get_donor_from_session(request)
    sponsorship = get_object_or_404(
        donor.sponsorships.filter(state__in=Sponsorship.HOLDING_STATES), pk=sponsorship_id
    )
    form = DonorRequestForm(request.POST)
    if form.is_valid():
        # Sent twice (a double click), it is still one request: the first.
        try:
            services.ask(
                sponsorship,
                form.cleaned_data["kind"],
                new_recipient=form.cleaned_data.get("new_recipient"),
                message=form.cleaned_data["message"],
            )
        except RuleError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Your request was sent to BCC. We will reply soon."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("donations:page")


@require_GET
@donor_session_required
def statement(request):
    """A printable statement of what the donor paid, year by year, per recipient."""
    donor = get_donor_from_session(request)
    rows = donor.paid_by_year()
    return render(
        request,
        "donations/statement.html",
        {"donor": donor, "rows": rows, "total": sum(r["amount"] for r in rows)},
    )


@require_GET
@donor_session_required
def handover_photo(request, photo_id, thumbnail=False):
    """A handover photo (web size, or its thumbnail) for a donor who sponsored the recipient."""
    donor = get_donor_from_session(request)
    photo = get_object_or_404(HandoverPhoto.objects.select_related("handover__card"), pk=photo_id)
    # The rule of the private page, one function for both: a handover made while one of the
    # donor's own sponsorships of this person ran (never a former or a later sponsor's).
    own = Sponsorship.objects.filter(donor=donor, recipient_id=photo.handover.card.recipient_id)
    if not any(s.was_running_on(photo.handover.handed_over_on) for s in own):
        raise Http404
    image = photo.small_image if thumbnail else photo.image
    return serve_private_file(image, filename=f"handover-{photo.pk}")


DONORS_PAGE_SIZE = 50


@require_GET
@cached_for_visitors
def donor_list(request):
    """The active donors who agreed to be named, alphabetical; the others are counted."""
    today = timezone.localdate()
    search = SearchForm(request.GET)
    query = search.query()
    listed = (
        Donor.objects.for_public_display(today)
        .with_public_figures(today)
        .only("display_name", "full_name")
        .order_by(Lower("display_name"), "id")
    )
    if query:
        listed = listed.filter(display_name__icontains=query)
    page = Paginator(listed, DONORS_PAGE_SIZE).get_page(search.page_number())
    counts = Donor.objects.seen_by_staff_active_on(today).aggregate(
        named=Count("pk", filter=Q(listed_publicly=True)),
        anonymous=Count("pk", filter=Q(listed_publicly=False)),
    )
    return render(
        request,
        "donations/donor_list.html",
        {
            "page": page,
            "q": query,
            "query": urlencode({"q": query}) if query else "",
            "search_errors": search.errors.get("q"),
            **counts,
        },
    )
