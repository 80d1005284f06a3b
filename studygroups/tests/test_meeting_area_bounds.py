"""A meeting area is bounded (issue 12, defect 2): at most 5,000 points and
1,000 km², refused with a 400 naming ``meeting_area`` (and by the database
itself), and lists of study groups never carry the polygons."""

import json
import math

import pytest
from django.contrib.gis.geos import GEOSGeometry
from django.db import IntegrityError, transaction
from pyproj import Geod

from studygroups.models import StudyGroup

from .factories import StudyGroupFactory, UserFactory

pytestmark = pytest.mark.django_db

GEOD = Geod(ellps="WGS84")
# Ciudad Universitaria, Bogotá.
CAMPUS = (-74.0833, 4.6369)


def circle(center, radius_m, points):
    """A closed ring of ``points`` positions ``radius_m`` around ``center`` (pyproj)."""
    lon, lat = center
    ring = []
    for i in range(points):
        end_lon, end_lat, _ = GEOD.fwd(lon, lat, 360 * i / points, radius_m)
        ring.append([round(end_lon, 7), round(end_lat, 7)])
    return [*ring, ring[0]]


def area_km2(ring):
    lons, lats = zip(*ring)
    return abs(GEOD.polygon_area_perimeter(lons, lats)[0]) / 1e6


def create(client, area):
    body = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": list(CAMPUS)},
        "properties": {"name": "Grupo del campus",
                       "meeting_area": {"type": "Polygon", "coordinates": [area]}},
    }
    return client.post("/api/studygroups/", json.dumps(body), content_type="application/json",
                       HTTP_ACCEPT_LANGUAGE="en")


def test_a_meeting_area_of_5000_points_is_taken(client):
    client.force_login(UserFactory())
    ring = circle(CAMPUS, 800, 4999)  # 5,000 with the closing point
    response = create(client, ring)
    assert response.status_code == 201, response.content[:300]


def test_a_meeting_area_of_more_than_5000_points_is_a_400_naming_it(client):
    client.force_login(UserFactory())
    response = create(client, circle(CAMPUS, 800, 5001))
    assert response.status_code == 400
    body = response.json()
    assert body["parameter"] == "meeting_area"
    assert "5002" in body["description"].replace(",", "")
    assert not StudyGroup.objects.exists()


def test_a_meeting_area_over_1000_km2_is_a_400_naming_it(client):
    client.force_login(UserFactory())
    ring = circle(CAMPUS, 20_000, 64)
    assert area_km2(ring) > 1000
    response = create(client, ring)
    assert response.status_code == 400, response.content
    assert response.json()["parameter"] == "meeting_area"
    assert "1,000 km²" in response.json()["description"]
    assert not StudyGroup.objects.exists()


def test_a_meeting_area_under_1000_km2_is_taken(client):
    client.force_login(UserFactory())
    ring = circle(CAMPUS, 17_000, 64)
    assert 800 < area_km2(ring) < 1000
    assert create(client, ring).status_code == 201


def ewkt(ring):
    return "SRID=4326;POLYGON((" + ",".join(f"{lon} {lat}" for lon, lat in ring) + "))"


@pytest.mark.parametrize(
    "ring", [circle(CAMPUS, 500, 6000), circle(CAMPUS, 30_000, 32)], ids=["points", "area"]
)
def test_the_database_refuses_an_unbounded_meeting_area(ring):
    group = StudyGroupFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        StudyGroup.objects.filter(pk=group.pk).update(meeting_area=GEOSGeometry(ewkt(ring)))


def test_the_group_form_names_the_meeting_area(client):
    from studygroups.forms import StudyGroupForm

    form = StudyGroupForm(data={
        "name": "Grande", "language": "es", "join_policy": "open", "capacity": 10,
        "location": json.dumps({"type": "Point", "coordinates": list(CAMPUS)}),
        "meeting_area": json.dumps(
            {"type": "Polygon", "coordinates": [circle(CAMPUS, 30_000, 32)]}),
    })
    assert not form.is_valid()
    assert "meeting_area" in form.errors, form.errors


@pytest.mark.parametrize(
    "url",
    ["/api/studygroups/", "/api/studygroups/?bbox=-75,4,-73,5",
     "/api/studygroups/?near=-74.08,4.63", "/ogc/collections/studygroups/items",
     "/ogc/collections/studygroups/items?bbox=-75,4,-73,5",
     "/api/studygroups/export.csv", "/api/studygroups/export.geojson"],
)
def test_lists_carry_points_not_meeting_areas(client, url):
    ring = circle(CAMPUS, 800, 4000)
    for i in range(3):
        StudyGroupFactory(location=f"SRID=4326;POINT ({CAMPUS[0]} {CAMPUS[1]})",
                          meeting_area=GEOSGeometry(ewkt(ring)))
    response = client.get(url)
    assert response.status_code == 200, (url, response.content[:300])
    content = b"".join(response.streaming_content) if response.streaming else response.content
    # 4,000 positions of a polygon are over 80 kB; three groups' points are not.
    assert len(content) < 20_000, (url, len(content))
    assert math.isfinite(len(content))
