"""Who may do what to group A's records, on each of the three surfaces.

Five roles (anonymous, a member of group A, group A's organizer, group B's
organizer, staff) against seven actions (view, create, edit, delete, approve,
and adding or deleting a photo of an event of A that has ended) in the admin,
the site's forms and the GeoJSON API. ``MATRIX`` below is the whole table:
each cell is one test, named ``<surface>-<action>-<role>``, that checks the
HTTP answer *and* what the database holds afterwards.

"Staff" is a moderator: ``is_staff`` with the ``studygroups.moderate``
permission, not a superuser (studygroups/permissions.py).
"""

import datetime
import zoneinfo
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Permission
from django.urls import Resolver404, resolve, reverse

from geoconfig.urls import api_urlpatterns
from meetups.models import Event, EventPhoto
from meetups.tests.factories import (
    AttendeeFactory,
    EventFactory,
    EventPhotoFactory,
    RSVPFactory,
    VenueFactory,
    hours_from_now,
)
from places.tests.pictures import picture_bytes, upload
from studygroups.models import Membership, StudyGroup
from studygroups.tests.factories import MembershipFactory, StudyGroupFactory, organizer_of

pytestmark = pytest.mark.django_db

ALLOW = "allow"  # done, and the database shows it
DENY = "deny"  # refused, and the database is unchanged
PUBLIC = "public"  # view only: the public page, without the members and approve buttons
ABSENT = "not offered"  # the surface has no such action: no route answers it

ROLES = ("anonymous", "member", "organizer_a", "organizer_b", "staff")

# What each action does to group A's records ("A": group A, slug grupo-alfa):
#
#          admin                        forms (the site)                 api
# view     A's change page, and A in    /groups/grupo-alfa/: the member  GET /api/studygroups/A/
#          the changelist               list with its Approve buttons
# create   add an event to A            POST /events/new/ for A          POST /api/events/ for A
# edit     rename A (its change form)   POST /groups/grupo-alfa/edit/    PATCH /api/studygroups/A/
# delete   delete A's event             no delete on the site: cancel    DELETE /api/events/<pk>/
#                                       A's event instead, status        (A's event)
#                                       "cancelled" via its edit form
# approve  the pending membership's     POST /groups/grupo-alfa/approve/ no endpoint: "not offered",
#          change form, status active                                    asserted as 404s
# photo_   the photo admin's add page:  POST /events/<past>/photos/      POST /api/events/<past>/
# upload   nobody adds photos there     (the member went; nobody else)   photos/ (multipart)
# photo_   delete the member's photo    POST /events/<past>/photos/      DELETE /api/events/<past>/
# delete   of the past event            <photo>/delete/                  photos/<photo>/
#
# fmt: off
MATRIX = {
    #  surface   action       anonymous  member  organizer_a organizer_b staff
    ("admin", "view"):       (DENY,   DENY,   ALLOW,  DENY,   ALLOW),
    ("admin", "create"):     (DENY,   DENY,   ALLOW,  DENY,   ALLOW),
    ("admin", "edit"):       (DENY,   DENY,   ALLOW,  DENY,   ALLOW),
    ("admin", "delete"):     (DENY,   DENY,   ALLOW,  DENY,   ALLOW),
    ("admin", "approve"):    (DENY,   DENY,   ALLOW,  DENY,   ALLOW),
    ("forms", "view"):       (PUBLIC, PUBLIC, ALLOW,  PUBLIC, ALLOW),
    ("forms", "create"):     (DENY,   DENY,   ALLOW,  DENY,   ALLOW),
    ("forms", "edit"):       (DENY,   DENY,   ALLOW,  DENY,   ALLOW),
    ("forms", "delete"):     (DENY,   DENY,   ALLOW,  DENY,   ALLOW),
    ("forms", "approve"):    (DENY,   DENY,   ALLOW,  DENY,   ALLOW),
    ("api", "view"):         (ALLOW,  ALLOW,  ALLOW,  ALLOW,  ALLOW),
    ("api", "create"):       (DENY,   DENY,   ALLOW,  DENY,   ALLOW),
    ("api", "edit"):         (DENY,   DENY,   ALLOW,  DENY,   ALLOW),
    ("api", "delete"):       (DENY,   DENY,   ALLOW,  DENY,   ALLOW),
    ("api", "approve"):      (ABSENT, ABSENT, ABSENT, ABSENT, ABSENT),
    # Only people who went add photos (the member did); their uploader, the
    # group's organizers and moderators delete them.
    ("admin", "photo_upload"):  (DENY,   DENY,   DENY,   DENY,   DENY),
    ("admin", "photo_delete"):  (DENY,   DENY,   ALLOW,  DENY,   ALLOW),
    ("forms", "photo_upload"):  (DENY,   ALLOW,  DENY,   DENY,   DENY),
    ("forms", "photo_delete"):  (DENY,   ALLOW,  ALLOW,  DENY,   ALLOW),
    ("api", "photo_upload"):    (DENY,   ALLOW,  DENY,   DENY,   DENY),
    ("api", "photo_delete"):    (DENY,   ALLOW,  ALLOW,  DENY,   ALLOW),
}
ACTIONS = ("view", "create", "edit", "delete", "approve", "photo_upload", "photo_delete")
# fmt: on

# Cells where the app does not do what the table says (yet).
KNOWN_BUGS = {}

# What a refusal looks like, so that a cell cannot pass on the wrong refusal:
# - admin: anonymous users and members (not staff) are sent to the admin's login
#   page; group B's organizer is sent to the admin index (group A's rows are
#   "not found" for them), or, on an add form, shown the form again with an
#   error on the study group.
# - forms: anonymous users are sent to the login page; signed-in users get a
#   403, or, on the event form, the form again with an error on the study group.
# - api: 401 with a WWW-Authenticate challenge (token authentication) for
#   anonymous writes, 403 for signed-in users who may not.


def cells():
    for (surface, action), outcomes in MATRIX.items():
        for role, expected in zip(ROLES, outcomes, strict=True):
            bug = KNOWN_BUGS.get((surface, action, role))
            marks = [pytest.mark.xfail(strict=True, reason=bug)] if bug else []
            yield pytest.param(
                surface, action, role, expected, id=f"{surface}-{action}-{role}", marks=marks
            )


# The world.


@pytest.fixture
def world():
    """Group A (approval required: organizer, member, a pending request) and
    group B (its organizer), a venue and an event of each, and a moderator."""
    group_a = StudyGroupFactory(name="Grupo Alfa", slug="grupo-alfa", join_policy="approval")
    group_b = StudyGroupFactory(name="Grupo Beta", slug="grupo-beta")
    staff = AttendeeFactory(username="sara_staff", is_staff=True)
    staff.user_permissions.add(
        Permission.objects.get(content_type__app_label="studygroups", codename="moderate")
    )
    users = {
        "anonymous": None,
        "member": MembershipFactory(
            study_group=group_a, user=AttendeeFactory(username="mia_miembro")
        ).user,
        "organizer_a": organizer_of(group_a, "ana_alfa"),
        "organizer_b": organizer_of(group_b, "bruno_beta"),
        "staff": staff,
    }
    pending = MembershipFactory(
        study_group=group_a, user=AttendeeFactory(username="pablo_pendiente"), status="pending"
    )
    venue_a = VenueFactory(name="Sala Alfa", study_group=group_a)
    venue_b = VenueFactory(name="Sala Beta", study_group=group_b)
    # Nobody has answered the events: deleting one deletes no RSVPs with it.
    event_a = EventFactory(title="Taller Alfa", study_group=group_a, venue=venue_a)
    event_b = EventFactory(title="Taller Beta", study_group=group_b, venue=venue_b)
    # An event of A that has ended, which the member went to, and their photo of it.
    past_a = EventFactory(
        title="Taller Pasado", study_group=group_a, venue=venue_a, during=hours_from_now(-3, -1)
    )
    RSVPFactory(event=past_a, user=users["member"], status="yes")
    photo_a = EventPhotoFactory(event=past_a, uploader=users["member"], caption="Foto Alfa")
    return SimpleNamespace(
        group_a=group_a,
        group_b=group_b,
        users=users,
        pending=pending,
        venue_a=venue_a,
        venue_b=venue_b,
        event_a=event_a,
        event_b=event_b,
        past_a=past_a,
        photo_a=photo_a,
    )


