"""Celery tasks of the shared places app: imports."""

from celery import shared_task

from places.imports import import_file
from places.models import ImportJob


@shared_task(acks_late=False)
def import_run(job_id):
    """Run the import ``job_id`` if it is still waiting (a redelivered task
    finds it started and does nothing)."""
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.PENDING).update(
        status=ImportJob.Status.RUNNING
    )
    if claimed:
        import_file(ImportJob.objects.get(pk=job_id))
