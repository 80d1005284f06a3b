"""Ranking place candidates and deciding whether the best one is a match.

The sources (``places.sources``) hand over at most a few dozen candidate rows,
each with how well its name matches (``text_score``, ``clear``), how well
known it is (``prominence``: people) and its ``pull`` (prominence less a
distance penalty from the map view). This module orders them and decides:

- **strong**: the first candidate is a confident match; the map may jump to it.
- **weak**: there are candidates, none confident; the page asks "Did you mean…?".
- **none**: nothing plausible.

A weak match is not a match. Only a *clear* name match can be strong: the
exact name, accents and case aside ("medellin"), or a word-aligned start of it
covering at least half of it ("Medel", "Universidad Nacional"). A trigram
likeness ("Chapinero" for "Chapineri, India", "Barcelna" for Barcelona) never
is, however good: typos are offered, not followed.

Exact names come first, then clear starts, then the rest, each by rank (pull
plus the weighted text score). A clear match is still not strong when a
namesake could as well be meant (Córdoba, Valencia, San José, Santiago).
Namesakes are the other places, more than NAMESAKE_KM away, that match as
well: the other exact names if the first is one, else the other clear
matches. The first candidate is strong only if, against every namesake:

1. its pull is at least PULL_MARGIN (ten times) greater: with a map view, the
   view decides between namesakes only when it decides clearly (Córdoba, Spain
   near Madrid; Córdoba, Argentina near Buenos Aires), and without one, size
   must (Medellín, Colombia over Medellin, Philippines);
2. the namesake is not ten times more prominent, and not more prominent at
   all unless the first candidate lies within LOCAL_KM of the view: nearness
   overrides a better known namesake only for a place close by (Valencia,
   Spain, 300 km from Madrid, over Valencia, Venezuela), never silently a far
   better known one ("Madrid" seen from Bogotá is Madrid, Cundinamarca, or
   Madrid, Spain; "Barcelona" seen from Bogotá, Venezuela's or Spain's?);
3. with a map view, the namesake is not near the view while the first
   candidate is far from it: a namesake far from the view is offered, never
   jumped to ("Santiago" seen from Bogotá: Chile, or Santiago in Colombia?).

Nor is it strong when a longer name that starts like the text, farther than
NAMESAKE_KM, pulls ten times more: the user may still be typing it.

The figures are plain Python over the candidates already fetched (a few
dozen, bounded by the sources' LIMITs); distances between candidates use a
sphere, plenty to tell 10 km from hundreds.
"""

import math
import unicodedata
from dataclasses import dataclass, field

from django.utils.translation import get_language

STRONG = "strong"
WEAK = "weak"
NONE = "none"

# Candidates this close with the same name are one place found twice (a campus
# in the curated file and in GeoNames); farther, with a clear match each, they
# are namesakes.
SAME_PLACE_KM = 2.0
NAMESAKE_KM = 10.0
# One unit of pull is ten times the people, or ten times nearer.
PULL_MARGIN = 1.0
PROMINENCE_MARGIN = 10.0
# "Near the view": about a country's width; Madrid to Córdoba is 300 km,
# Bogotá to Santiago de Chile 4,300. "Close by": a few hours' drive.
NEAR_VIEW_KM = 1500.0
LOCAL_KM = 500.0
EARTH_RADIUS_KM = 6371.0088


@dataclass
class PlaceMatch:
    """A place search candidate (``label`` e.g. "Chapinero, Bogotá, Colombia")."""

    id: str
    name: str
    label: str
    kind: str
    lon: float
    lat: float
    country: str
    country_code: str
    confidence: float = 0.0
    strong: bool = False
    population: int | None = None
    time_zone: str | None = None
    city: str = ""
    distance_m: float | None = None
    text_score: float = 0.0
    clear: bool = False
    starts: bool = False
    prominence: float = 1.0
    pull: float = 0.0
    rank: float = 0.0
    context: tuple = field(default=(), repr=False)


@dataclass
class PlaceSearchResult:
    """``match`` is STRONG, WEAK or NONE; ``places`` best first."""

    match: str
    places: list


