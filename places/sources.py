"""Where place search looks: a registry of place sources, and the SQL that scores them.

A place source answers "which of my rows are named like this text?" with
``matches(text)``: a QuerySet of *name rows* (``name_rows``), filtered on an
index and giving the columns in ``SOURCE_FIELDS`` (a place known by several
names, such as a city, gives one row per matching name). ``search_places`` wraps every source's
query in ``SCORED_SQL``, which scores each name row once (how well it matches,
how well known and how near the place is), keeps each place's best name,
orders and LIMITs per source, and runs them all as one UNION ALL.

The gazetteer's own sources (cities, localities) live in ``places.gazetteer``;
other apps register theirs in their ``AppConfig.ready()``, so that ``places``
never imports them:

    register_place_source("venue", VenuePlaceSource())

``NameMatch(field, text).condition`` is the filter a source uses: it is served
by a GIN trigram index on ``Unaccented(field)`` (pg_trgm's ``%``, ``%>`` and
prefix ``LIKE``), which the source's model must have.
"""

from django.contrib.gis.db.models import PointField
from django.contrib.postgres.lookups import TrigramSimilar, TrigramWordSimilar
from django.db import connection
from django.db.models import CharField, FloatField, Q, TextField, Value
from django.db.models.functions import Cast, Concat
from django.db.models.lookups import StartsWith

from places.functions import Unaccented

# The columns of a source's name rows, which carry a prefix so as not to clash
# with the models' own fields (a venue's "name").
SOURCE_FIELDS = (
    "place_key",  # "city:3688689", "venue:12": the feature's id
    "place_kind",  # "city", "neighbourhood", "campus", "venue", "meeting_area"
    "place_name",  # the place's name, as shown
    "place_folded",  # the name that matched, Unaccented (as the index has it)
    "place_city",  # the city it lies in, for its label ("" for a city)
    "place_country_code",  # or NULL: then the nearest gazetteer city's is used
    "place_point",  # geography point
    "place_prominence",  # how well known, in people (a city's population)
    "place_population",  # cities only, else NULL
    "place_time_zone",  # cities and localities only, else NULL
)

# A name must start with the text, or have a word that does, and the text must
# cover more than half of the name, for the match to be clear: "Santiago"
# covers exactly half of "Santiago de Cali" (Cali's full name), and a user in
# Bogotá typing it does not mean Cali. Texts shorter than CLEAR_MIN_LENGTH are
# never clear: "San" is the whole name of a town in Mali, and the start of a
# thousand others.
CLEAR_MIN_LENGTH = 4
# Below this text score a fuzzy hit is noise, not a candidate: "asdfgh" is 0.24
# from "Ashdod" (trigram similarity 0.3, pg_trgm's own threshold), while the
# typo "Barcelna" is 0.46 from "Barcelona".
MIN_TEXT_SCORE = 0.3
# How far a candidate's distance counts against it, in orders of magnitude of
# prominence per order of magnitude of distance: 2 is the gravity model
# (population over distance squared). Distances are padded by NEARBY_KM, so
# that within a city nearness barely matters and size decides.
DISTANCE_WEIGHT = 2.0
NEARBY_KM = 50.0
# Within a source, how much the text counts against the pull when ordering.
TEXT_WEIGHT = 4.0

# The columns of a scored candidate, as search_places reads them.
CANDIDATE_FIELDS = (
    "key",
    "kind",
    "name",
    "city",
    "country_code",
    "lon",
    "lat",
    "population",
    "time_zone",
    "text_score",  # 0 to 1: 1 exact, 0.8-1 a clear start, below 0.8 otherwise
    "clear",
    "starts",  # the name, or a word of it, starts with the text
    "prominence",
    "distance_m",  # from near (on a sphere), or NULL
    "pull",  # log10(prominence) less the distance penalty
    "rank",  # pull + TEXT_WEIGHT * text_score: the order within the source
)