@pytest.mark.parametrize("surface, action, role, expected", list(cells()))
def test_permission_matrix(client, world, surface, action, role, expected):
    if world.users[role] is not None:
        client.force_login(world.users[role])
    CHECKS[surface, action](client, world, role, expected)
    if action == "view" or expected != ALLOW:
        assert untouched(world)


def test_the_matrix_has_every_cell():
    assert set(MATRIX) == {
        (surface, action)
        for surface in ("admin", "forms", "api")
        for action in ACTIONS
    }
    assert set(KNOWN_BUGS) <= {
        (surface, action, role) for surface, action in MATRIX for role in ROLES
    }


# What the database holds.

NEW_NAME = "Grupo Renombrado"
NEW_EVENT = "Sesión de la matriz"
NEW_PHOTO = "Foto de la matriz"


def photo_upload():
    return upload(picture_bytes("JPEG"), name="matriz.jpg")


def group_renamed(world):
    return StudyGroup.objects.get(pk=world.group_a.pk).name == NEW_NAME


def event_created(world):
    return Event.objects.filter(title=NEW_EVENT, study_group=world.group_a).exists()


def event_deleted(world):
    return not Event.objects.filter(pk=world.event_a.pk).exists()


def event_cancelled(world):
    return Event.objects.get(pk=world.event_a.pk).status == "cancelled"


def request_approved(world):
    return Membership.objects.get(pk=world.pending.pk).status == "active"


def photo_added(world):
    return EventPhoto.objects.filter(event=world.past_a, caption=NEW_PHOTO).exists()


def photo_deleted(world):
    return not EventPhoto.objects.filter(pk=world.photo_a.pk).exists()


def untouched(world):
    """Group A, its event, the pending request and the photo are as the world made them."""
    group = StudyGroup.objects.get(pk=world.group_a.pk)
    event = Event.objects.get(pk=world.event_a.pk)
    return (
        group.name == "Grupo Alfa"
        and event.status == "scheduled"
        and not Event.objects.filter(title=NEW_EVENT).exists()
        and Membership.objects.get(pk=world.pending.pk).status == "pending"
        and list(EventPhoto.objects.values_list("pk", flat=True)) == [world.photo_a.pk]
    )


# The admin.


def admin_url(obj, view="change"):
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=[obj.pk])


def assert_admin_refused(response, role):
    assert response.status_code == 302
    if role in ("anonymous", "member"):
        assert response["Location"].startswith(reverse("admin:login") + "?next=")
    else:
        # Group A's rows are outside group B's organizer's queryset: "not found".
        assert response["Location"] == reverse("admin:index")


def admin_view(client, world, role, expected):
    changelist = client.get(reverse("admin:studygroups_studygroup_changelist"))
    page = client.get(admin_url(world.group_a))
    if expected == ALLOW:
        assert changelist.status_code == 200
        assert world.group_a in changelist.context["cl"].result_list
        assert page.status_code == 200
        assert page.context["original"] == world.group_a
    elif role == "organizer_b":
        assert changelist.status_code == 200
        assert list(changelist.context["cl"].result_list) == [world.group_b]
        assert_admin_refused(page, role)
    else:
        assert_admin_refused(changelist, role)
        assert_admin_refused(page, role)


def admin_create(client, world, role, expected):
    response = client.post(
        reverse("admin:meetups_event_add"),
        {
            "title": NEW_EVENT,
            "description": "",
            "study_group": world.group_a.pk,
            "status": "scheduled",
            "capacity": "20",
            "start": "2030-03-05T18:00",
            "end": "2030-03-05T20:00",
            "time_zone": "America/Bogota",
            "venue": world.venue_a.pk,
            "location": "",
            "online_url": "",
            "rsvps-TOTAL_FORMS": "0",
            "rsvps-INITIAL_FORMS": "0",
        },
    )
    if expected == ALLOW:
        assert response.status_code == 302, response.context["adminform"].form.errors
        assert response["Location"] == reverse("admin:meetups_event_changelist")
    elif role == "organizer_b":
        assert response.status_code == 200
        assert "study_group" in response.context["adminform"].form.errors
    else:
        assert_admin_refused(response, role)
    assert event_created(world) is (expected == ALLOW)


