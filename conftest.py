from importlib import import_module

import pytest
from django.db import connection, transaction


@pytest.fixture(scope="module")
def demo_data(django_db_setup, django_db_blocker):
    """The demo fixture, loaded once per test module and rolled back after it.

    Each test's own transaction nests inside this one as a savepoint, so tests
    see the demo rows and still cannot leak changes into one another.
    """
    from tests.demo_snapshot import load_demo

    with django_db_blocker.unblock():
        with transaction.atomic():
            load_demo()
            yield
            transaction.set_rollback(True)


def restore_gazetteer():
    """Insert the gazetteer of the places migrations again if a flush has emptied it.

    Transactional tests (live server, browser, concurrency) end with
    pytest-django truncating every table, the migrations' places included.
    ``serialized_rollback=True`` would bring them back through the ORM, one row
    at a time: over a minute per test for 35,000 cities and 130,000 names. The
    migrations' own bulk inserts take about 4 s (cities15000, 0003), a fraction
    of a second more (cities500 near Cerca's cities, 0005, whose file is read
    once per run) and the curated localities (0006).
    """
    from places.localities import sync_localities
    from places.models import City, CityName, Locality, LocalityName

    if not City.objects.exists():
        cities = import_module("places.migrations.0003_load_geonames_cities")
        nearby = import_module("places.migrations.0005_load_geonames_places_near_cerca_cities")
        with transaction.atomic():
            cities.insert_cities(connection, City._meta.db_table, CityName._meta.db_table)
            nearby.insert_places_near_cerca_cities(
                connection, City._meta.db_table, CityName._meta.db_table
            )
    if not Locality.objects.exists():
        sync_localities(Locality, LocalityName)


@pytest.fixture(scope="session", autouse=True)
def flushes_keep_the_gazetteer():
    """Transactional tests end with pytest-django's flush, a TRUNCATE of every
    table; here it leaves the gazetteer's four tables alone. They are reference
    data the migrations load, which no transactional test writes (a test that
    changes them runs in a transaction rolled back), and putting them back
    after each flush (``restore_gazetteer``) cost about 4 s a browser test.
    Nothing references a flushed table from them, so the TRUNCATE holds."""
    from django.core.management.commands import flush

    from places.models import City, CityName, Locality, LocalityName

    kept = {model._meta.db_table for model in (City, CityName, Locality, LocalityName)}
    original = flush.sql_flush

    def sql_flush(style, connection, reset_sequences=True, allow_cascade=False):
        tables = connection.introspection.django_table_names(
            only_existing=True, include_views=False
        )
        return connection.ops.sql_flush(
            style,
            [table for table in tables if table not in kept],
            reset_sequences=reset_sequences,
            allow_cascade=allow_cascade,
        )

    flush.sql_flush = sql_flush
    yield
    flush.sql_flush = original


@pytest.fixture
def gazetteer(transactional_db):
    """The offline gazetteer, for a transactional test that searches places."""
    restore_gazetteer()


@pytest.fixture(scope="module")
def gazetteer_restored(django_db_setup, django_db_blocker):
    """The gazetteer, reloaded (and committed) if an earlier module's flush emptied it.

    For modules of ordinary tests that search places: with ``--reuse-db`` or
    after a transactional test in the same run, the tables may be empty.
    """
    with django_db_blocker.unblock():
        restore_gazetteer()


@pytest.fixture(scope="session", autouse=True)
def gazetteer_in_the_test_database(django_db_setup, django_db_blocker):
    """The cities the migrations promise, at the start and at the end of a session.

    With ``--reuse-db`` a session starts from the last one's database, which a
    transactional test may have emptied.
    """
    with django_db_blocker.unblock():
        restore_gazetteer()
    yield
    with django_db_blocker.unblock():
        restore_gazetteer()


# The cast of the permission tests: two groups, their organizers, a member of
# the first and a moderator ("staff": sees and changes everything).


@pytest.fixture
def group_a(db):
    from studygroups.tests.factories import StudyGroupFactory

    return StudyGroupFactory(name="Grupo Alfa", slug="grupo-alfa")


@pytest.fixture
def group_b(db):
    from studygroups.tests.factories import StudyGroupFactory

    return StudyGroupFactory(name="Grupo Beta", slug="grupo-beta")


@pytest.fixture
def organizer_a(group_a):
    from studygroups.tests.factories import organizer_of

    return organizer_of(group_a, "ana_alfa")


@pytest.fixture
def organizer_b(group_b):
    from studygroups.tests.factories import organizer_of

    return organizer_of(group_b, "bruno_beta")


@pytest.fixture
def moderator(db):
    from django.contrib.auth.models import Permission

    from studygroups.tests.factories import UserFactory

    user = UserFactory(username="mora_moderadora", is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="studygroups", codename="moderate")
    )
    return user


@pytest.fixture
def member_a(group_a):
    from studygroups.tests.factories import MembershipFactory

    return MembershipFactory(study_group=group_a, user__username="mia_miembro").user


# Celery. Tests publish to a queue of their own on the project-local Redis, so
# a `make run` worker on the same broker never takes their tasks. Unit tests run
# tasks in the test's own thread (eager); tests that take ``celery_worker`` run
# them in a real worker, through Redis.
CELERY_TEST_QUEUE = "cerca-tests"


@pytest.fixture(scope="session", autouse=True)
def celery_test_queue():
    from geoconfig.celery import app

    app.conf.task_default_queue = CELERY_TEST_QUEUE
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield app


@pytest.fixture
def celery_worker(transactional_db, celery_test_queue, settings):
    """A real Celery worker (four threads) consuming the test queue on the
    project-local Redis, with the test database; tasks are no longer eager."""
    from celery.contrib.testing.worker import start_worker

    app = celery_test_queue
    app.conf.task_always_eager = False
    with app.connection_for_write() as connection:
        # What an interrupted run left behind must not run now.
        connection.default_channel.queue_purge(CELERY_TEST_QUEUE)
    try:
        with start_worker(
            app,
            pool="threads",
            concurrency=4,
            perform_ping_check=False,
            shutdown_timeout=30,
            queues=[CELERY_TEST_QUEUE],
        ) as worker:
            yield worker
    finally:
        app.conf.task_always_eager = True


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty shared cache (Redis outlives the test
    database's rollback): no failed sign-ins counted by an earlier test."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path_factory):
    """Uploaded pictures go to a folder of the test's own, never .local/media,
    and Django serves them (as in development)."""
    settings.MEDIA_ROOT = str(tmp_path_factory.mktemp("media"))
    settings.SERVE_MEDIA = True
    return settings.MEDIA_ROOT
