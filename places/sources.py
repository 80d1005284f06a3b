"""Where place search looks: a registry of place sources, and the SQL that scores them.

A place source answers "which of my rows are named like this text?" with
``matches(text, near)``: a QuerySet of *name rows* (``name_rows``), filtered
on an index and giving the columns in ``SOURCE_FIELDS`` (a place known by
several names, such as a city, gives one row per matching name). A source
over a table that grows with use (venues, groups) bounds its rows with
``bounded_rows``. ``search_places`` wraps every source's
query in ``SCORED_SQL``, which scores each name row once (how well it matches,
how well known and how near the place is), keeps each place's best name,
orders and LIMITs per source, and runs them all as one UNION ALL.

The gazetteer's own sources (cities, localities) live in ``places.gazetteer``;
other apps register theirs in their ``AppConfig.ready()``, so that ``places``
never imports them:

    register_place_source("venue", VenuePlaceSource())

``NameMatch(field, text).condition`` is the filter a gazetteer source uses:
it is served by a GIN trigram index on ``Unaccented(field)`` (pg_trgm's ``%``,
``%>`` and prefix ``LIKE``). A source over a table that grows with use
(venues, groups) uses ``bounded_rows`` and the indexes it names instead.
"""

from functools import lru_cache

from django.contrib.gis.db.backends.postgis.adapter import PostGISAdapter
from django.contrib.gis.geos import Point
from django.contrib.postgres.lookups import TrigramSimilar, TrigramWordSimilar
from django.db import connection
from django.db.models import CharField, FloatField, Q, Value
from django.db.models.functions import Cast, Collate, Concat
from django.db.models.lookups import Exact, StartsWith

from places.functions import Matches, Unaccented, WithWordSimilarityThreshold, Words, WordStarts

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
# How like a word of a name the text must be (pg_trgm's default), for %>.
PLACE_WORD_SIMILARITY = 0.6
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
# A big table (venues, groups: a million rows each) cannot be searched by
# trigram likeness in bounded time. A GIN trigram index cannot stop early,
# and a common word ("Biblioteca") in the text makes a share of the table a
# candidate, each rechecked and scored (60 µs; 1.3 s to reject 200,000
# "Biblioteca ..." names for a word that is never a second word); a GiST
# index's nearest-first walk stops, but over a million names its lossy
# signatures make it read most of the tree (0.7 s to find nothing for
# "asdfgh"; both measured with bench/place_search.py). bounded_rows() reads a
# big table in parts that each stop at their LIMIT: every exact name, and the
# first names that start with the text, in the order of a btree index on the
# folded name; the first names with words starting with each word of the
# text ("luis angel arango" in "Biblioteca Luis Ángel Arango"), on a GIN
# full-text index of the name's words, which holds exact matches only, so a
# LIMIT ends the reading at once; and, forgiving typos, the matches among the
# NEAREST_CAP rows nearest the view. A typo in the name of a venue far from
# the view is not forgiven; near the view, it is.
EXACT_CAP = 200
MATCH_CAP = 200
NEARBY_M = 50_000
NEAREST_CAP = 1000

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
    compiled_matches.cache_clear()


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
        # pg_trgm's own 0.6, set for this statement: a text search earlier in
        # the same transaction leaves 0.4 behind (places.search).
        return self.condition | Q(
            TrigramWordSimilar(
                self.name, WithWordSimilarityThreshold(self.query, PLACE_WORD_SIMILARITY)
            )
        )

    @property
    def starts(self):
        return Q(StartsWith(self.name, self.query))

    @property
    def word_starts(self):
        """Each word of the text starts a word of the name (a ``Words`` GIN index)."""
        return Q(Matches(Words(self.name), WordStarts(self.query)))

    @property
    def exact(self):
        return Q(Exact(self.name, self.query))

    @property
    def in_order(self):
        """The folded name in the C collation: a btree index on it serves ``=``,
        prefix ``LIKE`` and ORDER BY (byte order), and only this expression
        matches that index, so the planner cannot pick a trigram one instead."""
        return Collate(self.name, "C")

    @property
    def exact_in_order(self):
        return Q(Exact(self.in_order, self.query))

    @property
    def starts_in_order(self):
        return Q(StartsWith(self.in_order, self.query))

    @property
    def folded(self):
        """The name as the index has it, for ``name_rows(folded=...)``."""
        return self.name


def key_of(prefix, field):
    """``"<prefix>:<field>"`` as SQL, for a name row's ``key``."""
    return Concat(Value(f"{prefix}:"), Cast(field, CharField()), output_field=CharField())


# Typed NULLs for the columns a source lacks: a bare NULL would be text in one
# source and double precision in another, which UNION ALL refuses.
NULL_TEXT = Cast(Value(None), CharField())
NULL_NUMBER = Cast(Value(None), FloatField())


