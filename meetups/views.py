"""HTML pages of events: the event, its RSVP form post, and organizers' forms."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from places.widgets import map_widgets_with_nonce
from studygroups.models import StudyGroup
from studygroups.people import event_people_access, first_of
from studygroups.permissions import is_moderator, manages, organizes
from studygroups.views import detail_map_data

from .calendar_links import calendar_links
from .forms import EventCancelForm, EventForm, VenueForm, move_unknown_errors
from .models import RSVP, Event, Venue
from .series import Scope, event_series_cancel, event_series_update, series_occurrences
from .services import (
    event_cancellation_recipients,
    event_series_create,
    rsvp_answer,
    rsvp_counts,
    rsvp_refusal,
    rsvp_waitlist_position,
    venue_create,
    venue_delete,
    venue_update,
)


def login_url(next_url):
    """The login page, coming back to ``next_url``. The admin's login page
    until the site has a page named "login"."""
    try:
        url = reverse("login")
    except NoReverseMatch:
        url = "/admin/login/"
    return f"{url}?{urlencode({'next': next_url})}"


def event_timing(event, now=None):
    """"upcoming", "ongoing" or "ended": where ``event`` stands now."""
    now = now or timezone.now()
    if event.during.upper <= now:
        return "ended"
    return "ongoing" if event.during.lower <= now else "upcoming"


def event_detail(request, pk):
    event = get_object_or_404(Event.objects.select_related("venue", "study_group"), pk=pk)
    # A hidden event (studygroups.moderation) is not found, but by those who manage it.
    if event.hidden and not manages(request.user, event.study_group):
        raise Http404
    counts = rsvp_counts(event)
    my_rsvp = refusal = None
    may_withdraw = False
    if request.user.is_authenticated:
        my_rsvp = RSVP.objects.filter(event=event, user=request.user).first()
        refusal = rsvp_refusal(user=request.user, event=event)
        # Suspended or banned, someone going may still give their seat back.
        may_withdraw = bool(
            refusal
            and my_rsvp
            and my_rsvp.status in (RSVP.Status.YES, RSVP.Status.WAITLIST)
            and not rsvp_refusal(user=request.user, event=event, going=False)
        )
    share_url = request.build_absolute_uri(event.get_absolute_url())
    # Who is going, to the others going and the group's members; the waitlist,
    # to organizers (studygroups/people.py).
    access = event_people_access(request.user, event)
    going = more_going = waitlist = more_waiting = None
    if access.going:
        going, more_going = first_of(
            event.rsvps.going().listed(with_hidden=access.hidden).in_list_order()
        )
    if access.waitlist:
        waitlist, more_waiting = first_of(event.rsvps.waitlisted().in_list_order())
    return render(
        request,
        "meetups/event_detail.html",
        {
            "event": event,
            "timing": event_timing(event),
            "going_count": counts["going"],
            "waitlist_count": counts["waitlist"],
            "going": going,
            "more_going": more_going,
            "waitlist": waitlist,
            "more_waiting": more_waiting,
            "show_hidden": access.hidden,
            "my_rsvp": my_rsvp,
            "waitlist_position": rsvp_waitlist_position(my_rsvp),
            "rsvp_refusal": refusal.messages[0] if refusal else "",
            "may_withdraw": may_withdraw,
            "login_url": login_url(event.get_absolute_url()),
            "can_manage": request.user.is_authenticated
            and (is_moderator(request.user) or organizes(request.user, event.study_group)),
            "share_url": share_url,
            "calendar_links": calendar_links(event, share_url),
            "map_data": detail_map_data(event.location, event.title),
        },
    )


@require_POST
def rsvp(request, pk):
    """Answer the event from its page's buttons (``going`` is "yes" or "no"),
    then go back to the page, which shows the outcome as a message."""
    event = get_object_or_404(Event, pk=pk)
    if not request.user.is_authenticated:
        return redirect(login_url(event.get_absolute_url()))
    going = {"yes": True, "no": False}.get(request.POST.get("going"))
    if going is None:
        return HttpResponseBadRequest(_('Answer "yes" or "no".'))
    try:
        answer = rsvp_answer(user=request.user, event=event, going=going)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        if answer.status == RSVP.Status.YES:
            messages.success(request, _("You are going. See you there!"))
        elif answer.status == RSVP.Status.WAITLIST:
            messages.info(
                request,
                _("The event is full: you are number %(position)d on the waitlist.")
                % {"position": rsvp_waitlist_position(answer)},
            )
        else:
            messages.success(request, _("You are not going."))
    return redirect(event)


def _add_refusal(form, exc):
    """A service's refusal on the form: a double booking on the venue, the
    rest on the fields they name."""
    codes = {error.code for error in getattr(exc, "error_list", [])}
    if "event_venue_not_double_booked" in codes:
        form.add_error("venue", exc)
    else:
        move_unknown_errors(form, exc)


def group_from_query(request):
    """The study group whose slug is ``?group=``, or None (also for a slug that
    no group could have, such as one with a NUL, which PostgreSQL refuses)."""
    slug = request.GET.get("group") or ""
    if not slug or "\x00" in slug:
        return None
    return StudyGroup.objects.filter(slug=slug).first()


@login_required
def event_create_view(request):
    """Organizers create an event, or a weekly or monthly series of them."""
    group = group_from_query(request)
    form = EventForm(request.POST or None, user=request.user, initial={"study_group": group})
    map_widgets_with_nonce(form, request)
    if request.method == "POST" and form.is_valid():
        data = form.event_fields()
        if not (is_moderator(request.user) or organizes(request.user, data["study_group"])):
            raise PermissionDenied
        repeat = form.cleaned_data["repeat"]
        try:
            events = event_series_create(
                frequency=repeat or "weekly",
                occurrences=form.cleaned_data["occurrences"] if repeat else 1,
                **data,
            )
        except ValidationError as exc:
            _add_refusal(form, exc)
        else:
            messages.success(
                request,
                ngettext("%(count)s event created.", "%(count)s events created.", len(events))
                % {"count": len(events)},
            )
            return redirect(events[0])
    return render(request, "meetups/event_form.html", {"form": form, "event": None})


@login_required
def event_edit_view(request, pk):
    """An organizer changes one event, or for an occurrence of a series, this
    and the following ones or all of them (meetups.series)."""
    event = get_object_or_404(Event, pk=pk)
    if not (is_moderator(request.user) or organizes(request.user, event.study_group)):
        raise PermissionDenied
    form = EventForm(request.POST or None, instance=event, user=request.user)
    map_widgets_with_nonce(form, request)
    if request.method == "POST" and form.is_valid():
        try:
            event_series_update(
                Event.objects.get(pk=pk),
                scope=form.chosen_scope(),
                actor=request.user,
                **form.event_fields(),
            )
        except ValidationError as exc:
            _add_refusal(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(event)
    return render(request, "meetups/event_form.html", {"form": form, "event": event})


def venue_detail(request, pk):
    """A venue's page: where it is, its group, and the events coming up there."""
    venue = get_object_or_404(Venue.objects.select_related("study_group"), pk=pk)
    return render(
        request,
        "meetups/venue_detail.html",
        {
            "venue": venue,
            "events": list(
                Event.objects.visible()
                .upcoming()
                .filter(venue=venue)
                .select_related("study_group")[:VENUE_EVENTS_SHOWN]
            ),
            "can_manage": manages(request.user, venue.study_group),
            "share_url": request.build_absolute_uri(venue.get_absolute_url()),
            "map_data": detail_map_data(venue.location, venue.name),
        },
    )


