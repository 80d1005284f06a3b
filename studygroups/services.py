"""Verbs that change study groups. Views and the API call these, never save() directly."""

from django.db import transaction
from django.utils.text import slugify

from .models import Membership, StudyGroup


def unique_slug(name, exclude_pk=None):
    """A slug for ``name`` that no other group uses: the slugified name, then -2, -3..."""
    base = slugify(name)[:200] or "grupo"
    taken = set(
        StudyGroup.objects.filter(slug__startswith=base)
        .exclude(pk=exclude_pk)
        .values_list("slug", flat=True)
    )
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def studygroup_create(*, organizer, topics=(), **fields):
    """Create a study group with ``organizer`` as its first organizer.

    Raises django.core.exceptions.ValidationError naming the field when a
    model rule or database constraint refuses the values.
    """
    if not fields.get("slug"):
        fields["slug"] = unique_slug(fields.get("name", ""))
    group = StudyGroup(**fields)
    group.full_clean()
    group.save()
    group.topics.set(topics)
    Membership.objects.create(
        user=organizer, study_group=group, role=Membership.Role.ORGANIZER
    )
    return group


@transaction.atomic
def studygroup_update(group, *, topics=None, **fields):
    """Change a study group's fields (and topics, when given); same errors as create."""
    for name, value in fields.items():
        setattr(group, name, value)
    group.full_clean()
    group.save()
    if topics is not None:
        group.topics.set(topics)
    return group