def name_rows(
    queryset,
    *,
    ordered=False,
    key,
    kind,
    name,
    folded,
    point,
    prominence,
    city=Value(""),
    country_code=NULL_TEXT,
    population=NULL_NUMBER,
    time_zone=NULL_TEXT,
):
    """``queryset`` as a source's name rows: the SOURCE_FIELDS columns, and only them.

    ``point`` must be a geography point expression (a geography column, or a
    ``Cast`` to one). The model's default ordering is dropped (it would sort
    every match) unless ``ordered``: the queryset's own order, for a LIMIT to
    take the first.
    """
    if not ordered:
        queryset = queryset.order_by()
    return queryset.annotate(
        place_key=key,
        place_kind=kind,
        place_name=name,
        place_folded=folded,
        place_city=city,
        place_country_code=country_code,
        place_point=point,
        place_prominence=prominence,
        place_population=population,
        place_time_zone=time_zone,
    ).values(*SOURCE_FIELDS)


def bounded_rows(queryset, match, near, *, words=True, location_field="location", **columns):
    """Name rows of a big table in parts that each stop at their LIMIT (see above).

    The model needs a btree index on ``Collate(Unaccented(<name>), "C")``
    (exact names, starts), a GIN one on ``Words(Unaccented(<name>))`` unless
    not ``words`` (word starts; addresses are not searched by them), and a
    GiST index on ``location_field`` (near the view). ``columns`` are
    those of ``name_rows``.
    """
    columns["folded"] = match.folded
    starts = queryset.filter(match.starts_in_order).order_by(match.in_order)
    parts = [
        name_rows(queryset.filter(match.exact_in_order), **columns)[:EXACT_CAP],
        name_rows(starts, ordered=True, **columns)[:MATCH_CAP],
    ]
    if words:
        parts.append(name_rows(queryset.filter(match.word_starts), **columns)[:MATCH_CAP])
    if near is not None:
        nearest = queryset.near(near, NEARBY_M).values("pk")[:NEAREST_CAP]
        nearby = queryset.filter(pk__in=nearest).filter(
            match.word_condition if words else match.starts_in_order
        )
        parts.append(name_rows(nearby, **columns)[:MATCH_CAP])
    return parts[0].union(*parts[1:], all=True)


# Compiling a source's QuerySet costs Django tens of milliseconds, more than
# running it; the statement depends on the text only through its parameters
# and its length (which decides some parts), so each source is compiled once
# per text length, with and without a view, with these placeholders, and the
# search's own values are put in their place.
PLACEHOLDER_CHAR = "\uffff"  # a noncharacter: never typed
PLACEHOLDER_POINT = Point(0.123456789, 0.987654321, srid=4326)


@lru_cache(maxsize=1024)
def compiled_matches(source_name, text_length, with_view):
    """(sql, params) of the source's matches for a placeholder text and view."""
    text = PLACEHOLDER_CHAR * text_length
    near = PLACEHOLDER_POINT if with_view else None
    matches = _registry[source_name].matches(text, near)
    sql, params = matches.query.get_compiler(connection=connection).as_sql()
    return sql, tuple(params)


def filled(params, text, near):
    """The placeholders of ``compiled_matches`` replaced by the search's values."""
    placeholder = PLACEHOLDER_CHAR * len(text)
    values = []
    for param in params:
        if isinstance(param, str) and param == placeholder:
            values.append(text)
        elif isinstance(param, PostGISAdapter):
            values.append(PostGISAdapter(near, geography=param.geography))
        else:
            values.append(param)
    return values


def scored_sql(source_name, text, near, limit):
    """SQL and parameters for the named source's best ``limit`` candidates for ``text``.

    ``matches(text, near)`` is a ``name_rows`` QuerySet (or a UNION of them,
    as ``bounded_rows`` makes); its SQL may depend on the text's length, never
    on the text itself, which must reach the SQL as a parameter.
    """
    source_sql, source_params = compiled_matches(source_name, len(text), near is not None)
    lon, lat = (near.x, near.y) if near is not None else (None, None)
    return (
        SCORED_SQL.format(source=source_sql),
        (text, lon, lat, *filled(source_params, text, near), MIN_TEXT_SCORE, limit),
    )


def candidates_sql(text, near, limit):
    """The one statement that asks every source, and its parameters; None without sources."""
    parts = [scored_sql(name, text, near, limit) for name in _registry]
    if not parts:
        return None
    # The planner prices trigram similarity high, so a short common text
    # ("san": 2,600 names) passes the JIT threshold, and compiling costs more
    # (80 ms) than it saves; SET LOCAL lasts for this statement's transaction.
    sql = "SET LOCAL jit = off; " + " UNION ALL ".join(f"({part_sql})" for part_sql, _ in parts)
    return sql, [param for _, part_params in parts for param in part_params]


def run_candidates_sql(sql, params):
    """Rows of ``candidates_sql`` as dicts of CANDIDATE_FIELDS."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        columns = [column.name for column in cursor.description]
        return [dict(zip(columns, row)) for row in cursor.fetchall()]


def candidates(text, near, limit):
    """Every source's best ``limit`` candidates, as dicts of CANDIDATE_FIELDS; one query."""
    statement = candidates_sql(text, near, limit)
    return [] if statement is None else run_candidates_sql(*statement)
