from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from meetups.api import EventKind, VenueKind
from meetups.urls import api_urlpatterns as meetups_api
from places.ogc import ogc_urlpatterns
from studygroups.api import StudyGroupKind
from studygroups.urls import api_urlpatterns as studygroups_api

admin.site.site_header = "Cerca"
admin.site.site_title = "Cerca"

api_urlpatterns = [
    *studygroups_api,
    *meetups_api,
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
]

urlpatterns = [
    path(
        "",
        RedirectView.as_view(pattern_name="admin:index", permanent=False),
        name="home",
    ),
    path("api/", include((api_urlpatterns, "api"))),
    path("ogc/", include(ogc_urlpatterns([StudyGroupKind(), EventKind(), VenueKind()]))),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
