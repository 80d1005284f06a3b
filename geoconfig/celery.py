"""Cerca's Celery app: configured from the Django settings (the CELERY_* names),
with the tasks of each app's ``tasks.py``.

    celery -A geoconfig worker      a worker (any number, on any machine that
                                    reaches the broker and the database)
    celery -A geoconfig beat        the one scheduler (schedules in the database)
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geoconfig.settings")

app = Celery("cerca")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
