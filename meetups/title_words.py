"""The best upcoming matches of a one-word ``q``, read in order from the
title words' index instead of ranking every match: the events' counterpart
of studygroups.name_words, whose docstring has the argument.

An event's search vector holds each word stemmed in both languages, so a
word that Spanish and English stem differently ("historia") puts both stems
in every event that has it, and its rank is the sum of both: only words
stemmed alike ("python", "rust", "club") are served here. The rows are the
scheduled, visible events, and a list's rows among them are its upcoming
ones (those that end after now): the default list, with no ``status``,
``start`` or ``end``. The rows of events that have ended are read by no
list: ``meetups.tasks.title_words_prune`` deletes them nightly.
"""

from django.db import models
from django.utils import timezone

from places import paging
from places.search import first_word_ids, one_word_stems

from .models import TitleWord

# TitleWord's order: the ranked list's (-search_rank, start, id).
KEYS = ["neg_rank", "starts_at", "event_id"]
FIELDS = [models.FloatField(), models.DateTimeField(), models.BigIntegerField()]
# Parameters that choose other events than the scheduled, upcoming ones.
OTHER_EVENTS = {"status", "start", "end"}


def upcoming_words(params):
    """The title words of the upcoming events with the one word of
    ``params["q"]`` (stemmed alike in both languages), or None."""
    if OTHER_EVENTS.intersection(params):
        return None
    found = one_word_stems(params["q"])
    if found is None or found[0] != found[1]:
        return None
    return TitleWord.objects.filter(lexeme=found[0], ends_at__gt=timezone.now())


def first_matches(params, count, after=None):
    """The ids of the first ``count`` upcoming events with the word of
    ``params["q"]`` in their title, in a ranked list's order, after the sort
    keys ``after`` (a cursor's) if given; None when the title words cannot
    tell, or fewer than ``count`` follow."""
    words = upcoming_words(params)
    if words is None:
        return None
    ids = first_word_ids(words, KEYS, FIELDS, "event_id", count, after)
    return ids if len(ids) == count else None


def matches_at_least(params):
    """A floor of how many upcoming events match ``params["q"]`` (one word),
    counted only as far as the count's limit: those with it in their title."""
    words = upcoming_words(params)
    return 0 if words is None else words[: paging.EXACT_COUNT_LIMIT + 1].count()
