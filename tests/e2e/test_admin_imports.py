"""An organizer uploads a file of venues in the admin, in Chromium, and
watches the import's progress bar (polled from a real Celery worker's job)
reach 100%, then reads the report of the bad rows."""

import json

import pytest
from django.contrib.gis.geos import Point

from meetups.models import Venue
from places.models import ImportJob
from studygroups.services import studygroup_create

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-test-password-for-the-admin"
ROWS = 3000


@pytest.fixture
def group(django_user_model):
    organizer = django_user_model.objects.create_user(
        "organizer", "organizer@example.org", PASSWORD
    )
    return studygroup_create(
        organizer=organizer, name="Cartógrafos de Madrid",
        location=Point(-3.7038, 40.4168, srid=4326), city="Madrid",
    )


def venues_file(tmp_path):
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [-3.7 + n * 1e-4, 40.4]},
            # Every thousandth row has no name.
            "properties": {"id": f"v{n}", "name": "" if n % 1000 == 999 else f"Sala {n}",
                           "capacity": 20},
        }
        for n in range(ROWS)
    ]
    path = tmp_path / "salas.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def test_an_upload_shows_its_progress_and_its_bad_rows(
    page, live_server, celery_worker, group, tmp_path, screenshot
):
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "organizer")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.goto(f"{live_server.url}/admin/places/importjob/add/")
    page.set_input_files("#id_upload", str(venues_file(tmp_path)))
    page.select_option("#id_kind", "venue")
    page.select_option("#id_study_group", str(group.pk))
    page.select_option("#id_mode", "skip")
    page.click("input[name=_save]")
    job = ImportJob.objects.get()
    page.wait_for_url(f"**/admin/places/importjob/{job.pk}/change/")
    assert page.locator("#import-bar").count() == 1
    # The bar follows the worker, then the page reloads once with the report.
    page.locator("#import-report").wait_for(timeout=60_000)
    assert page.locator("#import-percent").text_content() == "100%"
    assert page.locator("#import-created").text_content() == str(ROWS - 3)
    assert page.locator("#import-problems").text_content() == "3"
    assert page.locator("#import-error").is_hidden()
    rows = page.locator("#import-report tbody tr")
    assert rows.count() == 3
    assert rows.first.locator("td").first.text_content() == "1000"
    screenshot("admin-import-progress")
    assert Venue.objects.filter(study_group=group).count() == ROWS - 3
    assert page.console_errors == []
