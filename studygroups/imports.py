"""Study groups as an import target (places.imports), registered in
StudygroupsConfig.ready(). Each imported group gets the importing user as
its organizer, as studygroup_create() does. Imports send no "new group near
you" alerts: a list of a city's groups is not news to its members."""

from django.utils.translation import gettext_lazy as _

from places.imports import ImportTarget

from .models import Membership, StudyGroup
from .services import grant_organizer_access

# A slug as django.utils.text.slugify makes it, from the folded name.
SLUG_BASE_SQL = (
    "left(COALESCE(NULLIF(btrim(regexp_replace(cerca_unaccent(lower(raw_name)),"
    " '[^a-z0-9_]+', '-', 'g'), '-_'), ''), 'grupo'), 200)"
)


def group_shape(job):
    return {"slug_base": SLUG_BASE_SQL}


def group_generated(job, shaped):
    """The slug: the slugified name, with the new id after it when a group
    (or an earlier row of the file) already has that slug."""
    table = StudyGroup._meta.db_table
    return {
        "slug": (
            f"CASE WHEN EXISTS (SELECT 1 FROM {table} g WHERE g.slug = q.slug_base)"
            f" OR EXISTS (SELECT 1 FROM {shaped} e WHERE e.slug_base = q.slug_base"
            " AND e.row < q.row) THEN q.slug_base || '-' || q.new_id ELSE q.slug_base END"
        ),
    }


def group_after_insert(job, cursor, ids):
    """The importing user organizes each new group."""
    if job.created_by_id is None:
        return
    cursor.execute(
        f"INSERT INTO {Membership._meta.db_table}"
        " (user_id, study_group_id, role, status, joined_at)"
        " SELECT %s, id, 'organizer', 'active', now() FROM unnest(%s::bigint[]) AS id",
        [job.created_by_id, ids],
    )
    grant_organizer_access(job.created_by)


STUDYGROUP_IMPORT = ImportTarget(
    kind="studygroup",
    label=_("Study groups"),
    model=StudyGroup,
    fields=(
        "name", "description", "language", "is_online", "join_policy", "city", "address",
        "capacity",
    ),
    aliases={
        "name": ("nombre", "title", "titulo"),
        "description": ("descripcion",),
        "language": ("idioma", "lang"),
        "is_online": ("online", "en_linea"),
        "city": ("ciudad", "municipio"),
        "address": ("direccion",),
        "capacity": ("capacidad",),
    },
    online_field="is_online",
    shape=group_shape,
    generated=group_generated,
    after_insert=group_after_insert,
)
