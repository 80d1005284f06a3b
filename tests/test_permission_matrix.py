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
        assert world.pending in response.context["memberships"]
        assert f'action="{approve_url}"' in html
        assert f'name="membership" value="{world.pending.pk}"' in html
    else:
        assert expected == PUBLIC
        assert response.context["can_manage"] is False
        assert response.context["memberships"] is None
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
