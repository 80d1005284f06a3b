"""HTML page of an event."""

from django.shortcuts import get_object_or_404, render

from studygroups.views import detail_map_data

from .models import Event


def event_detail(request, pk):
    event = get_object_or_404(Event.objects.select_related("venue", "study_group"), pk=pk)
    return render(
        request,
        "meetups/event_detail.html",
        {
            "event": event,
            "going_count": event.rsvps.filter(status="yes").count(),
            "share_url": request.build_absolute_uri(event.get_absolute_url()),
            "map_data": detail_map_data(event.location, event.title),
        },
    )
