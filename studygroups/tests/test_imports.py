"""Importing study groups (places.imports with studygroups.imports), and the
admin of imports: who may upload, what the form refuses, the progress JSON."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pyproj import Geod

from meetups.models import Venue
from places.imports import import_file
from places.models import ImportJob
from studygroups.models import Membership, StudyGroup

GEOD = Geod(ellps="WGS84")
GROUPS = {
    "type": "FeatureCollection",
    "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [-74.0721, 4.7110]},
         "properties": {"id": "g1", "nombre": "Club de lectura", "idioma": "es",
                        "ciudad": "Bogotá"}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [-75.5636, 6.2442]},
         "properties": {"id": "g2", "nombre": "Club de lectura", "idioma": "en"}},
        {"type": "Feature", "geometry": None,
         "properties": {"id": "g3", "nombre": "Python en línea", "online": "sí"}},
        {"type": "Feature", "geometry": None,
         "properties": {"id": "g4", "nombre": "Sin lugar", "idioma": "fr"}},
    ],
}


def groups_file(tmp_path):
    path = tmp_path / "groups.geojson"
    path.write_text(json.dumps(GROUPS), encoding="utf-8")
    return path


def test_imported_groups_get_unique_slugs_their_organizer_and_the_model_rules(
    organizer_a, tmp_path
):
    job = ImportJob.objects.create(
        kind="studygroup", file_name="groups.geojson", source="s", language="en",
        mode=ImportJob.Mode.SKIP_BAD_ROWS, created_by=organizer_a, status="running",
    )
    import_file(job, groups_file(tmp_path))
    job.refresh_from_db()
    assert (job.status, job.created_rows, job.problem_rows) == ("done", 3, 1)
    # Row 4: a language that is not a choice, and no place for an in-person group.
    assert sorted((p.row, p.field) for p in job.problems.all()) == [
        (4, "language"), (4, "location")
    ]
    imported = StudyGroup.objects.filter(import_source="s").order_by("external_id")
    assert [g.slug for g in imported][:1] == ["club-de-lectura"]
    assert imported[1].slug == f"club-de-lectura-{imported[1].pk}"
    assert imported[2].is_online and imported[2].location is None
    assert imported[1].language == "en" and imported[0].city == "Bogotá"
    assert GEOD.inv(imported[0].location.x, imported[0].location.y, -74.0721, 4.7110)[2] < 0.05
    assert Membership.objects.filter(
        user=organizer_a, study_group__in=imported, role="organizer"
    ).count() == 3


def upload(client, name="venues.geojson", content=None, **data):
    content = content if content is not None else json.dumps({
        "type": "FeatureCollection",
        "features": [{"type": "Feature",
                      "geometry": {"type": "Point", "coordinates": [-3.69, 40.42]},
                      "properties": {"name": "Sala", "capacity": 10}}],
    }).encode()
    data.setdefault("kind", "venue")
    data.setdefault("mode", "all")
    return client.post(
        "/admin/places/importjob/add/",
        {"upload": SimpleUploadedFile(name, content), "source_srs": "", **data},
    )


def test_an_organizer_imports_venues_into_their_group(
    client, organizer_a, group_a, django_capture_on_commit_callbacks
):
    client.force_login(organizer_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, study_group=group_a.pk)
    assert response.status_code == 302, response.content
    job = ImportJob.objects.get()
    assert (job.status, job.created_rows, job.created_by) == ("done", 1, organizer_a)
    assert Venue.objects.get().study_group == group_a
    page = client.get(f"/admin/places/importjob/{job.pk}/change/")
    assert page.status_code == 200
    assert b'id="import-bar"' in page.content
    progress = client.get(f"/admin/places/importjob/{job.pk}/progress/").json()
    assert progress["progress"] == 100 and progress["finished"] is True


def test_an_organizer_cannot_import_into_another_group(client, organizer_a, group_b):
    client.force_login(organizer_a)
    response = upload(client, study_group=group_b.pk)
    assert response.status_code == 200
    assert "study_group" in response.context["adminform"].form.errors
    assert not ImportJob.objects.exists()


def test_an_organizer_must_name_the_group_of_the_venues(client, organizer_a):
    client.force_login(organizer_a)
    response = upload(client)
    assert "study_group" in response.context["adminform"].form.errors


@pytest.mark.parametrize(
    "name, content", [("notes.txt", b"hello"), ("empty.geojson", b"")]
)
def test_the_form_refuses_a_wrong_extension_or_an_empty_file(client, moderator, name, content):
    client.force_login(moderator)
    response = upload(client, name=name, content=content)
    assert response.status_code == 200
    assert "upload" in response.context["adminform"].form.errors
    assert not ImportJob.objects.exists()


def test_others_jobs_are_hidden_from_an_organizer(client, organizer_a, organizer_b, moderator):
    job = ImportJob.objects.create(kind="venue", file_name="f.geojson", source="f",
                                   created_by=organizer_b)
    client.force_login(organizer_a)
    assert client.get(f"/admin/places/importjob/{job.pk}/progress/").status_code == 404
    assert client.get(f"/admin/places/importjob/{job.pk}/change/").status_code == 404
    client.force_login(moderator)
    assert client.get(f"/admin/places/importjob/{job.pk}/progress/").status_code == 200


def test_a_member_who_organizes_nothing_may_not_import(client, member_a):
    member_a.is_staff = True
    member_a.save()
    client.force_login(member_a)
    assert client.get("/admin/places/importjob/add/").status_code == 403
