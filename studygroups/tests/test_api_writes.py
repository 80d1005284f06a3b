"""Organizers write study groups through the GeoJSON API; everyone else reads."""

import pytest
from django.contrib.auth.models import Permission

from studygroups.models import Membership, StudyGroup

from .factories import MembershipFactory, StudyGroupFactory, TopicFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_bbox_across_the_antimeridian_is_answered(client):
    fiji = StudyGroupFactory(location="SRID=4326;POINT (178.44 -18.14)")
    samoa = StudyGroupFactory(location="SRID=4326;POINT (-171.76 -13.83)")
    StudyGroupFactory(location="SRID=4326;POINT (0 -15)")
    body = client.get("/api/studygroups/", {"bbox": "170,-25,-170,-5"}).json()
    assert {f["id"] for f in body["features"]} == {fiji.pk, samoa.pk}


OMITTED = object()


def feature(geometry=OMITTED, **properties):
    """A GeoJSON Feature body; without a geometry argument, no geometry member
    (so a PATCH leaves the location alone)."""
    body = {"type": "Feature", "properties": properties}
    if geometry is not OMITTED:
        body["geometry"] = geometry
    return body


def point(lon, lat):
    return {"type": "Point", "coordinates": [lon, lat]}


def post(client, url, body):
    return client.post(url, body, content_type="application/json")


def patch(client, url, body):
    return client.patch(url, body, content_type="application/json")


def test_anonymous_visitors_cannot_write(client, db):
    group = StudyGroupFactory()
    assert post(client, "/api/studygroups/", feature(point(1, 2), name="x")).status_code in (
        401,
        403,
    )
    assert patch(client, f"/api/studygroups/{group.pk}/", feature(name="x")).status_code in (
        401,
        403,
    )
    assert client.delete(f"/api/studygroups/{group.pk}/").status_code in (401, 403)
    assert StudyGroup.objects.get(pk=group.pk).name == group.name


def test_creating_a_group_makes_its_creator_the_organizer(client, db):
    user = UserFactory()
    TopicFactory(name_es="Python", name_en="Python", slug="python")
    client.force_login(user)
    response = post(
        client,
        "/api/studygroups/",
        feature(point(-74.0659, 4.6015), name="Python en Los Andes", topics=["python"]),
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert response["Location"].endswith(f"/api/studygroups/{created['id']}/")
    assert created["geometry"] == point(-74.0659, 4.6015)
    assert created["properties"]["slug"] == "python-en-los-andes"
    assert created["properties"]["topics"] == ["python"]
    group = StudyGroup.objects.get(pk=created["id"])
    assert (group.location.x, group.location.y) == (-74.0659, 4.6015)
    assert Membership.objects.get(study_group=group).user == user
    assert Membership.objects.get(study_group=group).role == "organizer"


def test_an_organizer_edits_and_deletes_their_group(client, db):
    membership = MembershipFactory(role="organizer")
    group = membership.study_group
    client.force_login(membership.user)
    response = patch(client, f"/api/studygroups/{group.pk}/", feature(point(-3.7038, 40.4168)))
    assert response.status_code == 200, response.content
    group.refresh_from_db()
    assert (group.location.x, group.location.y) == (-3.7038, 40.4168)
    assert client.delete(f"/api/studygroups/{group.pk}/").status_code == 204
    assert not StudyGroup.objects.filter(pk=group.pk).exists()


@pytest.mark.parametrize("role", [None, "member", "organizer of another group"])
def test_others_cannot_edit_or_delete_a_group(client, db, role):
    group = StudyGroupFactory(name="Original")
    user = UserFactory()
    if role == "member":
        MembershipFactory(user=user, study_group=group, role="member")
    elif role:
        MembershipFactory(user=user, role="organizer")
    client.force_login(user)
    response = patch(client, f"/api/studygroups/{group.pk}/", feature(name="Hijacked"))
    assert response.status_code == 403
    assert client.delete(f"/api/studygroups/{group.pk}/").status_code == 403
    assert StudyGroup.objects.get(pk=group.pk).name == "Original"


def test_staff_with_the_model_permission_edit_any_group(client, db):
    group = StudyGroupFactory()
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(
        Permission.objects.get(content_type__app_label="studygroups", codename="moderate")
    )
    client.force_login(staff)
    response = patch(client, f"/api/studygroups/{group.pk}/", feature(capacity=12))
    assert response.status_code == 200, response.content
    assert StudyGroup.objects.get(pk=group.pk).capacity == 12


@pytest.mark.parametrize(
    "body, field",
    [
        (feature(point(200, 10), name="Fuera"), "location"),
        (feature(point(10, 95), name="Fuera"), "location"),
        (feature({"type": "Point", "coordinates": []}, name="Vacío"), "location"),
        (feature({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]},
                 name="Polígono"), "location"),
        (feature({"type": "Nonsense"}, name="Raro"), "location"),
        (feature(None, name="Sin lugar"), "location"),
        (feature(point(1, 2), name=""), "name"),
        (feature(point(1, 2), name="Cero", capacity=0), "capacity"),
        (feature(point(1, 2), name="Idioma", language="fr"), "language"),
        (feature(point(1, 2), name="Tema", topics=["no-such-topic"]), "topics"),
        (feature(point(1, 2), name="Área", meeting_area=point(1, 2)), "meeting_area"),
        ({"type": "FeatureCollection", "features": []}, "type"),
        ({"type": "Feature", "properties": [1, 2]}, "properties"),
        ({"type": "Feature", "geometry": "POINT", "properties": {"name": "x"}}, "geometry"),
    ],
)
def test_bad_writes_get_a_400_naming_the_field(client, db, body, field):
    client.force_login(UserFactory())
    response = post(client, "/api/studygroups/", body)
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert not StudyGroup.objects.exists()


