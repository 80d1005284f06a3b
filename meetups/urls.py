from django.urls import path

from . import api, finder_views, photo_api, photo_views, rsvp_api, views

api_urlpatterns = [
    path("events/", api.EventListView.as_view(), name="event-list"),
    path("events/<int:pk>/", api.EventDetailView.as_view(), name="event-detail"),
    path("venues/", api.VenueListView.as_view(), name="venue-list"),
    path("venues/<int:pk>/", api.VenueDetailView.as_view(), name="venue-detail"),
    path("events/<int:pk>/rsvp/", rsvp_api.EventRSVPView.as_view(), name="event-rsvp"),
    path("events/<int:pk>/photos/", photo_api.EventPhotoListView.as_view(), name="event-photos"),
    path(
        "events/<int:pk>/photos/<int:photo_pk>/",
        photo_api.EventPhotoDetailView.as_view(),
        name="event-photo",
    ),
]

# HTML pages and form posts of events and venues: organizers' forms and RSVP.
page_urlpatterns = [
    path("events/", finder_views.events_page, name="events-page"),
    path("events/new/", views.event_create_view, name="event-new"),
    path("events/<int:pk>/edit/", views.event_edit_view, name="event-edit"),
    path("events/<int:pk>/cancel/", views.event_cancel_view, name="event-cancel"),
    path("events/<int:pk>/rsvp/", views.rsvp, name="event-rsvp-page"),
    path("events/<int:pk>/photos/", photo_views.event_photo_upload, name="event-photo-new"),
    path(
        "events/<int:pk>/photos/<int:photo_pk>/",
        photo_views.event_photo_detail,
        name="event-photo",
    ),
    path(
        "events/<int:pk>/photos/<int:photo_pk>/delete/",
        photo_views.event_photo_delete_view,
        name="event-photo-delete",
    ),
    path("venues/new/", views.venue_create_view, name="venue-new"),
    path("venues/<int:pk>/", views.venue_detail, name="venue-page"),
    path("venues/<int:pk>/edit/", views.venue_edit_view, name="venue-edit"),
    path("venues/<int:pk>/delete/", views.venue_delete_view, name="venue-delete"),
]
