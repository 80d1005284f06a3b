import sys

from django.contrib import admin
from django.contrib.auth.views import PasswordResetView
from django.core.exceptions import RequestDataTooBig
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import JavaScriptCatalog, set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.negotiation import DefaultContentNegotiation

from geoconfig import health, media
from geoconfig.middleware import database_error_response
from meetups import views as meetups_views
from meetups.api import EventKind, VenueKind
from meetups.my_rsvps import MyRSVPListView
from meetups.urls import api_urlpatterns as meetups_api
from meetups.urls import page_urlpatterns as meetups_pages
from places import basemap
from places.errors import error_response, wants_json_errors
from places.exports import export_urlpatterns
from places.gazetteer import PlaceSearchView
from places.ogc import ogc_urlpatterns
from places.tiles import tile_urlpatterns
from studygroups import (
    account_views,
    dashboard,
    finder_views,
    notification_views,
    people_views,
    picture_views,
)
from studygroups import views as studygroups_views
from studygroups.api import StudyGroupKind
from studygroups.forms import QueuedPasswordResetForm
from studygroups.post_urls import api_urlpatterns as conversation_api
from studygroups.post_urls import page_urlpatterns as conversation_pages
from studygroups.urls import api_urlpatterns as studygroups_api
from studygroups.urls import page_urlpatterns as studygroups_pages

admin.site.site_header = "Cerca"
admin.site.site_title = "Cerca"

KINDS = [StudyGroupKind(), EventKind(), VenueKind()]

api_urlpatterns = [
    *studygroups_api,
    *meetups_api,
    *conversation_api,
    *export_urlpatterns(KINDS),
    path("me/rsvps/", MyRSVPListView.as_view(), name="my-rsvps"),
    path("places/", PlaceSearchView.as_view(), name="place-search"),
    # The schema alone keeps DRF's ?format=json (or yaml) beside Accept.
    path(
        "schema/",
        SpectacularAPIView.as_view(content_negotiation_class=DefaultContentNegotiation),
        name="schema",
    ),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
]


@cache_control(public=True, max_age=24 * 60 * 60)
def favicon(request):
    """/favicon.ico, which clients ask for without reading the page (feed
    readers, the admin's pages): the site's icon, by its hashed static URL.
    A redirect for a day, not for good: the next icon gets a new hash."""
    return redirect(static("img/favicon.svg"))


urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    path("readyz", health.readyz, name="readyz"),
    path("", studygroups_views.home, name="home"),
    path("groups/", finder_views.groups_page, name="groups-page"),
    path("me/", dashboard.dashboard, name="dashboard"),
    path("me/<slug:section>/", dashboard.dashboard_list, name="dashboard-list"),
    path("groups/new/", studygroups_views.studygroup_create_view, name="studygroup-new"),
    path("groups/<slug:slug>/", studygroups_views.studygroup_detail, name="studygroup-page"),
    path(
        "groups/<slug:slug>/edit/", studygroups_views.studygroup_edit_view, name="studygroup-edit"
    ),
    # Before the membership actions, which would take "cover" for one.
    path("groups/<slug:slug>/cover/", picture_views.studygroup_cover_view, name="studygroup-cover"),
    path(
        "groups/<slug:slug>/members/",
        people_views.studygroup_members,
        name="studygroup-members",
    ),
    path(
        "groups/<slug:slug>/<str:action>/",
        studygroups_views.studygroup_membership_view,
        name="studygroup-membership",
    ),
    path("people/<int:pk>/", people_views.person_page, name="person-page"),
    path("accounts/signup/", studygroups_views.signup, name="signup"),
    path("accounts/profile/", studygroups_views.profile_view, name="profile"),
    path("accounts/profile/avatar/", picture_views.avatar_view, name="avatar"),
    path(
        "accounts/notifications/",
        notification_views.notification_settings,
        name="notification-settings",
    ),
    path(
        "notifications/unsubscribe/<str:token>/",
        notification_views.unsubscribe,
        name="unsubscribe",
    ),
    path("accounts/token/", account_views.api_token_view, name="api-token"),
    path(
        "accounts/verify/resend/",
        account_views.email_verification_resend_view,
        name="email-verify-resend",
    ),
    path("accounts/verify/<str:token>/", account_views.email_verify_view, name="email-verify"),
    # Before Django's own: the reset mail leaves the request to a Celery task.
    path(
        "accounts/password_reset/",
        PasswordResetView.as_view(form_class=QueuedPasswordResetForm),
        name="password_reset",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("events/<int:pk>/", meetups_views.event_detail, name="event-page"),
    *studygroups_pages,
    *meetups_pages,
    *conversation_pages,
    path("calendar/", include("meetups.feed_urls")),
    path("api/", include((api_urlpatterns, "api"))),
    path("ogc/", include(ogc_urlpatterns(KINDS))),
    # Before any other tiles/ pattern: it answers everything under tiles/basemap/.
    path("tiles/", include(basemap.urlpatterns)),
    path("tiles/", include(tile_urlpatterns([StudyGroupKind(), EventKind(), VenueKind()]))),
    # The language switcher is on every page, which a shared cache keeps for
    # anonymous visitors (.ci/nginx.conf): it carries no per-visitor CSRF
    # token. A forged POST could only change the visitor's language.
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
    # Our djangojs catalog only (LOCALE_PATHS; "places" itself has none):
    # the words static/js/leaflet_i18n.js gives Leaflet.
    path("jsi18n/", JavaScriptCatalog.as_view(packages=["places"]), name="javascript-catalog"),
    path("admin/", admin.site.urls),
    # Uploaded pictures, while Django serves them (SERVE_MEDIA; geoconfig/media.py).
    *media.urlpatterns(),
]


def page_not_found(request, exception):
    """An address nothing answers: JSON under /api/, /ogc/ and /tiles/ (a client reads
    it, as it reads every other error there), the site's 404 page elsewhere."""
    if wants_json_errors(request):
        return error_response(
            404, _("Nothing answers at %(path)s.") % {"path": request.path}
        )
    return defaults.page_not_found(request, exception)


def bad_request(request, exception):
    """A malformed request (Django's SuspiciousOperation): a body over
    DATA_UPLOAD_MAX_MEMORY_SIZE is a 413 under the JSON prefixes."""
    if wants_json_errors(request):
        if isinstance(exception, RequestDataTooBig):
            return error_response(413)
        return error_response(400, code="InvalidRequest")
    return defaults.bad_request(request, exception)


def server_error(request):
    """An unhandled error: a 503 or 409 when the database was the cause (an
    error outside any view, such as saving the session while PostgreSQL is
    down; views get the same from geoconfig.middleware.DatabaseUnavailable),
    else a bug: JSON under the JSON prefixes, the site's 500 page elsewhere."""
    response = database_error_response(request, sys.exc_info()[1])
    if response is not None:
        return response
    if wants_json_errors(request):
        return error_response(500)
    return defaults.server_error(request)


handler400 = bad_request
handler404 = page_not_found
handler500 = server_error