# A venue's page lists this many upcoming events; its delete page, this many of any.
VENUE_EVENTS_SHOWN = 20


def _managed_venue(request, pk):
    # Organizers of the venue's group, and moderators (who alone manage shared venues).
    venue = get_object_or_404(Venue.objects.select_related("study_group"), pk=pk)
    if not manages(request.user, venue.study_group):
        raise PermissionDenied(_("Only the organizers of this venue's group may change it."))
    return venue


@login_required
def event_cancel_view(request, pk):
    """An organizer cancels an event: GET says what will happen and to how
    many people; POST (with an optional reason) cancels it and emails them."""
    event = get_object_or_404(Event.objects.select_related("study_group", "venue"), pk=pk)
    if not manages(request.user, event.study_group_id):
        raise PermissionDenied
    form = EventCancelForm(request.POST or None, event=event)
    if request.method == "POST" and form.is_valid():
        if event.status == Event.Status.CANCELLED:
            messages.info(request, _("This event was already cancelled."))
            return redirect(event)
        scope = form.chosen_scope()
        notified = event_series_cancel(
            event, scope=scope, reason=form.cleaned_data["reason"], actor=request.user
        )
        if scope != Scope.THIS:
            text = ngettext(
                "Events cancelled. %(count)s person going or waitlisted was emailed once.",
                "Events cancelled. %(count)s people going or waitlisted were emailed, "
                "once each.",
                notified,
            ) % {"count": notified}
        elif notified:
            text = ngettext(
                "Event cancelled. %(count)s person going or waitlisted was emailed.",
                "Event cancelled. %(count)s people going or waitlisted were emailed.",
                notified,
            ) % {"count": notified}
        else:
            text = _("Event cancelled. Nobody going or waitlisted had to be told.")
        messages.success(request, text)
        return redirect(event)
    return render(
        request,
        "meetups/event_cancel.html",
        {
            "event": event,
            "form": form,
            "recipient_count": event_cancellation_recipients(event).count(),
            "timing": event_timing(event),
            "series_dates": {
                scope: len(series_occurrences(event, scope))
                for scope in (Scope.FOLLOWING, Scope.ALL)
            }
            if event.series
            else {},
        },
    )