# {source} is the source's name rows; the parameters are, in order: the text,
# the near point's lon and lat (or NULLs), the source's own, MIN_TEXT_SCORE
# and the LIMIT. The text and the point are worked out once (MATERIALIZED:
# inlined, they would be cast again for every row), and each name row is
# folded once (OFFSET 0 keeps the planner from pasting the source's
# expressions into every reference) and each similarity computed once, in the
# LATERAL subqueries; the nearest-city subquery for a missing country runs
# after the LIMIT, on the few rows kept. log() is on float8: on numeric it
# costs 30 µs a row.
SCORED_SQL = f"""
WITH query AS MATERIALIZED (
    SELECT cerca_unaccent(lower(%s)) AS text,
           ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography AS near
)
SELECT ranked.place_key AS key, ranked.place_kind AS kind, ranked.place_name AS name,
       ranked.place_city AS city,
       COALESCE(ranked.place_country_code, (
           SELECT city.country_code FROM places_city AS city
           ORDER BY city.location <-> ranked.place_point LIMIT 1
       )) AS country_code,
       ST_X(ranked.place_point::geometry) AS lon, ST_Y(ranked.place_point::geometry) AS lat,
       ranked.place_population AS population, ranked.place_time_zone AS time_zone,
       ranked.text_score, ranked.clear, ranked.starts, ranked.place_prominence AS prominence,
       ranked.distance_m, ranked.pull, ranked.rank
FROM (
    SELECT best.* FROM (
        SELECT DISTINCT ON (scored.place_key) scored.* FROM (
            SELECT source.*, score.text_score, clarity.clear, word.starts, place.distance_m,
                   place.pull, place.pull + {TEXT_WEIGHT} * score.text_score AS rank
            FROM (SELECT * FROM ({{source}}) AS rows OFFSET 0) AS source
            CROSS JOIN query
            CROSS JOIN LATERAL (
                SELECT source.place_folded = query.text
                           OR starts_with(source.place_folded, query.text)
                           OR strpos(source.place_folded, ' ' || query.text) > 0 AS starts,
                       char_length(query.text)::float8
                           / greatest(char_length(source.place_folded), 1) AS coverage
            ) AS word
            CROSS JOIN LATERAL (
                SELECT char_length(query.text) >= {CLEAR_MIN_LENGTH} AND (
                    source.place_folded = query.text
                    OR (word.starts AND char_length(source.place_folded)
                                        < 2 * char_length(query.text))
                ) AS clear
            ) AS clarity
            CROSS JOIN LATERAL (
                SELECT CASE
                    WHEN source.place_folded = query.text THEN 1.0
                    WHEN clarity.clear THEN 0.8 + 0.2 * word.coverage
                    WHEN word.starts THEN 0.4 + 0.4 * word.coverage
                    ELSE 0.8 * greatest(
                        similarity(source.place_folded, query.text),
                        0.75 * word_similarity(query.text, source.place_folded)
                    )
                END::float8 AS text_score
            ) AS score
            CROSS JOIN LATERAL (
                SELECT distance.distance_m,
                       log(greatest(source.place_prominence, 1))
                       - CASE WHEN distance.distance_m IS NULL THEN 0 ELSE
                           {DISTANCE_WEIGHT} * log(distance.distance_m / 1000 + {NEARBY_KM})
                         END AS pull
                FROM (SELECT ST_Distance(source.place_point, query.near) AS distance_m) AS distance
            ) AS place
        ) AS scored
        WHERE scored.text_score >= %s
        ORDER BY scored.place_key, scored.clear DESC, scored.text_score DESC
    ) AS best
    ORDER BY best.clear DESC, best.rank DESC, best.place_key
    LIMIT %s
) AS ranked
"""

_registry = {}


def register_place_source(name, source):
    """Make ``source`` searched by ``search_places``; ``name`` replaces an earlier one."""
    _registry[name] = source


def place_sources():
    """The registered sources, in registration order."""
    return list(_registry.values())


