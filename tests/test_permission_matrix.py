"""Who may do what to group A's records, on each of the three surfaces.

Five roles (anonymous, a member of group A, group A's organizer, group B's
organizer, staff) against five actions (view, create, edit, delete, approve)
in the admin, the site's forms and the GeoJSON API. ``MATRIX`` below is the
whole table: each cell is one test, named ``<surface>-<action>-<role>``, that
checks the HTTP answer *and* what the database holds afterwards.

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
from meetups.models import Event
from meetups.tests.factories import AttendeeFactory, EventFactory, VenueFactory
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
}
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
    return SimpleNamespace(
        group_a=group_a,
        group_b=group_b,
        users=users,
        pending=pending,
        venue_a=venue_a,
        venue_b=venue_b,
        event_a=event_a,
        event_b=event_b,
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
        for action in ("view", "create", "edit", "delete", "approve")
    }
    assert set(KNOWN_BUGS) <= {
        (surface, action, role) for surface, action in MATRIX for role in ROLES
    }


# What the database holds.

NEW_NAME = "Grupo Renombrado"
NEW_EVENT = "Sesión de la matriz"


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


def untouched(world):
    """Group A, its event and the pending request are as the world made them."""
    group = StudyGroup.objects.get(pk=world.group_a.pk)
    event = Event.objects.get(pk=world.event_a.pk)
    return (
        group.name == "Grupo Alfa"
        and event.status == "scheduled"
        and not Event.objects.filter(title=NEW_EVENT).exists()
        and Membership.objects.get(pk=world.pending.pk).status == "pending"
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


CHECKS = {
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


# The conversation of group A (issue 13) ---------------------------------------
#
# Six roles (a signed-in user in no group added) against five actions on group
# A's discussion thread, whose one post (by another member) is already there:
#
# action   forms (the site)                    api
# view     the thread's text on A's page       GET /api/studygroups/A/posts/
# post     POST /conversation/groups/A/posts/  POST /api/studygroups/A/posts/
# reply    the same, with parent=the post      the same, with "parent"
# pin      POST /conversation/posts/P/pin/     PATCH /api/posts/P/ {"pinned": true}
# remove   POST /conversation/posts/P/remove/  DELETE /api/posts/P/ (not its author)
#
# In the admin: view is the post's change page and the changelist, remove the
# changelist's "remove" action; posts are neither added nor edited there.
#
# Staff is a moderator. Group B's organizer is a stranger to A's thread.

CONVERSATION_ROLES = ("anonymous", "non_member", "member", "organizer_a", "organizer_b", "staff")

# fmt: off
CONVERSATION_MATRIX = {
    #  surface   action       anonymous non_member member organizer_a organizer_b staff
    ("forms", "view"):       (DENY,   DENY,   ALLOW,  ALLOW,  DENY,   ALLOW),
    ("forms", "post"):       (DENY,   DENY,   ALLOW,  ALLOW,  DENY,   ALLOW),
    ("forms", "reply"):      (DENY,   DENY,   ALLOW,  ALLOW,  DENY,   ALLOW),
    ("forms", "pin"):        (DENY,   DENY,   DENY,   ALLOW,  DENY,   ALLOW),
    ("forms", "remove"):     (DENY,   DENY,   DENY,   ALLOW,  DENY,   ALLOW),
    ("api", "view"):         (DENY,   DENY,   ALLOW,  ALLOW,  DENY,   ALLOW),
    ("api", "post"):         (DENY,   DENY,   ALLOW,  ALLOW,  DENY,   ALLOW),
    ("api", "reply"):        (DENY,   DENY,   ALLOW,  ALLOW,  DENY,   ALLOW),
    ("api", "pin"):          (DENY,   DENY,   DENY,   ALLOW,  DENY,   ALLOW),
    ("api", "remove"):       (DENY,   DENY,   DENY,   ALLOW,  DENY,   ALLOW),
    ("admin", "view"):       (DENY,   DENY,   DENY,   ALLOW,  DENY,   ALLOW),
    ("admin", "remove"):     (DENY,   DENY,   DENY,   ALLOW,  DENY,   ALLOW),
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
    from conversation.services import post_create

    world.users["non_member"] = AttendeeFactory(username="nico_nadie")
    # Written by another member: removing it is never its author's own delete.
    author = MembershipFactory(
        study_group=world.group_a, user=AttendeeFactory(username="tere_autora")
    ).user
    world.post = post_create(author=author, body=THREAD_POST, group=world.group_a)
    return world


@pytest.mark.parametrize("surface, action, role, expected", list(conversation_cells()))
def test_conversation_permission_matrix(client, conversation_world, surface, action, role,
                                        expected):
    from conversation.models import Post

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
        for action in ("view", "post", "reply", "pin", "remove")
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
    from conversation.models import Post

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
    from conversation.models import Post

    response = client.post(reverse("conversation-post-pin", args=[world.post.pk]), {"pinned": "1"})
    if expected == ALLOW:
        assert response.status_code == 302 and Post.objects.get(pk=world.post.pk).pinned
    else:
        conversation_refused_on_the_site(response, role)


def forms_conversation_remove(client, world, role, expected):
    from conversation.models import Post

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


def api_conversation_write(client, world, role, expected, parent=None):
    from conversation.models import Post

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
    from conversation.models import Post

    response = client.patch(
        reverse("api:post-detail", args=[world.post.pk]), {"pinned": True},
        content_type="application/json",
    )
    if expected == ALLOW:
        assert response.status_code == 200 and Post.objects.get(pk=world.post.pk).pinned
    else:
        assert_refused(response, role)


def api_conversation_remove(client, world, role, expected):
    from conversation.models import Post

    response = client.delete(reverse("api:post-detail", args=[world.post.pk]))
    if expected == ALLOW:
        assert response.status_code == 204
        assert Post.objects.get(pk=world.post.pk).status == "removed"
    else:
        assert_refused(response, role)


def conversation_admin_refused(response, role):
    assert response.status_code == 302
    if role in ("anonymous", "member", "non_member"):
        assert response["Location"].startswith(reverse("admin:login") + "?next=")
    else:
        assert response["Location"] == reverse("admin:index")


def admin_conversation_view(client, world, role, expected):
    changelist = client.get(reverse("admin:conversation_post_changelist"))
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
    from conversation.models import Post

    response = client.post(
        reverse("admin:conversation_post_changelist"),
        {"action": "remove_posts", "_selected_action": [world.post.pk]},
    )
    removed = Post.objects.get(pk=world.post.pk).status == "removed"
    assert removed is (expected == ALLOW)
    if expected != ALLOW and role != "organizer_b":
        conversation_admin_refused(response, role)


CONVERSATION_CHECKS = {
    ("forms", "view"): forms_conversation_view,
    ("forms", "post"): forms_conversation_post,
    ("forms", "reply"): forms_conversation_reply,
    ("forms", "pin"): forms_conversation_pin,
    ("forms", "remove"): forms_conversation_remove,
    ("api", "view"): api_conversation_view,
    ("api", "post"): api_conversation_post,
    ("api", "reply"): api_conversation_reply,
    ("api", "pin"): api_conversation_pin,
    ("api", "remove"): api_conversation_remove,
    ("admin", "view"): admin_conversation_view,
    ("admin", "remove"): admin_conversation_remove,
}