def admin_edit(client, world, role, expected):
    group = world.group_a
    response = client.post(
        admin_url(group),
        {
            "name": NEW_NAME,
            "slug": group.slug,
            "description": group.description,
            "language": group.language,
            "capacity": str(group.capacity),
            "city": group.city,
            "address": group.address,
            "location": '{"type": "Point", "coordinates": [-75.569, 6.2675]}',
            "meeting_area": "",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    if expected == ALLOW:
        assert response.status_code == 302, response.context["adminform"].form.errors
        assert response["Location"] == reverse("admin:studygroups_studygroup_changelist")
    else:
        assert_admin_refused(response, role)
    assert group_renamed(world) is (expected == ALLOW)


def admin_delete(client, world, role, expected):
    response = client.post(admin_url(world.event_a, "delete"), {"post": "yes"})
    if expected == ALLOW:
        assert response.status_code == 302
        assert response["Location"] == reverse("admin:meetups_event_changelist")
    else:
        assert_admin_refused(response, role)
    assert event_deleted(world) is (expected == ALLOW)


def admin_approve(client, world, role, expected):
    pending = world.pending
    # Organizers see the user and group read-only. Moderators may change them,
    # and name the user as the form's user field does: by id (the autocomplete)
    # or, without the right to browse users, by username.
    page = client.get(admin_url(pending))
    form = page.context["adminform"].form if page.status_code == 200 else None
    user_field = form.fields.get("user") if form else None
    response = client.post(
        admin_url(pending),
        {
            "user": getattr(pending.user, getattr(user_field, "to_field_name", None) or "pk"),
            "study_group": pending.study_group_id,
            "role": "member",
            "status": "active",
        },
    )
    if expected == ALLOW:
        assert response.status_code == 302, response.context["adminform"].form.errors
        assert response["Location"] == reverse("admin:studygroups_membership_changelist")
    else:
        assert_admin_refused(response, role)
    assert request_approved(world) is (expected == ALLOW)


# The site's pages and forms.


def assert_site_refused(response, role):
    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login") + "?next=")
    else:
        assert response.status_code == 403


def forms_view(client, world, role, expected):
    response = client.get(world.group_a.get_absolute_url())
    html = response.content.decode()
    approve_url = reverse("studygroup-membership", args=[world.group_a.slug, "approve"])
    assert response.status_code == 200
    assert "Grupo Alfa" in html
    if expected == ALLOW:
        assert response.context["can_manage"] is True
        assert world.pending in response.context["pending_requests"]
        assert f'action="{approve_url}"' in html
        assert f'name="membership" value="{world.pending.pk}"' in html
    else:
        assert expected == PUBLIC
        assert response.context["can_manage"] is False
        assert response.context["pending_requests"] is None
        assert approve_url not in html
        assert "pablo_pendiente" not in html


def forms_create(client, world, role, expected):
    response = client.post(
        f"{reverse('event-new')}?group={world.group_a.slug}",
        {
            "title": NEW_EVENT,
            "description": "",
            "study_group": world.group_a.pk,
            "venue": world.venue_a.pk,
            "location": "",
            "online_url": "",
            "start": "2030-03-05T18:00",
            "end": "2030-03-05T20:00",
            "time_zone": "America/Bogota",
            "capacity": "20",
            "status": "scheduled",
            "repeat": "",
            "occurrences": "1",
        },
    )
    if expected == ALLOW:
        assert response.status_code == 302, response.context["form"].errors
        created = Event.objects.get(title=NEW_EVENT)
        assert response["Location"] == created.get_absolute_url()
    elif role == "anonymous":
        assert_site_refused(response, role)
    else:
        # The form offers only the groups one organizes: group A is not a choice.
        assert response.status_code == 200
        assert "study_group" in response.context["form"].errors
    assert event_created(world) is (expected == ALLOW)


def forms_edit(client, world, role, expected):
    group = world.group_a
    response = client.post(
        reverse("studygroup-edit", args=[group.slug]),
        {
            "name": NEW_NAME,
            "description": group.description,
            "language": group.language,
            "join_policy": group.join_policy,
            "location": '{"type": "Point", "coordinates": [-75.569, 6.2675]}',
            "meeting_area": "",
            "city": group.city,
            "address": group.address,
            "capacity": str(group.capacity),
        },
    )
    if expected == ALLOW:
        assert response.status_code == 302, response.context["form"].errors
        assert response["Location"] == group.get_absolute_url()
    else:
        assert_site_refused(response, role)
    assert group_renamed(world) is (expected == ALLOW)


def forms_delete(client, world, role, expected):
    event = world.event_a
    response = client.post(reverse("event-cancel", args=[event.pk]), {"reason": "Sin sala"})
    if expected == ALLOW:
        assert response.status_code == 302
        assert response["Location"] == event.get_absolute_url()
    else:
        assert_site_refused(response, role)
    assert event_cancelled(world) is (expected == ALLOW)
    assert Event.objects.get(pk=event.pk).during == event.during


def forms_approve(client, world, role, expected):
    response = client.post(
        reverse("studygroup-membership", args=[world.group_a.slug, "approve"]),
        {"membership": world.pending.pk},
    )
    if expected == ALLOW:
        assert response.status_code == 302
        assert response["Location"] == world.group_a.get_absolute_url()
    else:
        assert_site_refused(response, role)
    assert request_approved(world) is (expected == ALLOW)


# The API.


def api_view(client, world, role, expected):
    assert expected == ALLOW
    response = client.get(reverse("api:studygroup-detail", args=[world.group_a.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    body = response.json()
    assert (body["id"], body["properties"]["name"]) == (world.group_a.pk, "Grupo Alfa")


def api_create(client, world, role, expected):
    start = datetime.datetime(2030, 3, 5, 18, tzinfo=zoneinfo.ZoneInfo("America/Bogota"))
    response = client.post(
        reverse("api:event-list"),
        {
            "type": "Feature",
            "properties": {
                "title": NEW_EVENT,
                "study_group": world.group_a.pk,
                "venue": world.venue_a.pk,
                "start": start.isoformat(),
                "end": (start + datetime.timedelta(hours=2)).isoformat(),
                "time_zone": "America/Bogota",
            },
        },
        content_type="application/json",
    )
    if expected == ALLOW:
        assert response.status_code == 201, response.content
        created = Event.objects.get(title=NEW_EVENT)
        assert response.json()["id"] == created.pk
    else:
        assert_refused(response, role)
    assert event_created(world) is (expected == ALLOW)


def assert_refused(response, role):
    """An API write refused: 401 with a challenge when signed out, else 403."""
    if role == "anonymous":
        assert response.status_code == 401, response.content
        assert response["WWW-Authenticate"]
    else:
        assert response.status_code == 403, response.content


def api_edit(client, world, role, expected):
    response = client.patch(
        reverse("api:studygroup-detail", args=[world.group_a.pk]),
        {"type": "Feature", "properties": {"name": NEW_NAME}},
        content_type="application/json",
    )
    if expected == ALLOW:
        assert response.status_code == 200, response.content
        assert response.json()["properties"]["name"] == NEW_NAME
    else:
        assert_refused(response, role)
    assert group_renamed(world) is (expected == ALLOW)


def api_delete(client, world, role, expected):
    response = client.delete(reverse("api:event-detail", args=[world.event_a.pk]))
    if expected == ALLOW:
        assert response.status_code == 204
    else:
        assert_refused(response, role)
    assert event_deleted(world) is (expected == ALLOW)


def api_approve(client, world, role, expected):
    assert expected == ABSENT
    # No route of the API is about memberships or approvals...
    routes = [str(pattern.pattern) for pattern in api_urlpatterns]
    assert routes and not [r for r in routes if "approve" in r or "membership" in r]
    # ...so the likeliest addresses of one are not found, whoever asks.
    group_approve = f"/api/studygroups/{world.group_a.pk}/approve/"
    membership = f"/api/memberships/{world.pending.pk}/"
    for path in (group_approve, membership):
        with pytest.raises(Resolver404):
            resolve(path)
    body = {"membership": world.pending.pk, "status": "active"}
    assert client.post(group_approve, body, content_type="application/json").status_code == 404
    assert client.patch(membership, body, content_type="application/json").status_code == 404
    assert not request_approved(world)


# Photos.


def admin_photo_upload(client, world, role, expected):
    assert expected == DENY
    response = client.post(
        reverse("admin:meetups_eventphoto_add"),
        {"event": world.past_a.pk, "uploader": world.users["member"].pk, "caption": NEW_PHOTO,
         "image": photo_upload()},
    )
    if role in ("anonymous", "member"):
        assert_admin_refused(response, role)
    else:
        # Staff, organizers included, are in the admin: the add page is forbidden.
        assert response.status_code == 403
    assert not photo_added(world)


def admin_photo_delete(client, world, role, expected):
    response = client.post(admin_url(world.photo_a, "delete"), {"post": "yes"})
    if expected == ALLOW:
        assert response.status_code == 302
        assert response["Location"] == reverse("admin:meetups_eventphoto_changelist")
    else:
        assert_admin_refused(response, role)
    assert photo_deleted(world) is (expected == ALLOW)


def forms_photo_upload(client, world, role, expected):
    response = client.post(
        reverse("event-photo-new", args=[world.past_a.pk]),
        {"image": photo_upload(), "caption": NEW_PHOTO},
    )
    if expected == ALLOW:
        assert response.status_code == 302
        assert response["Location"] == f"{world.past_a.get_absolute_url()}#photos"
    else:
        assert_site_refused(response, role)
    assert photo_added(world) is (expected == ALLOW)


def forms_photo_delete(client, world, role, expected):
    response = client.post(
        reverse("event-photo-delete", args=[world.past_a.pk, world.photo_a.pk])
    )
    if expected == ALLOW:
        assert response.status_code == 302
        assert response["Location"] == f"{world.past_a.get_absolute_url()}#photos"
    else:
        assert_site_refused(response, role)
    assert photo_deleted(world) is (expected == ALLOW)


def api_photo_upload(client, world, role, expected):
    response = client.post(
        reverse("api:event-photos", args=[world.past_a.pk]),
        {"image": photo_upload(), "caption": NEW_PHOTO},
    )
    if expected == ALLOW:
        assert response.status_code == 201, response.content
        assert response.json()["caption"] == NEW_PHOTO
    else:
        assert_refused(response, role)
    assert photo_added(world) is (expected == ALLOW)


def api_photo_delete(client, world, role, expected):
    response = client.delete(
        reverse("api:event-photo", args=[world.past_a.pk, world.photo_a.pk])
    )
    if expected == ALLOW:
        assert response.status_code == 204
    else:
        assert_refused(response, role)
    assert photo_deleted(world) is (expected == ALLOW)


CHECKS = {
    ("admin", "photo_upload"): admin_photo_upload,
    ("admin", "photo_delete"): admin_photo_delete,
    ("forms", "photo_upload"): forms_photo_upload,
    ("forms", "photo_delete"): forms_photo_delete,
    ("api", "photo_upload"): api_photo_upload,
    ("api", "photo_delete"): api_photo_delete,
    ("admin", "view"): admin_view,
    ("admin", "create"): admin_create,
    ("admin", "edit"): admin_edit,
    ("admin", "delete"): admin_delete,
    ("admin", "approve"): admin_approve,
    ("forms", "view"): forms_view,
    ("forms", "create"): forms_create,
    ("forms", "edit"): forms_edit,
    ("forms", "delete"): forms_delete,
    ("forms", "approve"): forms_approve,
    ("api", "view"): api_view,
    ("api", "create"): api_create,
    ("api", "edit"): api_edit,
    ("api", "delete"): api_delete,
    ("api", "approve"): api_approve,
}


# People: who sees whom (studygroups/people.py).
#
# Six viewers of one open group ("Grupo Personas") and its event: nobody
# signed in, someone outside the group, a member, a member who hides from
# member lists, the group's organizer, and someone going to the event without
# being a member. Each cell says whether the viewer SEEs the person or list
# (by the display name in the page, or the group in a profile) or not (HIDE).
# A refused members page is the login page or a 403.

SEE = "see"
HIDE = "hide"

PEOPLE_ROLES = ("anonymous", "non_member", "member", "hidden_member", "organizer", "attendee")

# fmt: off
PEOPLE_MATRIX = {
    #  what                          anonymous non_member member hidden organizer attendee
    "group page: organizers":        (SEE,  SEE,  SEE,  SEE,  SEE,  SEE),
    "group page: members":           (HIDE, HIDE, SEE,  SEE,  SEE,  HIDE),
    "group page: hidden member":     (HIDE, HIDE, HIDE, HIDE, SEE,  HIDE),
    "members page":                  (HIDE, HIDE, SEE,  SEE,  SEE,  HIDE),
    "members page: hidden member":   (HIDE, HIDE, HIDE, HIDE, SEE,  HIDE),
    "event page: going":             (HIDE, HIDE, SEE,  SEE,  SEE,  SEE),
    "event page: hidden attendee":   (HIDE, HIDE, HIDE, HIDE, SEE,  HIDE),
    "event page: waitlist":          (HIDE, HIDE, HIDE, HIDE, SEE,  HIDE),
    "profile: member's groups":      (SEE,  SEE,  SEE,  SEE,  SEE,  SEE),
    "profile: hidden's groups":      (HIDE, HIDE, HIDE, HIDE, HIDE, HIDE),
    "api profile: member's groups":  (SEE,  SEE,  SEE,  SEE,  SEE,  SEE),
    "api profile: hidden's groups":  (HIDE, HIDE, HIDE, HIDE, HIDE, HIDE),
}
# fmt: on


@pytest.fixture
def people():
    from meetups.models import RSVP
    from studygroups.tests.factories import MemberProfileFactory

    group = StudyGroupFactory(name="Grupo Personas", slug="grupo-personas")
    event = EventFactory(title="Taller Personas", study_group=group, capacity=3)

    def person(username, name, hidden=False):
        user = AttendeeFactory(username=username)
        MemberProfileFactory(user=user, display_name=name, hidden_from_member_lists=hidden)
        return user

    organizer = organizer_of(group, "olga_org")
    MemberProfileFactory(user=organizer, display_name="Olga Organiza")
    member = person("mateo_miembro", "Mateo Miembro")
    hidden = person("hilda_oculta", "Hilda Oculta", hidden=True)
    for user in (member, hidden):
        MembershipFactory(study_group=group, user=user)
    attendee = person("ariel_asiste", "Ariel Asiste")
    waiting = person("wally_espera", "Wally Espera")
    for user in (member, hidden, attendee):
        RSVP.objects.create(event=event, user=user, status=RSVP.Status.YES)
    RSVP.objects.create(event=event, user=waiting, status=RSVP.Status.WAITLIST)
    return SimpleNamespace(
        group=group,
        event=event,
        member=member,
        hidden=hidden,
        users={
            "anonymous": None,
            "non_member": person("nora_nadie", "Nora Nadie"),
            "member": member,
            "hidden_member": hidden,
            "organizer": organizer,
            "attendee": attendee,
        },
    )


def people_cells():
    for what, outcomes in PEOPLE_MATRIX.items():
        for role, expected in zip(PEOPLE_ROLES, outcomes, strict=True):
            yield pytest.param(what, role, expected, id=f"{what}-{role}")


def page_text(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def members_page(client, people, role):
    """The members page's text, or None when it is refused as it should be."""
    response = client.get(reverse("studygroup-members", args=[people.group.slug]))
    if response.status_code == 200:
        return response.content.decode()
    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login") + "?next=")
    else:
        assert response.status_code == 403
    return None


def api_groups(client, user):
    response = client.get(reverse("api:person-detail", args=[user.pk]))
    assert response.status_code == 200
    return [group["slug"] for group in response.json()["groups"]]


PEOPLE_CHECKS = {
    "group page: organizers": lambda c, p, r: "Olga Organiza"
    in page_text(c, p.group.get_absolute_url()),
    "group page: members": lambda c, p, r: "Mateo Miembro"
    in page_text(c, p.group.get_absolute_url()),
    "group page: hidden member": lambda c, p, r: "Hilda Oculta"
    in page_text(c, p.group.get_absolute_url()),
    "members page": lambda c, p, r: "Mateo Miembro" in (members_page(c, p, r) or ""),
    "members page: hidden member": lambda c, p, r: "Hilda Oculta"
    in (members_page(c, p, r) or ""),
    "event page: going": lambda c, p, r: "Ariel Asiste"
    in page_text(c, p.event.get_absolute_url()),
    "event page: hidden attendee": lambda c, p, r: "Hilda Oculta"
    in page_text(c, p.event.get_absolute_url()),
    "event page: waitlist": lambda c, p, r: "Wally Espera"
    in page_text(c, p.event.get_absolute_url()),
    "profile: member's groups": lambda c, p, r: "Grupo Personas"
    in page_text(c, reverse("person-page", args=[p.member.pk])),
    "profile: hidden's groups": lambda c, p, r: "Grupo Personas"
    in page_text(c, reverse("person-page", args=[p.hidden.pk])),
    "api profile: member's groups": lambda c, p, r: "grupo-personas" in api_groups(c, p.member),
    "api profile: hidden's groups": lambda c, p, r: "grupo-personas" in api_groups(c, p.hidden),
}


@pytest.mark.parametrize("what, role, expected", list(people_cells()))
def test_people_matrix(client, people, what, role, expected):
    if people.users[role] is not None:
        client.force_login(people.users[role])
    assert PEOPLE_CHECKS[what](client, people, role) is (expected == SEE)


def test_the_people_matrix_has_every_cell():
    assert set(PEOPLE_CHECKS) == set(PEOPLE_MATRIX)
    assert all(len(outcomes) == len(PEOPLE_ROLES) for outcomes in PEOPLE_MATRIX.values())


# A series (meetups.series): editing or cancelling all of group A's weekly
# series, on each surface. Its own table, the same roles; each cell checks the
# answer and that every date changed, or none did.

# fmt: off
SERIES_MATRIX = {
    #  surface   action       anonymous  member  organizer_a organizer_b staff
    ("admin", "edit all"):   (DENY,   DENY,   ALLOW,  DENY,   ALLOW),
    ("forms", "edit all"):   (DENY,   DENY,   ALLOW,  DENY,   ALLOW),
    ("forms", "cancel all"): (DENY,   DENY,   ALLOW,  DENY,   ALLOW),
    ("api", "edit all"):     (DENY,   DENY,   ALLOW,  DENY,   ALLOW),
    ("api", "cancel all"):   (DENY,   DENY,   ALLOW,  DENY,   ALLOW),
}
# fmt: on
SERIES_TITLE = "Serie de la matriz"


@pytest.fixture
def series_a(world):
    """Three Tuesdays of group A at its venue, 18:00-20:00 in Bogotá."""
    from psycopg2.extras import DateTimeTZRange

    from meetups.services import event_series_create

    start = datetime.datetime(2030, 3, 5, 18, tzinfo=zoneinfo.ZoneInfo("America/Bogota"))
    return event_series_create(
        frequency="weekly",
        occurrences=3,
        title="Serie Alfa",
        study_group=world.group_a,
        venue=world.venue_a,
        time_zone="America/Bogota",
        during=DateTimeTZRange(start, start + datetime.timedelta(hours=2), "[)"),
    )


def series_state(series):
    return [
        (event.title, event.status)
        for event in Event.objects.filter(pk__in=[e.pk for e in series]).order_by("during")
    ]


def series_cells():
    for (surface, action), outcomes in SERIES_MATRIX.items():
        for role, expected in zip(ROLES, outcomes, strict=True):
            yield pytest.param(
                surface, action, role, expected, id=f"{surface}-{action}-{role}"
            )


@pytest.mark.parametrize("surface, action, role, expected", list(series_cells()))
def test_series_permission_matrix(client, world, series_a, surface, action, role, expected):
    if world.users[role] is not None:
        client.force_login(world.users[role])
    first = series_a[0]
    local = first.during.lower.astimezone(zoneinfo.ZoneInfo("America/Bogota"))
    form = {
        "title": SERIES_TITLE, "description": "", "study_group": world.group_a.pk,
        "venue": world.venue_a.pk, "location": "", "online_url": "",
        "start": local.strftime("%Y-%m-%dT%H:%M"),
        "end": (local + datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "time_zone": "America/Bogota", "capacity": "30", "scope": "all",
    }
    if surface == "admin":
        response = client.post(
            admin_url(first),
            {**form, "status": "scheduled", "cancellation_reason": "",
             "rsvps-TOTAL_FORMS": "0", "rsvps-INITIAL_FORMS": "0"},
        )
        refused = assert_admin_refused
    elif surface == "forms" and action == "edit all":
        response = client.post(reverse("event-edit", args=[first.pk]), form)
        refused = assert_site_refused
    elif surface == "forms":
        response = client.post(
            reverse("event-cancel", args=[first.pk]), {"scope": "all", "reason": ""}
        )
        refused = assert_site_refused
    else:
        properties = (
            {"title": SERIES_TITLE} if action == "edit all" else {"status": "cancelled"}
        )
        response = client.patch(
            reverse("api:event-detail", args=[first.pk]) + "?scope=all",
            {"type": "Feature", "properties": properties},
            content_type="application/json",
        )
        refused = assert_refused
    if expected == ALLOW:
        assert response.status_code in (200, 302), response.content
        done = (
            (SERIES_TITLE, "scheduled") if action == "edit all" else ("Serie Alfa", "cancelled")
        )
        assert series_state(series_a) == [done] * 3
    else:
        refused(response, role)
        assert series_state(series_a) == [("Serie Alfa", "scheduled")] * 3


# Reports and moderation ------------------------------------------------------------
#
# Six roles: the five above and a member of group A suspended site-wide. What
# each action does (studygroups.moderation):
#
#   forms report      POST /report/event/<A's event>/: the report is made
#   api report        POST /api/reports/ about A's event
#   admin dismiss     the report about A's event, "dismiss" on its admin page
#   admin hide        the same report, "hide": A's event is hidden
#   admin warn        the report about the member of A (no group: moderators only)
#   admin suspend     the same report, "suspend" for 7 days
#   admin ban         the admin's "add ban" form: the member banned from A
#   forms rsvp        POST /events/<B's event>/rsvp/ yes (group B is open to all)
#   api rsvp          POST /api/events/<B's event>/rsvp/ {"going": true}
#   forms create      POST /groups/new/ (an online group)
#   api create        POST /api/studygroups/ (an online group)

MODERATION_ROLES = ROLES + ("suspended",)

# fmt: off
MODERATION_MATRIX = {
    #  surface   action        anonymous member organizer_a organizer_b staff suspended
    ("forms", "report"):      (DENY,  ALLOW, ALLOW, ALLOW, ALLOW, ALLOW),
    ("api", "report"):        (DENY,  ALLOW, ALLOW, ALLOW, ALLOW, ALLOW),
    ("admin", "dismiss"):     (DENY,  DENY,  ALLOW, DENY,  ALLOW, DENY),
    ("admin", "hide"):        (DENY,  DENY,  ALLOW, DENY,  ALLOW, DENY),
    ("admin", "warn"):        (DENY,  DENY,  DENY,  DENY,  ALLOW, DENY),
    ("admin", "suspend"):     (DENY,  DENY,  DENY,  DENY,  ALLOW, DENY),
    ("admin", "ban"):         (DENY,  DENY,  ALLOW, DENY,  ALLOW, DENY),
    ("forms", "rsvp"):        (DENY,  ALLOW, ALLOW, ALLOW, ALLOW, DENY),
    ("api", "rsvp"):          (DENY,  ALLOW, ALLOW, ALLOW, ALLOW, DENY),
    ("forms", "create"):      (DENY,  ALLOW, ALLOW, ALLOW, ALLOW, DENY),
    ("api", "create"):        (DENY,  ALLOW, ALLOW, ALLOW, ALLOW, DENY),
}
# fmt: on


def moderation_cells():
    for (surface, action), outcomes in MODERATION_MATRIX.items():
        for role, expected in zip(MODERATION_ROLES, outcomes, strict=True):
            yield pytest.param(surface, action, role, expected, id=f"{surface}-{action}-{role}")


@pytest.fixture
def moderation_world(world):
    from studygroups.moderation import member_suspend, report_create

    suspended = MembershipFactory(
        study_group=world.group_a, user=AttendeeFactory(username="sam_suspendido")
    ).user
    member_suspend(actor=world.users["staff"], member=suspended, days=7, reason="Spam.")
    world.users["suspended"] = suspended
    reporter = AttendeeFactory(username="rita_reporta")
    world.event_report = report_create(reporter=reporter, target=world.event_a, reason="spam")
    world.member_report = report_create(
        reporter=reporter, target=world.users["member"], reason="harassment"
    )
    return world


@pytest.mark.parametrize("surface, action, role, expected", list(moderation_cells()))
def test_moderation_matrix(client, moderation_world, surface, action, role, expected):
    world = moderation_world
    if world.users[role] is not None:
        client.force_login(world.users[role])
    MODERATION_CHECKS[surface, action](client, world, role, expected)


def new_reports(world):
    from studygroups.reports import Report

    return Report.objects.exclude(pk__in=[world.event_report.pk, world.member_report.pk])


def forms_report(client, world, role, expected):
    response = client.post(reverse("report-new", args=["event", world.event_a.pk]),
                           {"reason": "misleading"})
    if expected == ALLOW:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("report-sent"))
    else:
        assert_site_refused(response, role)
    assert new_reports(world).exists() is (expected == ALLOW)


def api_report(client, world, role, expected):
    response = client.post(
        reverse("api:report-create"),
        {"target_kind": "event", "target_id": world.event_a.pk, "reason": "misleading"},
        content_type="application/json",
    )
    if expected == ALLOW:
        assert response.status_code == 201, response.content
    else:
        assert_refused(response, role)
    assert new_reports(world).exists() is (expected == ALLOW)


def act(client, report, action, **extra):
    return client.post(
        reverse("admin:studygroups_report_change", args=[report.pk]),
        {"_moderate": "1", "action": action, "reason": "Según las reglas.", **extra},
    )


def assert_moderation_refused(response, role):
    assert response.status_code == 302
    if role in ("anonymous", "member", "suspended"):
        assert response["Location"].startswith(reverse("admin:login") + "?next=")
    else:
        # Not their group's report: "not found", back to the admin's index.
        assert response["Location"] == reverse("admin:index")


def logged(action):
    from studygroups.reports import ModerationAction

    return ModerationAction.objects.filter(action=action).exists()


def admin_dismiss(client, world, role, expected):
    response = act(client, world.event_report, "dismiss")
    world.event_report.refresh_from_db()
    if expected == ALLOW:
        assert response.status_code == 302
        assert world.event_report.state == "dismissed"
    else:
        assert_moderation_refused(response, role)
        assert world.event_report.state == "open"
    assert logged("dismiss") is (expected == ALLOW)


def admin_hide(client, world, role, expected):
    response = act(client, world.event_report, "hide")
    hidden = Event.objects.get(pk=world.event_a.pk).hidden
    if expected == ALLOW:
        assert response.status_code == 302
    else:
        assert_moderation_refused(response, role)
    assert hidden is (expected == ALLOW)
    assert logged("hide") is (expected == ALLOW)


def member_report_refused(response, role):
    if role == "organizer_a" or role == "organizer_b":
        # A report about a member has no group: no organizer sees it.
        assert response.status_code == 302
        assert response["Location"] == reverse("admin:index")
    else:
        assert_moderation_refused(response, role)


def admin_warn(client, world, role, expected):
    response = act(client, world.member_report, "warn")
    if expected == ALLOW:
        assert response.status_code == 302
    else:
        member_report_refused(response, role)
    # The warning's email: studygroups/tests/test_moderation.py.
    assert logged("warn") is (expected == ALLOW)


def admin_suspend(client, world, role, expected):
    from studygroups.moderation import is_suspended

    response = act(client, world.member_report, "suspend", days="7")
    if expected == ALLOW:
        assert response.status_code == 302
    else:
        member_report_refused(response, role)
    assert is_suspended(world.users["member"]) is (expected == ALLOW)


def admin_ban(client, world, role, expected):
    from studygroups.moderation import is_banned

    response = client.post(
        reverse("admin:studygroups_groupban_add"),
        {"study_group": world.group_a.pk, "username": "mia_miembro", "reason": "Acoso."},
    )
    member = world.users["member"]
    if expected == ALLOW:
        assert response.status_code == 302, response.context["adminform"].form.errors
    elif role == "organizer_b":
        # Group A is not among the groups the form offers them.
        assert response.status_code == 200
        assert "study_group" in response.context["adminform"].form.errors
    else:
        assert_moderation_refused(response, role)
    assert is_banned(member, world.group_a) is (expected == ALLOW)
    assert Membership.objects.filter(user=member, study_group=world.group_a).exists() is (
        expected != ALLOW
    )


def rsvp_made(world, role):
    from meetups.models import RSVP

    user = world.users[role]
    return user is not None and RSVP.objects.filter(user=user, event=world.event_b).exists()


def forms_rsvp(client, world, role, expected):
    response = client.post(reverse("event-rsvp-page", args=[world.event_b.pk]),
                           {"going": "yes"}, HTTP_ACCEPT_LANGUAGE="en")
    if role == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    else:
        assert response.status_code == 302
        page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en")
        suspended_message = "Your account is suspended until" in page.text
        assert suspended_message is (expected == DENY)
    assert rsvp_made(world, role) is (expected == ALLOW)


def api_rsvp(client, world, role, expected):
    response = client.post(reverse("api:event-rsvp", args=[world.event_b.pk]),
                           {"going": True}, content_type="application/json")
    if expected == ALLOW:
        assert response.status_code == 200, response.content
    elif role == "anonymous":
        assert_refused(response, role)
    else:
        assert response.status_code == 400
        assert response.json()["code"] == "suspended"
    assert rsvp_made(world, role) is (expected == ALLOW)


MATRIX_GROUP = "Grupo de la matriz"


def forms_create_group(client, world, role, expected):
    response = client.post(
        reverse("studygroup-new"),
        {"name": MATRIX_GROUP, "is_online": "on", "language": "es", "capacity": "20",
         "join_policy": "open", "description": ""},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    if expected == ALLOW:
        assert response.status_code == 302, response.context["form"].errors
    elif role == "anonymous":
        assert_site_refused(response, role)
    else:
        assert response.status_code == 200
        assert "Your account is suspended until" in response.text
    assert StudyGroup.objects.filter(name=MATRIX_GROUP).exists() is (expected == ALLOW)


def api_create_group(client, world, role, expected):
    response = client.post(
        reverse("api:studygroup-list"),
        {"type": "Feature", "geometry": None,
         "properties": {"name": MATRIX_GROUP, "is_online": True}},
        content_type="application/json",
    )
    if expected == ALLOW:
        assert response.status_code == 201, response.content
    elif role == "anonymous":
        assert_refused(response, role)
    else:
        assert response.status_code == 400
        assert "suspend" in response.json()["description"]
    assert StudyGroup.objects.filter(name=MATRIX_GROUP).exists() is (expected == ALLOW)


MODERATION_CHECKS = {
    ("forms", "report"): forms_report,
    ("api", "report"): api_report,
    ("admin", "dismiss"): admin_dismiss,
    ("admin", "hide"): admin_hide,
    ("admin", "warn"): admin_warn,
    ("admin", "suspend"): admin_suspend,
    ("admin", "ban"): admin_ban,
    ("forms", "rsvp"): forms_rsvp,
    ("api", "rsvp"): api_rsvp,
    ("forms", "create"): forms_create_group,
    ("api", "create"): api_create_group,
}


def test_the_moderation_matrix_has_a_check_for_every_row():
    assert set(MODERATION_CHECKS) == set(MODERATION_MATRIX)


# The community pages (issue 13): the groups page, the member's dashboard and
# its approve buttons, and the API's "my RSVPs". Same roles, same world.
#
#             route                               what a refusal is
# groups      GET /groups/                        (public: no pending names)
# dashboard   GET /me/ and /me/to-approve/        login redirect; A's pending request
#                                                 listed only to A's organizer
# approve     POST /groups/grupo-alfa/approve/    login redirect or 403; the
#             with next=/me/ (its buttons)        request stays pending
# my_rsvps    GET /api/me/rsvps/                  401 with a challenge; each sees
#                                                 only their own RSVPs
#
# fmt: off
COMMUNITY_MATRIX = {
    #  surface      action        anonymous  member  organizer_a organizer_b staff
    ("community", "groups"):     (PUBLIC, PUBLIC, PUBLIC, PUBLIC, PUBLIC),
    ("community", "dashboard"):  (DENY,   PUBLIC, ALLOW,  PUBLIC, PUBLIC),
    ("community", "approve"):    (DENY,   DENY,   ALLOW,  DENY,   ALLOW),
    ("community", "my_rsvps"):   (DENY,   ALLOW,  ALLOW,  ALLOW,  ALLOW),
}
# fmt: on


def community_cells():
    for (surface, action), outcomes in COMMUNITY_MATRIX.items():
        for role, expected in zip(ROLES, outcomes, strict=True):
            yield pytest.param(surface, action, role, expected, id=f"{surface}-{action}-{role}")


@pytest.mark.parametrize("surface, action, role, expected", list(community_cells()))
def test_community_permission_matrix(client, world, surface, action, role, expected):
    from meetups.models import RSVP

    # Each signed-in role answered one event: the API must show only theirs.
    for name, event in (("member", world.event_a), ("organizer_b", world.event_b)):
        RSVP.objects.create(user=world.users[name], event=event, status="yes")
    if world.users[role] is not None:
        client.force_login(world.users[role])
    COMMUNITY_CHECKS[action](client, world, role, expected)
    if expected != ALLOW or action != "approve":
        assert untouched(world)


def community_groups(client, world, role, expected):
    assert expected == PUBLIC
    response = client.get(reverse("groups-page"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Grupo Alfa" in html and "Grupo Beta" in html
    assert "pablo_pendiente" not in html


def community_dashboard(client, world, role, expected):
    response = client.get(reverse("dashboard"))
    to_approve = client.get(reverse("dashboard-list", args=["to-approve"]))
    if expected == DENY:
        for each in (response, to_approve):
            assert each.status_code == 302
            assert each["Location"].startswith(reverse("login") + "?next=")
        return
    assert response.status_code == 200
    html = response.content.decode()
    if expected == ALLOW:
        assert response.context["lists"]["to_approve"]["rows"] == [world.pending]
        assert "pablo_pendiente" in html
        assert [row.pk for row in to_approve.context["rows"]] == [world.pending.pk]
    else:
        assert "pablo_pendiente" not in html
        assert world.pending.pk not in [
            row.pk for row in response.context["lists"].get("to_approve", {}).get("rows", [])
        ]
        # Not an organizer of anything (a 404), or of group B only (an empty list).
        assert to_approve.status_code in (404, 200)
        if to_approve.status_code == 200:
            assert to_approve.context["rows"] == []


def community_approve(client, world, role, expected):
    response = client.post(
        reverse("studygroup-membership", args=[world.group_a.slug, "approve"]),
        {"membership": world.pending.pk, "next": reverse("dashboard")},
    )
    if expected == ALLOW:
        assert response.status_code == 302
        assert response["Location"] == reverse("dashboard")
    else:
        assert_site_refused(response, role)
    assert request_approved(world) is (expected == ALLOW)


def community_my_rsvps(client, world, role, expected):
    response = client.get(reverse("api:my-rsvps"))
    if expected == DENY:
        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith("Token")
        return
    assert response.status_code == 200
    from meetups.models import RSVP

    events = sorted(item["event"] for item in response.json()["results"])
    # Only the role's own answers (the world may hold more of theirs, never others').
    own = sorted(RSVP.objects.filter(user=world.users[role]).values_list("event", flat=True))
    assert events == own
    assert role != "member" or world.event_a.pk in events and world.event_b.pk not in events


COMMUNITY_CHECKS = {
    "groups": community_groups,
    "dashboard": community_dashboard,
    "approve": community_approve,
    "my_rsvps": community_my_rsvps,
}


# The conversation of group A (issue 13) ---------------------------------------
#
# Eight roles (a signed-in user in no group; a member of A suspended site-wide;
# a former member of A banned from it) against the actions on group A's
# discussion thread, whose one post (by another member) is already there:
#
# action   forms (the site)                    api
# view     the thread's text on A's page       GET /api/studygroups/A/posts/
# post     POST /conversation/groups/A/posts/  POST /api/studygroups/A/posts/
# reply    the same, with parent=the post      the same, with "parent"
# pin      POST /conversation/posts/P/pin/     PATCH /api/posts/P/ {"pinned": true}
# remove   POST /conversation/posts/P/remove/  DELETE /api/posts/P/ (not its author)
# report   POST /report/post/P/                POST /api/reports/ (target_kind "post")
# replies  GET /conversation/posts/P/replies/  GET /api/posts/P/replies/
#
# In the admin: view is the post's change page and the changelist, remove the
# changelist's "remove" action; posts are neither added nor edited there.
#
# Staff is a moderator. Group B's organizer is a stranger to A's thread. The
# suspended member still reads (and reports) but neither posts nor replies.

CONVERSATION_ROLES = ("anonymous", "non_member", "member", "organizer_a", "organizer_b", "staff",
                      "suspended", "banned")

# fmt: off
CONVERSATION_MATRIX = {
    #  surface   action   anonymous non_member member organizer_a organizer_b staff suspended banned
    ("forms", "view"):   (DENY,  DENY,  ALLOW, ALLOW, DENY,  ALLOW, ALLOW, DENY),
    ("forms", "post"):   (DENY,  DENY,  ALLOW, ALLOW, DENY,  ALLOW, DENY,  DENY),
    ("forms", "reply"):  (DENY,  DENY,  ALLOW, ALLOW, DENY,  ALLOW, DENY,  DENY),
    ("forms", "pin"):    (DENY,  DENY,  DENY,  ALLOW, DENY,  ALLOW, DENY,  DENY),
    ("forms", "remove"): (DENY,  DENY,  DENY,  ALLOW, DENY,  ALLOW, DENY,  DENY),
    ("forms", "report"): (DENY,  DENY,  ALLOW, ALLOW, DENY,  ALLOW, ALLOW, DENY),
    ("forms", "replies"): (DENY, DENY,  ALLOW, ALLOW, DENY,  ALLOW, ALLOW, DENY),
    ("api", "view"):     (DENY,  DENY,  ALLOW, ALLOW, DENY,  ALLOW, ALLOW, DENY),
    ("api", "post"):     (DENY,  DENY,  ALLOW, ALLOW, DENY,  ALLOW, DENY,  DENY),
    ("api", "reply"):    (DENY,  DENY,  ALLOW, ALLOW, DENY,  ALLOW, DENY,  DENY),
    ("api", "pin"):      (DENY,  DENY,  DENY,  ALLOW, DENY,  ALLOW, DENY,  DENY),
    ("api", "remove"):   (DENY,  DENY,  DENY,  ALLOW, DENY,  ALLOW, DENY,  DENY),
    ("api", "report"):   (DENY,  DENY,  ALLOW, ALLOW, DENY,  ALLOW, ALLOW, DENY),
    ("api", "replies"):  (DENY,  DENY,  ALLOW, ALLOW, DENY,  ALLOW, ALLOW, DENY),
    ("admin", "view"):   (DENY,  DENY,  DENY,  ALLOW, DENY,  ALLOW, DENY,  DENY),
    ("admin", "remove"): (DENY,  DENY,  DENY,  ALLOW, DENY,  ALLOW, DENY,  DENY),
}
# fmt: on

POST_TEXT = "Mensaje de la matriz"
THREAD_POST = "Primer mensaje del grupo"


def conversation_cells():
    for (surface, action), outcomes in CONVERSATION_MATRIX.items():
        for role, expected in zip(CONVERSATION_ROLES, outcomes, strict=True):
            yield pytest.param(surface, action, role, expected, id=f"{surface}-{action}-{role}")


@pytest.fixture
def conversation_world(world):
    from studygroups.moderation import group_ban, member_suspend
    from studygroups.post_services import post_create

    world.users["non_member"] = AttendeeFactory(username="nico_nadie")
    # Written by another member: removing it is never its author's own delete.
    author = MembershipFactory(
        study_group=world.group_a, user=AttendeeFactory(username="tere_autora")
    ).user
    world.post = post_create(author=author, body=THREAD_POST, group=world.group_a)
    suspended = MembershipFactory(
        study_group=world.group_a, user=AttendeeFactory(username="sam_suspendido")
    ).user
    member_suspend(actor=world.users["staff"], member=suspended, days=7, reason="Spam.")
    banned = MembershipFactory(
        study_group=world.group_a, user=AttendeeFactory(username="beto_baneado")
    ).user
    group_ban(actor=world.users["organizer_a"], group=world.group_a, member=banned,
              reason="Acoso.")
    world.users.update(suspended=suspended, banned=banned)
    return world


@pytest.mark.parametrize("surface, action, role, expected", list(conversation_cells()))
def test_conversation_permission_matrix(client, conversation_world, surface, action, role,
                                        expected):
    from studygroups.posts import Post

    world = conversation_world
    if world.users[role] is not None:
        client.force_login(world.users[role])
    CONVERSATION_CHECKS[surface, action](client, world, role, expected)
    post = Post.objects.get(pk=world.post.pk)
    if action == "view" or expected != ALLOW:
        assert (post.status, post.pinned) == ("visible", False)
        assert not Post.objects.filter(body=POST_TEXT).exists()


def test_the_conversation_matrix_has_every_cell():
    assert set(CONVERSATION_MATRIX) == {
        (surface, action)
        for surface in ("forms", "api")
        for action in ("view", "post", "reply", "pin", "remove", "report", "replies")
    } | {("admin", "view"), ("admin", "remove")}


def conversation_refused_on_the_site(response, role):
    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login") + "?next=")
    else:
        assert response.status_code == 403, response.status_code


def forms_conversation_view(client, world, role, expected):
    response = client.get(world.group_a.get_absolute_url())
    assert response.status_code == 200
    assert (THREAD_POST in response.content.decode()) is (expected == ALLOW)


def forms_conversation_write(client, world, role, expected, parent=None):
    from studygroups.posts import Post

    data = {"body": POST_TEXT, **({"parent": parent.pk} if parent else {})}
    response = client.post(reverse("conversation-group-post", args=[world.group_a.pk]), data)
    if expected == ALLOW:
        assert response.status_code == 302
        written = Post.objects.get(body=POST_TEXT)
        assert written.parent == parent
    else:
        conversation_refused_on_the_site(response, role)


def forms_conversation_post(client, world, role, expected):
    forms_conversation_write(client, world, role, expected)


def forms_conversation_reply(client, world, role, expected):
    forms_conversation_write(client, world, role, expected, parent=world.post)


def forms_conversation_pin(client, world, role, expected):
    from studygroups.posts import Post

    response = client.post(reverse("conversation-post-pin", args=[world.post.pk]), {"pinned": "1"})
    if expected == ALLOW:
        assert response.status_code == 302 and Post.objects.get(pk=world.post.pk).pinned
    else:
        conversation_refused_on_the_site(response, role)


def forms_conversation_remove(client, world, role, expected):
    from studygroups.posts import Post

    response = client.post(reverse("conversation-post-remove", args=[world.post.pk]))
    if expected == ALLOW:
        assert response.status_code == 302
        assert Post.objects.get(pk=world.post.pk).status == "removed"
    else:
        conversation_refused_on_the_site(response, role)


def api_conversation_view(client, world, role, expected):
    response = client.get(reverse("api:studygroup-posts", args=[world.group_a.pk]))
    if expected == ALLOW:
        assert response.status_code == 200
        assert [post["body"] for post in response.json()["posts"]] == [THREAD_POST]
    else:
        assert_refused(response, role)
        assert THREAD_POST not in response.content.decode()


REPLY_TEXT = "Respuesta de la matriz"


def add_reply(world):
    from studygroups.posts import Post

    return Post.objects.create(
        thread=world.post.thread, parent=world.post, author=world.post.author, body=REPLY_TEXT
    )


def forms_conversation_replies(client, world, role, expected):
    add_reply(world)
    response = client.get(reverse("conversation-post-replies", args=[world.post.pk]))
    if expected == ALLOW:
        assert response.status_code == 200
        assert REPLY_TEXT in response.content.decode()
    else:
        conversation_refused_on_the_site(response, role)
        assert REPLY_TEXT not in response.content.decode()


def api_conversation_replies(client, world, role, expected):
    add_reply(world)
    response = client.get(reverse("api:post-replies", args=[world.post.pk]))
    if expected == ALLOW:
        assert response.status_code == 200
        assert [reply["body"] for reply in response.json()["replies"]] == [REPLY_TEXT]
    else:
        assert_refused(response, role)
        assert REPLY_TEXT not in response.content.decode()


def api_conversation_write(client, world, role, expected, parent=None):
    from studygroups.posts import Post

    data = {"body": POST_TEXT, **({"parent": parent.pk} if parent else {})}
    response = client.post(
        reverse("api:studygroup-posts", args=[world.group_a.pk]), data,
        content_type="application/json",
    )
    if expected == ALLOW:
        assert response.status_code == 201, response.content
        assert Post.objects.get(body=POST_TEXT).parent == parent
    else:
        assert_refused(response, role)


def api_conversation_post(client, world, role, expected):
    api_conversation_write(client, world, role, expected)


def api_conversation_reply(client, world, role, expected):
    api_conversation_write(client, world, role, expected, parent=world.post)


def api_conversation_pin(client, world, role, expected):
    from studygroups.posts import Post

    response = client.patch(
        reverse("api:post-detail", args=[world.post.pk]), {"pinned": True},
        content_type="application/json",
    )
    if expected == ALLOW:
        assert response.status_code == 200 and Post.objects.get(pk=world.post.pk).pinned
    else:
        assert_refused(response, role)


def api_conversation_remove(client, world, role, expected):
    from studygroups.posts import Post

    response = client.delete(reverse("api:post-detail", args=[world.post.pk]))
    if expected == ALLOW:
        assert response.status_code == 204
        assert Post.objects.get(pk=world.post.pk).status == "removed"
    else:
        assert_refused(response, role)


def conversation_admin_refused(response, role):
    assert response.status_code == 302
    if role in ("anonymous", "member", "non_member", "suspended", "banned"):
        assert response["Location"].startswith(reverse("admin:login") + "?next=")
    else:
        assert response["Location"] == reverse("admin:index")


def admin_conversation_view(client, world, role, expected):
    changelist = client.get(reverse("admin:studygroups_post_changelist"))
    page = client.get(admin_url(world.post))
    if expected == ALLOW:
        assert world.post in changelist.context["cl"].result_list
        assert page.status_code == 200 and page.context["original"] == world.post
    elif role == "organizer_b":
        assert changelist.status_code == 200
        assert list(changelist.context["cl"].result_list) == []
        conversation_admin_refused(page, role)
    else:
        conversation_admin_refused(changelist, role)
        conversation_admin_refused(page, role)


def admin_conversation_remove(client, world, role, expected):
    from studygroups.posts import Post

    response = client.post(
        reverse("admin:studygroups_post_changelist"),
        {"action": "remove_posts", "_selected_action": [world.post.pk]},
    )
    removed = Post.objects.get(pk=world.post.pk).status == "removed"
    assert removed is (expected == ALLOW)
    if expected != ALLOW and role != "organizer_b":
        conversation_admin_refused(response, role)


def post_reports(world):
    from studygroups.reports import Report

    return Report.objects.filter(object_id=world.post.pk, content_type__model="post")


def forms_conversation_report(client, world, role, expected):
    url = reverse("report-new", args=["post", world.post.pk])
    page = client.get(url)
    response = client.post(url, {"reason": "spam"})
    if expected == ALLOW:
        assert page.status_code == 200
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("report-sent"))
    else:
        # Nobody reads the post through its report form.
        assert THREAD_POST not in page.content.decode()
        if role == "anonymous":
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("login") + "?next=")
        else:
            assert (page.status_code, response.status_code) == (404, 404)
    assert post_reports(world).exists() is (expected == ALLOW)


def api_conversation_report(client, world, role, expected):
    response = client.post(
        reverse("api:report-create"),
        {"target_kind": "post", "target_id": world.post.pk, "reason": "spam"},
        content_type="application/json",
    )
    if expected == ALLOW:
        assert response.status_code == 201, response.content
    elif role == "anonymous":
        assert_refused(response, role)
    else:
        assert response.status_code == 400 and response.json()["parameter"] == "target_id"
    assert post_reports(world).exists() is (expected == ALLOW)


CONVERSATION_CHECKS = {
    ("forms", "view"): forms_conversation_view,
    ("forms", "post"): forms_conversation_post,
    ("forms", "reply"): forms_conversation_reply,
    ("forms", "pin"): forms_conversation_pin,
    ("forms", "remove"): forms_conversation_remove,
    ("forms", "report"): forms_conversation_report,
    ("forms", "replies"): forms_conversation_replies,
    ("api", "view"): api_conversation_view,
    ("api", "post"): api_conversation_post,
    ("api", "reply"): api_conversation_reply,
    ("api", "pin"): api_conversation_pin,
    ("api", "remove"): api_conversation_remove,
    ("api", "report"): api_conversation_report,
    ("api", "replies"): api_conversation_replies,
    ("admin", "view"): admin_conversation_view,
    ("admin", "remove"): admin_conversation_remove,
}
