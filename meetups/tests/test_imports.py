"""Importing venues from GIS files (places.imports): each format, any CRS,
bad rows in both modes, re-imports, hostile files, the command, the task
through a real worker, and the admin's upload and progress."""

import json
import subprocess
import zipfile

import pytest
from django.core.management import CommandError, call_command
from pyproj import Geod, Transformer

from meetups.models import Venue
from places.imports import import_file
from places.models import ImportJob
from places.tasks import import_run

from .test_worker import wait_for

GEOD = Geod(ellps="WGS84")
# (external id, name, city, capacity, lon, lat): real places of Madrid.
PLACES = [
    ("m1", "Biblioteca Nacional", "Madrid", "120", -3.690472, 40.423806),
    ("m2", "Medialab Matadero", "Madrid", "80", -3.698053, 40.391849),
    ("m3", "Biblioteca Eugenio Trías", "Madrid", "60", -3.679539, 40.413186),
]


def geojson(path, rows=PLACES, crs=None):
    """A GeoJSON FeatureCollection of ``rows`` (lon/lat, unless ``crs``)."""
    collection = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"external_id": pk, "name": name, "city": city, "capacity": capacity},
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
            }
            for pk, name, city, capacity, lon, lat in rows
        ],
    }
    if crs:
        collection["crs"] = {"type": "name", "properties": {"name": crs}}
    path.write_text(json.dumps(collection), encoding="utf-8")
    return path


def ogr2ogr(*arguments):
    subprocess.run(["ogr2ogr", *map(str, arguments)], check=True, capture_output=True)


def run(path, **fields):
    """Import ``path`` as a job (all or nothing unless told) and return it, reloaded."""
    fields.setdefault("source", "madrid-open-data")
    fields.setdefault("language", "en")
    job = ImportJob.objects.create(
        kind=fields.pop("kind", "venue"), file_name=path.name,
        status=ImportJob.Status.RUNNING, **fields,
    )
    import_file(job, path)
    job.refresh_from_db()
    return job


def distance_m(point, lon, lat):
    return GEOD.inv(point.x, point.y, lon, lat)[2]


def assert_places_imported(names=None):
    venues = {venue.name: venue for venue in Venue.objects.all()}
    expected = [row for row in PLACES if names is None or row[1] in names]
    assert sorted(venues) == sorted(row[1] for row in expected)
    for _pk, name, _city, _capacity, lon, lat in expected:
        assert distance_m(venues[name].location, lon, lat) < 0.05


def make_geojson(tmp_path):
    return geojson(tmp_path / "venues.geojson")


def make_csv_lonlat(tmp_path):
    path = tmp_path / "venues.csv"
    lines = ["external_id,name,city,capacity,lon,lat"]
    lines += [",".join([pk, name, city, capacity, str(lon), str(lat)])
              for pk, name, city, capacity, lon, lat in PLACES]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def make_csv_wkt(tmp_path):
    path = tmp_path / "venues_wkt.csv"
    ogr2ogr("-f", "CSV", path, make_geojson(tmp_path), "-lco", "GEOMETRY=AS_WKT")
    assert path.read_text().startswith("WKT,")
    return path


def make_gpkg(tmp_path):
    path = tmp_path / "venues.gpkg"
    ogr2ogr("-f", "GPKG", path, make_geojson(tmp_path))
    return path


def make_kml(tmp_path):
    path = tmp_path / "venues.kml"
    ogr2ogr("-f", "KML", path, make_geojson(tmp_path), "-dsco", "NameField=name")
    return path


def make_shapefile_zip(tmp_path):
    folder = tmp_path / "shp"
    folder.mkdir()
    ogr2ogr("-f", "ESRI Shapefile", folder / "venues.shp", make_geojson(tmp_path))
    path = tmp_path / "venues.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for member in folder.iterdir():
            archive.write(member, f"venues/{member.name}")
    return path


