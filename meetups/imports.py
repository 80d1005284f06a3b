"""Venues as an import target (places.imports), registered in MeetupsConfig.ready()."""

from django.utils.translation import gettext_lazy as _

from places.imports import ImportTarget

from .models import Venue


def venue_constants(job):
    """Every imported venue belongs to the job's study group (none: shared)."""
    return {"study_group_id": job.options.get("study_group")}


VENUE_IMPORT = ImportTarget(
    kind="venue",
    label=_("Venues"),
    model=Venue,
    fields=("name", "address", "city", "capacity"),
    aliases={
        "name": ("nombre", "title", "titulo"),
        "address": ("direccion", "addr", "street"),
        "city": ("ciudad", "municipio", "town"),
        "capacity": ("capacidad", "aforo"),
    },
    constants=venue_constants,
)