def test_a_taken_slug_is_refused(client, db):
    StudyGroupFactory(slug="python-bogota")
    client.force_login(UserFactory())
    response = post(
        client, "/api/studygroups/", feature(point(1, 2), name="P", slug="python-bogota")
    )
    assert response.status_code == 400
    assert "slug" in response.json()["errors"]
    assert StudyGroup.objects.count() == 1


@pytest.mark.parametrize("accept", ["application/geo+json", "application/json", "*/*"])
def test_lists_answer_whatever_json_the_client_accepts(client, accept):
    StudyGroupFactory()
    response = client.get("/api/studygroups/", HTTP_ACCEPT=accept)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    assert len(response.json()["features"]) == 1


@pytest.mark.parametrize(
    "geometry",
    [
        {"type": "Point", "coordinates": ["a", "b"]},
        {"type": "Point", "coordinates": [1]},
        {"type": "Point"},
        {"type": "Point", "coordinates": "POINT(1 2)"},
    ],
)
def test_a_broken_geometry_is_explained_in_the_callers_language(client, db, geometry):
    client.force_login(UserFactory())
    response = client.post(
        "/api/studygroups/", feature(geometry, name="Roto"), content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="es",
    )
    assert response.status_code == 400, response.content
    assert response.json()["errors"] == {
        "location": [
            'No es una geometría GeoJSON: da su "type" y sus "coordinates" como números, '
            'por ejemplo {"type": "Point", "coordinates": [-74.0817, 4.6097]}.'
        ]
    }
    assert not StudyGroup.objects.exists()


def test_a_body_that_is_not_json_is_told_so(client, db):
    client.force_login(UserFactory())
    unreadable = client.post(
        "/api/studygroups/", "{bad json", content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert unreadable.status_code == 400
    assert "JSON parse error" in unreadable.json()["description"]
    form = client.post("/api/studygroups/", {"type": "Feature", "name": "x"})  # form-encoded
    assert form.status_code == 415
    assert "multipart/form-data" in form.json()["description"]
    geojson = client.post(
        "/api/studygroups/", feature(point(-74.08, 4.6), name="Geo"),
        content_type="application/geo+json",
    )
    assert geojson.status_code == 201, geojson.content


def test_the_apis_own_errors_say_tu_in_spanish(client, db):
    client.force_login(UserFactory())
    response = client.post(
        "/api/studygroups/", feature(point(-74.08, 4.6), name="Grande", capacity=2**31),
        content_type="application/json", HTTP_ACCEPT_LANGUAGE="es",
    )
    assert response.json()["errors"] == {
        "capacity": ["Asegúrate de que este valor sea menor o igual que 2147483647."]
    }


def test_a_group_is_written_with_its_time_zone_and_join_policy(client, db):
    client.force_login(UserFactory())
    created = post(
        client, "/api/studygroups/",
        feature(point(-3.7269, 40.4494), name="Topología", join_policy="approval"),
    )
    assert created.status_code == 201, created.content
    properties = created.json()["properties"]
    # No zone given: the nearest city's, as on the site.
    assert (properties["time_zone"], properties["join_policy"]) == ("Europe/Madrid", "approval")
    url = created["Location"]
    changed = patch(client, url, feature(time_zone="Atlantic/Canary", join_policy="open"))
    assert changed.status_code == 200, changed.content
    assert changed.json()["properties"]["time_zone"] == "Atlantic/Canary"
    assert changed.json()["properties"]["join_policy"] == "open"
    for field, value in (("time_zone", "Europe/Nowhere"), ("join_policy", "whatever")):
        response = patch(client, url, feature(**{field: value}))
        assert response.status_code == 400 and field in response.json()["errors"], response.content
