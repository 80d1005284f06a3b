"""The place search alone, at the URL it will have, for tests (``pytest.mark.urls``)."""

from django.urls import path

from places.gazetteer import PlaceSearchView

urlpatterns = [
    path("api/places/", PlaceSearchView.as_view(), name="places-search"),
]