class NameMatch:
    """The index filter for names like the typed text: ``Unaccented(field)`` against it.

    The text side folds to a constant (``cerca_unaccent`` is immutable), so
    each lookup is answered by the trigram index on ``Unaccented(field)``.
    """

    def __init__(self, field, text):
        self.name = Unaccented(field)
        self.query = Unaccented(Value(text))
        # Three letters have too few trigrams for likeness to mean anything
        # ("san" is 0.3 similar to "Sana"), and match thousands of names.
        self.fuzzy = len(text) >= CLEAR_MIN_LENGTH

    @property
    def condition(self):
        """Similar to the text (``%``) or starting with it: for short names, such as a city's."""
        if not self.fuzzy:
            return self.starts
        return Q(TrigramSimilar(self.name, self.query)) | self.starts

    @property
    def word_condition(self):
        """As ``condition``, or with a word like the text (``%>``): for long names, as a venue's.

        "Javeriana" is 0.28 similar to "Pontificia Universidad Javeriana"
        (under pg_trgm's 0.3) but has a word exactly like it.
        """
        if not self.fuzzy:
            return self.starts
        return self.condition | Q(TrigramWordSimilar(self.name, self.query))

    @property
    def starts(self):
        return Q(StartsWith(self.name, self.query))

    @property
    def folded(self):
        """The name as the index has it, for ``name_rows(folded=...)``."""
        return self.name


def key_of(prefix, field):
    """``"<prefix>:<field>"`` as SQL, for a name row's ``key``."""
    return Concat(Value(f"{prefix}:"), Cast(field, CharField()), output_field=CharField())


def name_rows(
    queryset,
    *,
    key,
    kind,
    name,
    folded,
    point,
    prominence,
    city=Value(""),
    country_code=Value(None),
    population=Value(None),
    time_zone=Value(None),
):
    """``queryset`` as a source's name rows: the SOURCE_FIELDS columns, and only them.

    Each column is cast to one type, so that every source's rows line up in
    the UNION ALL; ``point`` must be a geography point expression.
    """
    return queryset.annotate(
        place_key=Cast(key, CharField()),
        place_kind=Cast(kind, CharField()),
        place_name=Cast(name, CharField()),
        place_folded=Cast(folded, TextField()),
        place_city=Cast(city, CharField()),
        place_country_code=Cast(country_code, CharField()),
        place_point=Cast(point, PointField(geography=True, srid=4326)),
        place_prominence=Cast(prominence, FloatField()),
        place_population=Cast(population, FloatField()),
        place_time_zone=Cast(time_zone, CharField()),
    ).values(*SOURCE_FIELDS)


def scored_sql(source, text, near, limit):
    """SQL and parameters for ``source``'s best ``limit`` candidates for ``text``.

    ``source.matches(text)`` is a ``name_rows`` QuerySet (or a UNION of them).
    """
    matches = source.matches(text)
    source_sql, source_params = matches.query.get_compiler(connection=connection).as_sql()
    lon, lat = (near.x, near.y) if near is not None else (None, None)
    return (
        SCORED_SQL.format(source=source_sql),
        (text, lon, lat, *source_params, MIN_TEXT_SCORE, limit),
    )


def candidates(text, near, limit):
    """Every source's best ``limit`` candidates, as dicts of CANDIDATE_FIELDS; one query."""
    parts = [scored_sql(source, text, near, limit) for source in place_sources()]
    if not parts:
        return []
    # The planner prices trigram similarity high, so a short common text
    # ("san": 2,600 names) passes the JIT threshold, and compiling costs more
    # (80 ms) than it saves; SET LOCAL lasts for this statement's transaction.
    sql = "SET LOCAL jit = off; " + " UNION ALL ".join(f"({part_sql})" for part_sql, _ in parts)
    params = [param for _, part_params in parts for param in part_params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        columns = [column.name for column in cursor.description]
        return [dict(zip(columns, row)) for row in cursor.fetchall()]
