import pytest
from django.core.management import call_command
from django.db import transaction


@pytest.fixture(scope="module")
def demo_data(django_db_setup, django_db_blocker):
    """The demo fixture, loaded once per test module and rolled back after it.

    Each test's own transaction nests inside this one as a savepoint, so tests
    see the demo rows and still cannot leak changes into one another.
    """
    with django_db_blocker.unblock():
        with transaction.atomic():
            call_command("loaddata", "demo", verbosity=0)
            yield
            transaction.set_rollback(True)
