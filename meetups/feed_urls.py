"""iCalendar (RFC 5545) feeds."""

from django.urls import path

from . import feeds

urlpatterns = [
    path("events/<int:pk>.ics", feeds.event_ics, name="event-ics"),
    path("groups/<slug:slug>.ics", feeds.group_ics, name="group-ics"),
    path("me/<str:token>.ics", feeds.personal_ics, name="personal-ics"),
    path("me/", feeds.my_calendar, name="my-calendar"),
    path("me/regenerate/", feeds.regenerate_token, name="regenerate-calendar-token"),
]