@login_required
def venue_create_view(request):
    """An organizer adds a venue for one of their groups (``?group=<slug>``
    preselects it), then sees the venue's page."""
    group = group_from_query(request)
    initial = {"study_group": group} if group and manages(request.user, group) else {}
    form = VenueForm(request.POST or None, user=request.user, initial=initial)
    map_widgets_with_nonce(form, request)
    if request.method == "POST" and form.is_valid():
        try:
            venue = venue_create(**form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Venue added."))
            return redirect(venue)
    return render(request, "meetups/venue_form.html", {"form": form, "venue": None})


@login_required
def venue_edit_view(request, pk):
    """The venue's organizers (or a moderator) change it."""
    venue = _managed_venue(request, pk)
    form = VenueForm(request.POST or None, user=request.user, instance=venue)
    map_widgets_with_nonce(form, request)
    if request.method == "POST" and form.is_valid():
        try:
            venue_update(Venue.objects.get(pk=pk), **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(venue)
    return render(request, "meetups/venue_form.html", {"form": form, "venue": venue})


@login_required
def venue_delete_view(request, pk):
    """Confirm, then delete a venue. A venue where events are held cannot be
    deleted: the page says so and lists them (409 when it was asked to)."""
    venue = _managed_venue(request, pk)
    refusal = ""
    if request.method == "POST":
        try:
            venue_delete(venue)
        except ValidationError as exc:
            refusal = exc.messages[0]
        else:
            messages.success(request, _("Venue “%(venue)s” deleted.") % {"venue": venue.name})
            return redirect(venue.study_group or "home")
    # The upcoming events first, soonest first (those are the ones to move),
    # then the past ones, latest first.
    events = venue.events.select_related("study_group")
    now = timezone.now()
    upcoming = events.filter(during__endswith__gt=now).order_by("during")
    shown = list(upcoming[: VENUE_EVENTS_SHOWN + 1])
    if len(shown) <= VENUE_EVENTS_SHOWN:
        shown += events.exclude(during__endswith__gt=now).order_by("-during")[
            : VENUE_EVENTS_SHOWN + 1 - len(shown)
        ]
    return render(
        request,
        "meetups/venue_confirm_delete.html",
        {
            "venue": venue,
            "events": shown[:VENUE_EVENTS_SHOWN],
            "more_events": len(shown) > VENUE_EVENTS_SHOWN,
            "refusal": refusal,
        },
        status=409 if refusal else 200,
    )
