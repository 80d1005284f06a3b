# The Celery app loads with Django, so shared_task and delay_on_commit find it
# in the web server too.
from .celery import app as celery_app

__all__ = ["celery_app"]
