"""manage.py import_places FILE: venues or study groups from a GIS file, with a progress bar."""

import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from places.imports import DRIVERS, import_file, import_targets
from places.models import ImportJob


class ProgressBar:
    """A one-line progress bar on a terminal (rewritten in place), or a line
    per step elsewhere."""

    WIDTH = 30

    def __init__(self, stream):
        self.stream = stream
        self.last = None

    def __call__(self, job):
        filled = job.progress * self.WIDTH // 100
        line = (
            f"{job.progress:3d}%|{'█' * filled}{' ' * (self.WIDTH - filled)}| "
            f"{job.phase or job.status} {job.created_rows}/{job.total_rows} rows"
        )
        if line == self.last:
            return
        self.last = line
        if self.stream.isatty():
            self.stream.write("\r" + line)
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self):
        if self.last and self.stream.isatty():
            self.stream.write("\n")


class Command(BaseCommand):
    help = (
        "Import venues or study groups from GeoJSON, CSV (lon/lat or WKT columns), "
        "GeoPackage, KML or a zipped Shapefile, in any coordinate system."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help=f"The file: {', '.join(sorted(DRIVERS))}.")
        parser.add_argument(
            "--kind", default="venue", choices=sorted(import_targets()),
            help="What the file's rows are (default: venue).",
        )
        parser.add_argument(
            "--source", help="Where the rows come from (default: the file's name).",
        )
        parser.add_argument(
            "--srs", default="", help="The file's coordinate system when it does not say (CSV).",
        )
        parser.add_argument(
            "--skip-bad-rows", action="store_true",
            help="Import the good rows and report the bad (default: all or nothing).",
        )
        parser.add_argument("--study-group", type=int, help="Venues: the group they belong to.")
        parser.add_argument(
            "--capacity", type=int, help="The capacity of rows that give none.",
        )
        parser.add_argument(
            "--user", help="Username of who imports; study groups need one (their organizer).",
        )
        parser.add_argument("--language", default="es", help="Language of the report.")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"No such user: {options['user']}")
        if options["kind"] == "studygroup" and user is None:
            raise CommandError("Study groups need --user: the organizer of the new groups.")
        job_options = {"defaults": {}}
        if options["capacity"] is not None:
            job_options["defaults"]["capacity"] = options["capacity"]
        if options["study_group"] is not None:
            job_options["study_group"] = options["study_group"]
        job = ImportJob.objects.create(
            kind=options["kind"], file_name=path.name, source=options["source"] or path.name,
            source_srs=options["srs"], options=job_options, created_by=user,
            mode=(
                ImportJob.Mode.SKIP_BAD_ROWS if options["skip_bad_rows"]
                else ImportJob.Mode.ALL_OR_NOTHING
            ),
            language=options["language"], status=ImportJob.Status.RUNNING,
        )
        bar = ProgressBar(self.stderr._out if hasattr(self.stderr, "_out") else sys.stderr)
        try:
            with translation.override(options["language"]):
                import_file(job, path, listener=bar)
        finally:
            bar.close()
        job.refresh_from_db()
        for problem in job.problems.all()[:50]:
            self.stdout.write(f"row {problem.row}: {problem.field}: {problem.message}")
        if job.problem_rows > 50:
            self.stdout.write(f"... {job.problem_rows - 50} more bad rows (import {job.pk}).")
        summary = (
            f"Import {job.pk}: {job.created_rows} imported, {job.duplicate_rows} already there, "
            f"{job.problem_rows} bad, of {job.total_rows} rows."
        )
        if job.status == ImportJob.Status.FAILED:
            raise CommandError(f"{job.error} {summary}")
        self.stdout.write(self.style.SUCCESS(summary))