@pytest.mark.parametrize(
    "make",
    [make_geojson, make_csv_lonlat, make_csv_wkt, make_gpkg, make_kml, make_shapefile_zip],
    ids=["geojson", "csv-lonlat", "csv-wkt", "gpkg", "kml", "shapefile-zip"],
)
def test_each_format_imports_the_venues_where_they_are(db, tmp_path, make):
    path = make(tmp_path)
    # KML keeps a name and a description only: the capacity comes from the job.
    job = run(path, options={"defaults": {"capacity": 30}})
    assert job.status == ImportJob.Status.DONE, job.error
    assert (job.total_rows, job.created_rows, job.problem_rows) == (3, 3, 0)
    assert_places_imported()


def test_a_csv_in_etrs89_utm_30n_is_reprojected_to_wgs84(db, tmp_path):
    to_utm = Transformer.from_crs("EPSG:4326", "EPSG:25830", always_xy=True)
    path = tmp_path / "utm.csv"
    lines = ["name,capacity,x,y"]
    for _pk, name, _city, capacity, lon, lat in PLACES:
        x, y = to_utm.transform(lon, lat)
        assert 400_000 < x < 500_000  # metres: clearly not degrees
        lines.append(f"{name},{capacity},{x:.3f},{y:.3f}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    job = run(path, source_srs="EPSG:25830")
    assert job.status == ImportJob.Status.DONE, job.error
    assert_places_imported()


def test_a_geojson_in_web_mercator_is_reprojected_by_its_crs_member(db, tmp_path):
    to_mercator = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
    rows = [(*row[:4], *to_mercator.transform(row[4], row[5])) for row in PLACES]
    job = run(geojson(tmp_path / "mercator.geojson", rows, crs="urn:ogc:def:crs:EPSG::3857"))
    assert job.status == ImportJob.Status.DONE, job.error
    assert_places_imported()


BAD_ROWS = PLACES[:1] + [
    ("b2", "", "Madrid", "10", -3.70, 40.41),
    ("b3", "Sala enorme", "Madrid", "0", -3.70, 40.42),
    ("b4", "Sala sin aforo", "Madrid", "muchos", -3.70, 40.43),
    ("b5", "x" * 201, "Madrid", "10", -3.70, 40.44),
    ("b6", "Fuera del mundo", "Madrid", "10", -3.70, 95.0),
]


def problems(job):
    return [(p.row, p.field) for p in job.problems.all()]


def test_all_or_nothing_imports_nothing_and_reports_each_bad_field(db, tmp_path):
    job = run(geojson(tmp_path / "bad.geojson", BAD_ROWS))
    assert job.status == ImportJob.Status.FAILED
    assert "nothing was imported" in job.error
    assert not Venue.objects.exists()
    assert problems(job) == [
        (2, "name"), (3, "capacity"), (4, "capacity"), (5, "name"), (6, "location"),
    ]
    messages = {p.row: p.message for p in job.problems.all()}
    assert "cannot be blank" in messages[2]
    assert "greater than or equal to 1" in messages[3]
    assert "muchos" in messages[4]
    assert "at most 200 characters (it has 201)" in messages[5]
    assert "95" in messages[6]
    assert job.problem_rows == 5


def test_skipping_bad_rows_imports_the_good_ones(db, tmp_path):
    job = run(geojson(tmp_path / "bad.geojson", BAD_ROWS), mode=ImportJob.Mode.SKIP_BAD_ROWS)
    assert job.status == ImportJob.Status.DONE
    assert (job.created_rows, job.problem_rows) == (1, 5)
    assert_places_imported(names={"Biblioteca Nacional"})


def test_problems_are_in_the_jobs_language(db, tmp_path):
    job = run(geojson(tmp_path / "bad.geojson", BAD_ROWS[:2]), language="es")
    assert job.problems.get().message == "Este campo no puede estar vacío."


def test_importing_the_same_file_again_creates_no_duplicates(db, tmp_path):
    path = make_geojson(tmp_path)
    assert run(path).created_rows == 3
    again = run(path)
    assert (again.status, again.created_rows, again.duplicate_rows) == ("done", 0, 3)
    assert Venue.objects.count() == 3


def test_a_row_without_id_is_the_same_place_by_name_within_50_m(db, tmp_path):
    lon, lat = PLACES[0][4:]
    near_lon, near_lat, _ = GEOD.fwd(lon, lat, 270, 40)
    far_lon, far_lat, _ = GEOD.fwd(lon, lat, 90, 80)
    assert run(geojson(tmp_path / "a.geojson", PLACES[:1])).created_rows == 1
    rows = [
        ("", "biblioteca NACIONAL", "Madrid", "10", near_lon, near_lat),  # 40 m west: the same
        ("", "Biblioteca Nacional", "Madrid", "10", far_lon, far_lat),  # 80 m east: another
        ("", "Biblioteca Nacional", "Madrid", "10", far_lon, far_lat),  # repeated in the file
    ]
    job = run(geojson(tmp_path / "b.geojson", rows), source="another-list")
    assert (job.created_rows, job.duplicate_rows) == (1, 2)
    far = Venue.objects.get(import_source="another-list")
    assert distance_m(far.location, lon, lat) == pytest.approx(80, abs=0.05)


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("notes.geojson", b"hello, this is not geography", "could not be read as GeoJSON"),
        ("empty.geojson", b"", "The file is empty"),
        ("table.csv", b"name,capacity\nSala,10\n", "No row of the file has a geometry"),
        ("photo.png", b"\x89PNG\r\n", "Cerca cannot import .png files"),
        ("venues.zip", b"PK\x03\x04 not really", "not a zip archive"),
        ("features.kml", b"<kml><oops", "could not be read as KML"),
    ],
)
def test_a_hostile_file_fails_the_job_with_a_clear_message(db, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    job = run(path)
    assert job.status == ImportJob.Status.FAILED
    assert message in job.error
    assert not Venue.objects.exists()


def test_a_zip_bomb_is_refused_before_gdal_opens_it(db, tmp_path, settings):
    settings.IMPORT_MAX_ZIP_RATIO = 100
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("venues.shp", b"\0" * 50_000_000)
    job = run(path)
    assert job.status == ImportJob.Status.FAILED
    assert "too much to import" in job.error


def test_a_geojson_named_csv_is_read_as_csv_and_refused(db, tmp_path):
    path = tmp_path / "venues.csv"
    path.write_bytes(make_geojson(tmp_path).read_bytes())
    job = run(path)
    assert job.status == ImportJob.Status.FAILED
    # One line of JSON: a CSV header without rows.
    assert "The file has no features" in job.error


def test_the_command_imports_and_reports(db, tmp_path, capsys):
    call_command("import_places", str(make_csv_lonlat(tmp_path)), "--language", "en")
    out = capsys.readouterr()
    assert "3 imported, 0 already there, 0 bad, of 3 rows" in out.out
    assert "100%|" in out.err
    assert_places_imported()


def test_the_command_fails_naming_the_bad_rows(db, tmp_path, capsys):
    path = geojson(tmp_path / "bad.geojson", BAD_ROWS)
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_places", str(path), "--language", "en")
    assert "row 2: name:" in capsys.readouterr().out


def test_the_task_imports_through_a_real_worker(celery_worker, tmp_path):
    path = make_geojson(tmp_path)
    job = ImportJob.objects.create(
        kind="venue", file_name=path.name, file_data=path.read_bytes(), source="s", language="en"
    )
    import_run.delay(job.pk)

    def finished():
        """the worker finished the job"""
        job.refresh_from_db()
        return job.finished

    wait_for(finished, timeout=120)
    assert (job.status, job.progress, job.created_rows) == ("done", 100, 3)
    assert job.file_data is None
    assert_places_imported()
    # A redelivered task finds the job taken and imports nothing twice.
    import_run.run(job.pk)
    assert Venue.objects.count() == 3
