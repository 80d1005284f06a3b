"""Real OGC API - Features clients against a live server: GDAL's OAPIF driver
(Debian's ogr2ogr) and OWSLib's client, as QGIS-like users run them.

Expected rows and coordinates come from the ORM's lon/lat and pyproj.
"""

import json
import os
import shutil
import subprocess

import pytest
from owslib.ogcapi.features import Features
from pyproj import Transformer

from meetups.models import Event, Venue
from places.tests.test_ogc import locations
from tests.demo_snapshot import load_demo

OGR2OGR = shutil.which("ogr2ogr") or "/usr/bin/ogr2ogr"
GDAL_TIMEOUT_S = 120
EPSG_3857 = "http://www.opengis.net/def/crs/EPSG/0/3857"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
TO_MERCATOR = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
# Bogotá in lon/lat: west, south, east, north.
BOGOTA = (-74.2, 4.45, -73.95, 4.85)


@pytest.fixture
def served_demo(live_server, transactional_db):
    """The live server's URL, with the demo committed where its threads can read it."""
    load_demo()
    return live_server.url


def ogr2ogr(*args):
    """Run Debian's ogr2ogr; its GDAL debug output (which URLs it fetched) on failure."""
    if not os.path.exists(OGR2OGR):
        pytest.fail("ogr2ogr not found; `make test` installs Debian's gdal-bin.")
    result = subprocess.run(
        [OGR2OGR, *args],
        capture_output=True,
        text=True,
        timeout=GDAL_TIMEOUT_S,
        env={**os.environ, "GDAL_HTTP_TIMEOUT": "20", "CPL_DEBUG": "ON"},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result


def fetched(stderr):
    """The URLs GDAL fetched, from its debug output."""
    return [
        line.split("Fetch(", 1)[1].rstrip(")")
        for line in stderr.splitlines()
        if "HTTP: Fetch(" in line
    ]


def mercator_box(west, south, east, north):
    (x1, x2), (y1, y2) = TO_MERCATOR.transform([west, east], [south, north])
    return x1, y1, x2, y2


def inside(points, west, south, east, north):
    return {pk for pk, (lon, lat) in points.items()
            if west <= lon <= east and south <= lat <= north}


def test_ogr2ogr_copies_a_layer_page_by_page_into_a_geopackage(served_demo, tmp_path):
    target = tmp_path / "events.gpkg"
    events = {pk: point for pk, point in locations(Event).items()}

    result = ogr2ogr(
        "-f", "GPKG", str(target), f"OAPIF:{served_demo}/ogc/", "events", "-oo", "PAGE_SIZE=25",
        "-preserve_fid",
    )
    copied = ogr2ogr(
        "-f", "GeoJSON", "/vsistdout/", str(target),
        "-sql", "SELECT fid + 0 AS pk, geom FROM events",
    )

    pages = [url for url in fetched(result.stderr) if "/items?" in url]
    assert sum("cursor=" in url for url in pages) >= Event.objects.count() // 25
    features = json.loads(copied.stdout)["features"]
    assert {feature["properties"]["pk"] for feature in features} == set(
        Event.objects.values_list("pk", flat=True)
    )
    for feature in features:
        pk = feature["properties"]["pk"]
        if pk in events:
            assert feature["geometry"]["coordinates"] == pytest.approx(events[pk], abs=1e-6)


def test_ogr2ogr_spatial_filter_in_web_mercator(served_demo):
    expected = inside(locations(Venue), *BOGOTA)

    result = ogr2ogr(
        "-f", "GeoJSON", "/vsistdout/", f"OAPIF:{served_demo}/ogc/", "venues",
        "-spat", *(repr(edge) for edge in mercator_box(*BOGOTA)), "-spat_srs", "EPSG:3857",
        "-preserve_fid",
    )

    # GDAL 3.6 turns the box into CRS84 itself and asks with bbox=.
    assert any("bbox=" in url for url in fetched(result.stderr))
    found = {feature["id"] for feature in json.loads(result.stdout)["features"]}
    assert len(expected) > 2
    assert found == expected


@pytest.fixture
def owslib_client(served_demo):
    return Features(f"{served_demo}/ogc/", timeout=30)


def test_owslib_reads_conformance_and_collections_with_their_crs(owslib_client):
    conformance = owslib_client.conformance()["conformsTo"]
    collections = {c["id"]: c for c in owslib_client.collections()["collections"]}

    assert "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs" in conformance
    assert set(collections) == {"studygroups", "events", "venues"}
    venues = owslib_client.collection("venues")
    assert EPSG_3857 in venues["crs"] and venues["storageCrs"] == CRS84


def test_owslib_items_with_a_3857_bbox_in_3857(owslib_client):
    points = locations(Venue)
    expected = inside(points, *BOGOTA)

    page = owslib_client.collection_items(
        "venues", bbox=list(mercator_box(*BOGOTA)), crs=EPSG_3857, limit=1000,
        **{"bbox-crs": EPSG_3857},
    )

    assert {feature["id"] for feature in page["features"]} == expected
    assert page["numberMatched"] == len(expected) > 2
    for feature in page["features"]:
        assert feature["geometry"]["coordinates"] == pytest.approx(
            TO_MERCATOR.transform(*points[feature["id"]]), abs=0.01
        )


def test_owslib_pages_through_next_links_keeping_the_crs(owslib_client):
    page = owslib_client.collection_items("venues", crs=EPSG_3857, limit=40)
    ids = [feature["id"] for feature in page["features"]]
    while True:
        nexts = [link["href"] for link in page["links"] if link["rel"] == "next"]
        if not nexts:
            break
        # OWSLib has no paging of its own: follow the link as QGIS does.
        query = dict(part.split("=", 1) for part in nexts[0].split("?", 1)[1].split("&"))
        assert query["crs"] == EPSG_3857.replace(":", "%3A").replace("/", "%2F")
        page = owslib_client.collection_items(
            "venues", crs=EPSG_3857, limit=40, cursor=query["cursor"]
        )
        ids += [feature["id"] for feature in page["features"]]

    assert sorted(ids) == sorted(Venue.objects.values_list("pk", flat=True))
