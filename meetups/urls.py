from django.urls import path

from . import api, finder_views, rsvp_api, views

api_urlpatterns = [
    path("events/", api.EventListView.as_view(), name="event-list"),
    path("events/<int:pk>/", api.EventDetailView.as_view(), name="event-detail"),
    path("venues/", api.VenueListView.as_view(), name="venue-list"),
    path("venues/<int:pk>/", api.VenueDetailView.as_view(), name="venue-detail"),
    path("events/<int:pk>/rsvp/", rsvp_api.EventRSVPView.as_view(), name="event-rsvp"),
]

# HTML pages and form posts of events and venues: organizers' forms and RSVP.
page_urlpatterns = [
    path("events/", finder_views.events_page, name="events-page"),
    path("events/new/", views.event_create_view, name="event-new"),
    path("events/<int:pk>/edit/", views.event_edit_view, name="event-edit"),
    path("events/<int:pk>/cancel/", views.event_cancel_view, name="event-cancel"),
    path("events/<int:pk>/rsvp/", views.rsvp, name="event-rsvp-page"),
    path("venues/new/", views.venue_create_view, name="venue-new"),
    path("venues/<int:pk>/", views.venue_detail, name="venue-page"),
    path("venues/<int:pk>/edit/", views.venue_edit_view, name="venue-edit"),
    path("venues/<int:pk>/delete/", views.venue_delete_view, name="venue-delete"),
]
