import threading
from pathlib import Path

from celery import shared_task
from django.conf import settings

from geoconfig.celery import app

ran = threading.Event()


@shared_task
def mark_ran(token):
    if token == "real-worker":
        ran.set()


def test_broker_is_the_project_local_redis_unless_configured():
    # `make test` starts .ci/redis, which writes its port; an explicit
    # CELERY_BROKER_URL in the environment would win.
    port_file = Path(settings.BASE_DIR, ".local", "redis-port")
    if "CELERY_BROKER_URL" in __import__("os").environ or not port_file.exists():
        return
    assert f"@127.0.0.1:{port_file.read_text().strip()}/" in app.conf.broker_url


def test_a_real_worker_runs_a_task_sent_through_redis(celery_worker):
    ran.clear()
    mark_ran.delay("real-worker")
    assert ran.wait(timeout=30), "the worker did not run the task within 30 s"


def test_beat_reads_its_schedule_from_the_database():
    assert app.conf.beat_scheduler == "django_celery_beat.schedulers:DatabaseScheduler"
