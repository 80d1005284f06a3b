from django.urls import path

from . import api

api_urlpatterns = [
    path("events/", api.EventListView.as_view(), name="event-list"),
    path("events/<int:pk>/", api.EventDetailView.as_view(), name="event-detail"),
    path("venues/", api.VenueListView.as_view(), name="venue-list"),
    path("venues/<int:pk>/", api.VenueDetailView.as_view(), name="venue-detail"),
]

# HTML pages and form posts of events (RSVP).
page_urlpatterns = []