def fold(text):
    """``text`` without accents, in lower case, spaces collapsed: as ``Unaccented`` does."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(stripped.lower().split())


def country_name(code, fallback=""):
    """The country's name in the active language ("España" in Spanish), from CLDR."""
    from babel import Locale, UnknownLocaleError

    try:
        locale = Locale.parse((get_language() or "es").replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        locale = Locale.parse("es")
    return locale.territories.get(code, fallback or code)


def city_name(name, time_zone):
    """A city's name in the active language, where CLDR has it.

    GeoNames names cities in English ("Mexico City", "Havana"); CLDR names in
    every language the cities its time zones are named after, so a city that
    gives its name to its time zone ("America/Mexico_City") is named as CLDR
    names it there ("Ciudad de México", "La Habana").
    """
    if not name or not time_zone:
        return name
    from babel.dates import get_timezone_location

    try:
        english = get_timezone_location(time_zone, "en", return_city=True)
        if name not in (english, f"{english} City"):
            return name
        return get_timezone_location(
            time_zone, (get_language() or "es").replace("-", "_"), return_city=True
        )
    except (LookupError, ValueError):
        return name


def country_names(code):
    """The country's names people may type after a comma: Spanish, English and its code."""
    from babel import Locale

    return {
        fold(Locale.parse(language).territories.get(code, code)) for language in ("es", "en")
    } | {fold(code)}


def distance_km(a, b):
    """Great-circle distance between two candidates, in km (a sphere is enough here)."""
    lon1, lat1, lon2, lat2 = map(math.radians, (a.lon, a.lat, b.lon, b.lat))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def place_from_row(row):
    """A PlaceMatch from a scored candidate row (``places.sources.CANDIDATE_FIELDS``)."""
    values = row
    code = values["country_code"] or ""
    country = country_name(code) if code else ""
    name = values["name"]
    city = values["city"] or ""
    if values["kind"] == "city":
        name = city_name(name, values["time_zone"])
    elif city:
        city = city_name(city, values["time_zone"])
    parts = [name]
    if city and fold(city) != fold(name):
        parts.append(city)
    if country:
        parts.append(country)
    population = values["population"]
    return PlaceMatch(
        id=values["key"],
        name=name,
        label=", ".join(parts),
        kind=values["kind"],
        lon=values["lon"],
        lat=values["lat"],
        country=country,
        country_code=code,
        population=None if population is None else int(population),
        time_zone=values["time_zone"],
        city=city,
        distance_m=values["distance_m"],
        text_score=values["text_score"],
        clear=bool(values["clear"]),
        starts=bool(values["starts"]),
        prominence=values["prominence"],
        pull=values["pull"],
        rank=values["rank"],
        context=tuple(
            ({fold(city), fold(values["city"] or "")} | (country_names(code) if code else set()))
            - {""}
        ),
    )


def satisfies(place, qualifier):
    """Whether ``place`` lies in what the words after a comma name ("Bogotá", "España")."""
    return any(part == qualifier or part.startswith(qualifier + " ") for part in place.context)


def apply_qualifiers(places, qualifiers):
    """Keep the places that lie in every qualifier, if any does; else ignore the qualifiers.

    "Córdoba, España" keeps Córdoba, Spain; "Chapinero, Cundinamarca" (a
    department the gazetteer does not know) keeps Chapinero.
    """
    qualifiers = [fold(qualifier) for qualifier in qualifiers if fold(qualifier)]
    if not qualifiers:
        return places
    kept = [place for place in places if all(satisfies(place, q) for q in qualifiers)]
    return kept or places


def is_exact(place):
    return place.clear and place.text_score >= 1.0


def order(places):
    """Exact names first, then clear starts, then the rest; each by rank, best first."""
    return sorted(
        places, key=lambda place: (not is_exact(place), not place.clear, -place.rank, place.id)
    )


def without_duplicates(places):
    """The first of each place found twice: same name, less than SAME_PLACE_KM apart."""
    kept = []
    for place in places:
        if not any(
            fold(place.name) == fold(other.name) and distance_km(place, other) < SAME_PLACE_KM
            for other in kept
        ):
            kept.append(place)
    return kept


def conflicts(top, rival, near_given):
    """Why ``rival``, a namesake of ``top``, leaves ``top`` in doubt (rules 1-3 above)."""
    if top.pull - rival.pull < PULL_MARGIN:
        return "pull"
    if rival.prominence >= PROMINENCE_MARGIN * top.prominence:
        return "prominence"
    if (
        rival.prominence > top.prominence
        and near_given
        and (top.distance_m is None or top.distance_m > LOCAL_KM * 1000)
    ):
        return "prominence"
    if (
        near_given
        and rival.distance_m is not None
        and top.distance_m is not None
        and rival.distance_m <= NEAR_VIEW_KM * 1000
        and top.distance_m > NEAR_VIEW_KM * 1000
    ):
        return "view"
    return None


def namesakes(place, candidates):
    """The clear matches that are namesakes of ``place`` (see the module docstring)."""
    return [
        other
        for other in candidates
        if other is not place
        and other.clear
        and (is_exact(other) or not is_exact(place))
        and distance_km(place, other) > NAMESAKE_KM
    ]


def decide(places, near_given, limit):
    """Rank the candidates, mark the strong one if any, and say what kind of match it is.

    Each clear match's ``confidence`` is its text score times its share of the
    pull among its namesakes; a fuzzy one's is half its text score. The order
    stays exact names, clear starts, the rest; except that the longer names
    that left the first in doubt lead a weak list ("bogo": Bogotá first, then
    Bogo, Cameroon).
    """
    places = without_duplicates(order(places))
    if not places:
        return PlaceSearchResult(NONE, [])
    for place in places:
        if place.clear:
            share = 1.0 / (
                1.0 + sum(10 ** (other.pull - place.pull) for other in namesakes(place, places))
            )
            place.confidence = place.text_score * share
        else:
            place.confidence = 0.5 * place.text_score
    top = places[0]
    doubts = []
    longer = []
    if top.clear:
        rivals = namesakes(top, places)
        doubts = [conflicts(top, rival, near_given) for rival in rivals]
        # A longer name starting like the text, far from the first and pulling
        # ten times more: the user may be typing it still ("Bogo" for Bogotá).
        longer = [
            place
            for place in places[1:]
            if place.starts
            and place not in rivals
            and place.pull - top.pull >= PULL_MARGIN
            and distance_km(top, place) > NAMESAKE_KM
        ]
        doubts = [doubt for doubt in doubts if doubt] + ["longer"] * bool(longer)
    if top.clear and not doubts:
        top.strong = True
        match = STRONG
    else:
        if top.clear and any(doubt != "pull" for doubt in doubts):
            top.confidence *= 0.5
        longer.sort(key=lambda place: (-place.rank, place.id))
        places = longer + [place for place in places if place not in longer]
        match = WEAK
    for place in places:
        place.confidence = round(min(1.0, max(0.0, place.confidence)), 3)
    return PlaceSearchResult(match, places[:limit])
