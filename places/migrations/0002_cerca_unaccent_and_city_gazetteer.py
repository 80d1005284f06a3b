import django.contrib.gis.db.models.fields
import django.contrib.postgres.indexes
import django.db.models.deletion
import django.db.models.functions.comparison
from django.db import migrations, models

import places.functions


class Migration(migrations.Migration):
    """cerca_unaccent(), the immutable unaccent behind places.functions.Unaccented,
    and the gazetteer's tables: City and its names, trigram indexed."""

    dependencies = [
        ("places", "0001_create_postgres_extensions"),
    ]

    operations = [
        # unaccent() is STABLE because its dictionary is looked up by name at
        # run time; naming the dictionary (and the function) by schema makes
        # the result depend on the argument alone, so it may be indexed.
        migrations.RunSQL(
            sql="""
                CREATE FUNCTION cerca_unaccent(text) RETURNS text
                LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
                RETURN public.unaccent('public.unaccent'::regdictionary, $1);
            """,
            reverse_sql="DROP FUNCTION cerca_unaccent(text);",
        ),
        migrations.CreateModel(
            name="City",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("geonameid", models.IntegerField(help_text="The city's id at geonames.org.", unique=True, verbose_name="GeoNames id")),
                ("name", models.CharField(max_length=200, verbose_name="name")),
                ("country_code", models.CharField(help_text="ISO 3166-1 alpha-2, e.g. CO.", max_length=2, verbose_name="country code")),
                ("country", models.CharField(max_length=200, verbose_name="country")),
                ("population", models.BigIntegerField(verbose_name="population")),
                ("time_zone", models.CharField(help_text="IANA name, e.g. America/Bogota.", max_length=40, verbose_name="time zone")),
                ("location", django.contrib.gis.db.models.fields.PointField(geography=True, srid=4326, verbose_name="location")),
            ],
            options={
                "verbose_name": "city",
                "verbose_name_plural": "cities",
                "ordering": ["-population", "name"],
                "indexes": [django.contrib.postgres.indexes.GistIndex(django.db.models.functions.comparison.Cast("location", django.contrib.gis.db.models.fields.GeometryField(srid=4326)), name="city_location_geom_idx")],
                "constraints": [models.CheckConstraint(condition=models.Q(("population__gte", 0)), name="city_population_not_negative")],
            },
        ),
        migrations.CreateModel(
            name="CityName",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=200, verbose_name="name")),
                ("city", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="names", to="places.city", verbose_name="city")),
            ],
            options={
                "verbose_name": "city name",
                "verbose_name_plural": "city names",
                "indexes": [django.contrib.postgres.indexes.GinIndex(django.contrib.postgres.indexes.OpClass(places.functions.Unaccented("name"), name="gin_trgm_ops"), name="cityname_name_trgm")],
            },
        ),
    ]
