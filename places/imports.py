"""Bulk imports of places (venues, study groups) from GIS files, set-based.

``import_file(job, path)`` is the one code path, run by the Celery task
``places.tasks.import_run`` and by ``manage.py import_places``:

1. GDAL reads the file (its driver pinned by the file's extension) and
   reprojects it to WGS84 straight into a staging table (``ogr2ogr -f
   PostgreSQL`` over COPY, every attribute as text).
2. One ``CREATE TEMP TABLE ... AS SELECT`` shapes the rows (columns by name,
   a point per feature, defaults for empty values); each rule of the target
   model (blank, max length, choices, integers, minimum, a valid WGS84 point)
   is one ``INSERT INTO places_importproblem ... SELECT`` over it. The rules and
   their messages come from the model's own fields, so they are those of
   every other write.
3. Rows already there are marked in SQL: the same (source, id at the source),
   or the same folded name within 50 m (also between rows of the file).
4. The good rows go in, in batches of ``BATCH_ROWS``, with ``ON CONFLICT DO
   NOTHING`` on the (source, id) unique constraint; the job's progress is
   written after each batch on a connection of its own, so a page polling it
   sees it while the import's transaction is still open.

In all-or-nothing mode a file with any bad row imports nothing; otherwise the
bad rows are left out. Either way each problem is a row (row, field, message).

Apps declare what can be imported with ``register_import_target`` in their
``AppConfig.ready()``, so that ``places`` never imports them.
"""

import logging
import os
import re
import subprocess
import tempfile
import time
import uuid
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.validators import MaxLengthValidator, MinValueValidator
from django.db import connection, connections, models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from places.models import ImportJob, ImportProblem

logger = logging.getLogger(__name__)

# The GDAL driver for each file name ending: never guessed from the contents.
DRIVERS = {
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".csv": "CSV",
    ".gpkg": "GPKG",
    ".kml": "KML",
    ".zip": "ESRI Shapefile",
}
FORMAT_NAMES = {
    "GeoJSON": "GeoJSON",
    "CSV": "CSV",
    "GPKG": "GeoPackage",
    "KML": "KML",
    "ESRI Shapefile": gettext_lazy("zipped Shapefile"),
}
# CSV: the columns GDAL takes as coordinates (lon/lat) or as a WKT geometry.
CSV_OPEN_OPTIONS = [
    "X_POSSIBLE_NAMES=lon,lng,long,longitude,x",
    "Y_POSSIBLE_NAMES=lat,latitude,y",
    "GEOM_POSSIBLE_NAMES=wkt,geometry,geom",
    "KEEP_GEOM_COLUMNS=NO",
]
# Rows a batch inserts between two progress updates.
BATCH_ROWS = 10_000
# Two places of the same name closer than this are one place.
SAME_PLACE_M = 50
# Columns a file may use for the id a row has at its source.
EXTERNAL_ID_COLUMNS = ("external_id", "id", "fid_source", "identificador")
# The share of the progress bar each step takes, in percent, at its end.
READ_DONE, CHECK_DONE = 40, 55


class ImportFileError(Exception):
    """The file as a whole cannot be imported; the message says why, for people."""


@dataclass
class ImportTarget:
    """What an app lets people import: the model, the fields read from the
    file (by name, or by one of ``aliases``), and hooks.

    ``online_field``: a boolean field that, when true, lets a row have no
    point (a group that meets online). ``constants(job)`` gives the columns
    every row gets (a venue's study group); ``generated(job, shaped)`` gives
    extra columns as SQL over the shaped row ``q`` (with ``q.new_id``, the row's
    id to be); ``shape`` gives extra columns of the shaped rows, as SQL over
    their ``raw_<field>`` columns, each indexed (a group's slug before
    de-duplication); ``after_insert(job, cursor, ids)`` runs after each
    batch with the new rows' ids.
    """

    kind: str
    label: object
    model: type
    fields: tuple
    aliases: dict = field(default_factory=dict)
    online_field: str | None = None
    constants: object = None
    generated: object = None
    shape: object = None
    after_insert: object = None

    @property
    def table(self):
        return self.model._meta.db_table


_targets = {}


def register_import_target(target):
    """Make ``target`` importable under ``target.kind``."""
    _targets[target.kind] = target


def import_targets():
    """The registered targets, by kind, in registration order."""
    return dict(_targets)


def import_target(kind):
    try:
        return _targets[kind]
    except KeyError:
        raise ImportFileError(_("Unknown kind of place to import: %(kind)s.") % {"kind": kind})


def driver_for(file_name):
    """The GDAL driver pinned for ``file_name``'s extension; ImportFileError otherwise."""
    suffix = Path(file_name).suffix.lower()
    if suffix not in DRIVERS:
        raise ImportFileError(
            _("Cerca cannot import %(suffix)s files. Use one of: %(known)s.")
            % {"suffix": suffix or _("extensionless"), "known": ", ".join(sorted(DRIVERS))}
        )
    return DRIVERS[suffix]


def check_zip(path):
    """Refuse a zip that is not one, or that unpacks to more than
    IMPORT_MAX_UNZIPPED_BYTES or more than IMPORT_MAX_ZIP_RATIO times its size
    (a zip bomb), or that holds no .shp; before GDAL opens it. Returns the
    path of its first .shp inside the archive."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        raise ImportFileError(_("The file is not a zip archive."))
    unpacked = sum(member.file_size for member in members)
    packed = max(1, sum(member.compress_size for member in members))
    too_big = unpacked > settings.IMPORT_MAX_UNZIPPED_BYTES
    if too_big or unpacked / packed > settings.IMPORT_MAX_ZIP_RATIO:
        raise ImportFileError(
            _("The zip archive unpacks to %(size)s MB, too much to import.")
            % {"size": round(unpacked / 1e6, 1)}
        )
    shapefiles = [member.filename for member in members if member.filename.lower().endswith(".shp")]
    if not shapefiles:
        raise ImportFileError(_("The zip archive holds no Shapefile (.shp)."))
    return shapefiles[0]


@lru_cache(maxsize=1)
def gdal_drivers():
    """The names of GDAL's vector drivers on this machine."""
    listing = subprocess.run(
        ["ogrinfo", "--formats"], capture_output=True, text=True, check=True
    ).stdout
    return tuple(re.findall(r"^\s+(.+?) -[a-z,]+- \(", listing, re.MULTILINE))


def pinned(driver, writer=None):
    """GDAL's options that let only ``driver`` open the file (GDAL 3.6 has
    no ``-if``): every other driver but the ``writer`` skipped."""
    others = [name for name in gdal_drivers() if name not in (driver, writer)]
    return ["--config", "OGR_SKIP", ",".join(others)]


def gdal_source(path, driver, member=None):
    """The name GDAL opens ``path`` by: a zip's ``member`` through /vsizip/."""
    return f"/vsizip/{path}/{member}" if member else str(path)


def _gdal_error(stderr):
    lines = [line.strip() for line in stderr.splitlines() if line.strip().startswith("ERROR")]
    return re.sub(r"^ERROR \d+: ", "", lines[0]) if lines else ""


def first_layer(path, driver, member=None):
    """The name of the first layer of the file, read by ogrinfo with ``driver``;
    ImportFileError when GDAL cannot open it as that format."""
    result = subprocess.run(
        ["ogrinfo", "-ro", "-q", *pinned(driver), *_open_options(driver),
         gdal_source(path, driver, member)],
        capture_output=True,
        text=True,
        timeout=settings.IMPORT_GDAL_TIMEOUT_S,
    )
    layers = re.findall(r"^\d+: (.+?)(?: \([^()]*\))?$", result.stdout, re.MULTILINE)
    if result.returncode != 0 or not layers:
        raise ImportFileError(
            _("The file could not be read as %(format)s.") % {"format": FORMAT_NAMES[driver]}
        )
    return layers[0]


def _open_options(driver):
    if driver != "CSV":
        return []
    return [argument for option in CSV_OPEN_OPTIONS for argument in ("-oo", option)]


def _pg_environment(alias="default"):
    """libpq's environment for ogr2ogr: the password never reaches a command line."""
    conf = connections[alias].settings_dict
    env = dict(os.environ)
    for key, name in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"),
                      ("PASSWORD", "PGPASSWORD"), ("NAME", "PGDATABASE")):
        if conf.get(key):
            env[name] = str(conf[key])
    return env


def load_staging(path, driver, layer, table, source_srs="", on_percent=None, member=None):
    """Read ``layer`` of the file into the new table ``table`` (import_row,
    geom in EPSG:4326, every attribute as text) with ogr2ogr over COPY.

    ``on_percent(p)`` hears GDAL's progress, 0 to 100.
    """
    command = [
        "ogr2ogr", *pinned(driver, "PostgreSQL"), *_open_options(driver),
        "-f", "PostgreSQL", "PG:", gdal_source(path, driver, member), layer,
        "-nln", table, "-t_srs", "EPSG:4326", "-nlt", "GEOMETRY", "-dim", "XY",
        "-fieldTypeToString", "All", "-gt", "65536", "-progress",
        "-lco", "GEOMETRY_NAME=geom", "-lco", "FID=import_row",
        "-lco", "SPATIAL_INDEX=NONE", "-lco", "LAUNDER=YES",
        "--config", "PG_USE_COPY", "YES",
    ]
    # A CSV's coordinates are lon/lat unless the job says otherwise.
    source_srs = source_srs or ("EPSG:4326" if driver == "CSV" else "")
    if source_srs:
        command[command.index("-t_srs"):command.index("-t_srs")] = ["-s_srs", source_srs]
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=errors, env=_pg_environment()
        )
        seen = ""
        while chunk := process.stdout.read(1):
            seen += chunk.decode("ascii", "replace")
            if chunk == b"." and seen.endswith("0.") and on_percent:
                number = re.findall(r"(\d+)\.+$", seen)
                if number:
                    on_percent(int(number[-1]))
        process.wait(timeout=settings.IMPORT_GDAL_TIMEOUT_S)
        errors.seek(0)
        stderr = errors.read().decode("utf-8", "replace")
    if process.returncode != 0:
        detail = _gdal_error(stderr)
        if "no coordinate system" in stderr:
            raise ImportFileError(
                _("The file does not say its coordinate system: give it (EPSG:25830, for example).")
            )
        if "SRS" in stderr and source_srs:
            raise ImportFileError(
                _("The coordinate system %(srs)s is not one GDAL knows.") % {"srs": source_srs}
            )
        raise ImportFileError(
            _("The file could not be read as %(format)s.") % {"format": FORMAT_NAMES[driver]}
            + (f" ({detail})" if detail else "")
        )


class _Marker:
    """A stand-in for a value in a Django message: replaced in SQL by the row's own."""

    def __str__(self):
        return "\x01"

    __repr__ = __str__

    def __format__(self, spec):
        return "\x01"


MARK = _Marker()
# Stands for the row's own number in messages that format it with %d.
NUMBER_MARK = 987654321


def _message(message, **params):
    """``message`` (maybe lazy, maybe plural) formatted with ``params``, where
    MARK stands for the row's value (``\x01`` in the result)."""
    numbers = {name: NUMBER_MARK if value is MARK else value for name, value in params.items()}
    return str(message % numbers).replace(str(NUMBER_MARK), "\x01")


@dataclass
class Rule:
    """One check over the shaped rows: the rows where ``bad_sql`` holds get
    ``message`` (``\\x01`` in it replaced by ``value_sql``) for ``field``."""

    field: str
    bad_sql: str
    message: str
    value_sql: str = "''"


def _column_for(field_name, target, columns):
    for name in (field_name, *target.aliases.get(field_name, ())):
        if name in columns:
            return name
    return None


def _quote(name):
    return connection.ops.quote_name(name)


def _field_sql(column):
    """The text of ``column`` (None: not in the file), NULL when empty."""
    return f"NULLIF(btrim(s.{_quote(column)}), '')" if column else "NULL::text"


def shape_rows(cursor, job, target, staging, shaped):
    """Create the temp table ``shaped``: one row per feature with ``row``,
    the raw text of each field (``raw_<field>``, NULL when empty or absent),
    ``external_id``, ``folded`` (the folded name), ``point`` (geometry, 4326)
    and ``geog`` (NULL unless the point is valid WGS84)."""
    cursor.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s",
        [staging],
    )
    columns = {name for (name,) in cursor.fetchall()}
    selects = ["s.import_row AS row"]
    for name in target.fields:
        column = _column_for(name, target, columns)
        selects.append(f"{_field_sql(column)} AS {_quote('raw_' + name)}")
    id_column = next((name for name in EXTERNAL_ID_COLUMNS if name in columns), None)
    selects.append(
        f"COALESCE(left(btrim(s.{_quote(id_column)}), 200), '')" if id_column else "''::text"
    )
    selects[-1] += " AS external_id"
    selects.append(
        "CASE WHEN s.geom IS NULL OR ST_IsEmpty(s.geom) THEN NULL"
        " WHEN GeometryType(s.geom) = 'POINT' THEN s.geom"
        " WHEN GeometryType(s.geom) IN ('POLYGON', 'MULTIPOLYGON')"
        " THEN ST_PointOnSurface(ST_MakeValid(s.geom))"
        " ELSE ST_Centroid(s.geom) END AS point"
    )
    name_column = _quote("raw_" + target.fields[0])
    extras = target.shape(job) if target.shape else {}
    # One pass: the row's point (inner), then what depends on it (outer).
    cursor.execute(
        f"CREATE TEMP TABLE {shaped} ON COMMIT DROP AS SELECT r.*,"
        " CASE WHEN ST_X(point) BETWEEN -180 AND 180 AND ST_Y(point) BETWEEN -90 AND 90"
        " THEN point::geography(Point, 4326) END AS geog,"
        f" cerca_unaccent(lower({name_column})) AS folded,"
        " false AS bad, false AS duplicate"
        + "".join(f", {sql} AS {_quote(column)}" for column, sql in extras.items())
        + f" FROM (SELECT {', '.join(selects)} FROM {_quote(staging)} s) AS r"
    )
    for column in extras:
        cursor.execute(f"CREATE INDEX ON {shaped} ({_quote(column)})")
    cursor.execute(f"CREATE INDEX ON {shaped} (row)")
    cursor.execute(f"ANALYZE {shaped}")


def _value_rules(job, target):
    """The rules of the target's fields, from the model fields themselves."""
    rules = []
    defaults = job.options.get("defaults", {})
    for name in target.fields:
        model_field = target.model._meta.get_field(name)
        raw = _quote("raw_" + name)
        if not (model_field.blank or model_field.has_default() or defaults.get(name) is not None):
            rules.append(Rule(name, f"{raw} IS NULL", str(model_field.error_messages["blank"])))
        if isinstance(model_field, models.BooleanField):
            rules.append(Rule(
                name,
                f"{raw} IS NOT NULL AND lower({raw}) NOT IN {BOOLEAN_SQL}",
                str(model_field.error_messages["invalid"] % {"value": MARK}),
                f"left({raw}, 40)",
            ))
            continue
        if model_field.choices:
            allowed = [str(value) for value, _label in model_field.flatchoices]
            rules.append(Rule(
                name,
                f"{raw} IS NOT NULL AND {raw} <> ALL(ARRAY[{', '.join(['%s'] * len(allowed))}])",
                str(model_field.error_messages["invalid_choice"] % {"value": MARK}),
                f"left({raw}, 40)",
            ))
            rules[-1].params = allowed
        if isinstance(model_field, models.IntegerField):
            rules.append(Rule(
                name,
                f"{raw} IS NOT NULL AND {raw} !~ '^[+]?[0-9]{{1,9}}$'",
                str(model_field.error_messages["invalid"] % {"value": MARK}),
                f"left({raw}, 40)",
            ))
            for validator in model_field.validators:
                if isinstance(validator, MinValueValidator):
                    rules.append(Rule(
                        name,
                        f"{raw} ~ '^[+]?[0-9]{{1,9}}$'"
                        f" AND {raw}::int < {int(validator.limit_value)}",
                        _message(validator.message, limit_value=validator.limit_value),
                    ))
        for validator in model_field.validators:
            if isinstance(validator, MaxLengthValidator):
                rules.append(Rule(
                    name,
                    f"char_length({raw}) > {int(validator.limit_value)}",
                    _message(validator.message, limit_value=validator.limit_value, show_value=MARK),
                    f"char_length({raw})::text",
                ))
    return rules


BOOLEAN_SQL = "('true', 'false', 't', 'f', '1', '0', 'yes', 'no', 'y', 'n', 'sí', 'si')"
TRUE_SQL = "('true', 't', '1', 'yes', 'y', 'sí', 'si')"


def _location_rules(target, location_name):
    online = (
        f" AND COALESCE(lower(raw_{target.online_field}) IN {TRUE_SQL}, false) = false"
        if target.online_field else ""
    )
    return [
        Rule(
            location_name,
            f"point IS NULL{online}",
            _("The feature has no geometry: a place needs a point."),
        ),
        Rule(
            location_name,
            "point IS NOT NULL AND geog IS NULL",
            _("Longitude must lie in [-180, 180] and latitude in [-90, 90]; got %(lon)s, %(lat)s.")
            % {"lon": MARK, "lat": "\x02"},
            "round(ST_X(point)::numeric, 6)::text",
        ),
    ]


def record_problems(cursor, job, target, shaped):
    """Insert an ImportProblem for each broken rule of each row, mark those
    rows bad; return how many rows are bad."""
    rules = _value_rules(job, target) + _location_rules(target, "location")
    for rule in rules:
        message = rule.message.replace("\x02", "\x03")
        value = rule.value_sql
        message_sql = f"replace(%s, chr(1), {value})"
        if "\x03" in message:
            message_sql = f"replace({message_sql}, chr(3), round(ST_Y(point)::numeric, 6)::text)"
        cursor.execute(
            f"INSERT INTO {ImportProblem._meta.db_table} (job_id, row, field, message)"
            f" SELECT %s, row, %s, {message_sql} FROM {shaped} WHERE {rule.bad_sql}",
            [job.pk, rule.field, message, *getattr(rule, "params", [])],
        )
    cursor.execute(
        f"UPDATE {shaped} SET bad = true WHERE row IN"
        f" (SELECT row FROM {ImportProblem._meta.db_table} WHERE job_id = %s)",
        [job.pk],
    )
    return cursor.rowcount


def mark_duplicates(cursor, job, target, shaped):
    """Mark the good rows that are already there: the same (source, id at the
    source) in the table or earlier in the file, or the same folded name
    within SAME_PLACE_M of a row of the table or of an earlier row. One
    statement per rule, each a join on an index; returns how many."""
    table = _quote(target.table)
    good = "NOT p.bad AND NOT p.duplicate"
    cursor.execute(f"CREATE INDEX ON {shaped} (folded)")
    cursor.execute(f"CREATE INDEX ON {shaped} (external_id)")
    statements = [
        # The unique constraint's index: (import_source, external_id).
        (f"UPDATE {shaped} p SET duplicate = true FROM {table} t WHERE {good}"
         " AND p.external_id <> '' AND t.import_source = %s AND t.external_id = p.external_id",
         [job.source]),
        (f"UPDATE {shaped} p SET duplicate = true FROM (SELECT row, row_number() OVER"
         f" (PARTITION BY external_id ORDER BY row) AS n FROM {shaped}"
         " WHERE external_id <> '' AND NOT bad) AS d"
         f" WHERE d.row = p.row AND d.n > 1 AND {good}", []),
        # The folded-name btree index (venue_name_folded, studygroup_name_folded).
        (f"UPDATE {shaped} p SET duplicate = true WHERE {good} AND EXISTS (SELECT 1 FROM {table} t"
         " WHERE cerca_unaccent(lower(t.name)) COLLATE \"C\" = p.folded COLLATE \"C\""
         " AND ST_DWithin(t.location, p.geog, %s))", [SAME_PLACE_M]),
        (f"UPDATE {shaped} p SET duplicate = true WHERE {good} AND EXISTS (SELECT 1 FROM {shaped} e"
         " WHERE e.folded = p.folded AND e.row < p.row AND NOT e.bad"
         " AND ST_DWithin(e.geog, p.geog, %s))", [SAME_PLACE_M]),
    ]
    marked = 0
    for sql, params in statements:
        cursor.execute(sql, params)
        marked += cursor.rowcount
    return marked


def _insert_sql(job, target, shaped):
    """The INSERT of one batch of good rows (rows %s to %s), and its parameters."""
    columns, values, params = [], [], []
    for name in target.fields:
        model_field = target.model._meta.get_field(name)
        raw = f"q.{_quote('raw_' + name)}"
        default = job.options.get("defaults", {}).get(name)
        if default is None and model_field.has_default():
            default = model_field.get_default()
        if isinstance(model_field, models.BooleanField):
            expression = f"COALESCE(lower({raw}) IN {TRUE_SQL}, %s)"
            params.append(bool(default))
        elif isinstance(model_field, models.IntegerField):
            expression = f"COALESCE({raw}::int, %s)"
            params.append(default)
        else:
            expression = f"COALESCE({raw}, %s)"
            params.append("" if default is None else str(default))
        columns.append(model_field.column)
        values.append(expression)
    for column, value in (target.constants(job) if target.constants else {}).items():
        columns.append(column)
        values.append("%s")
        params.append(value)
    for column, sql in (target.generated(job, shaped) if target.generated else {}).items():
        columns.append(column)
        values.append(sql)
    columns += ["id", "location", "import_source", "external_id", "created_at", "updated_at"]
    values += ["q.new_id", "q.geog", "%s", "q.external_id", "now()", "now()"]
    params.append(job.source)
    seq = f"pg_get_serial_sequence('{target.table}', 'id')"
    sql = (
        f"INSERT INTO {_quote(target.table)} ({', '.join(_quote(c) for c in columns)})"
        f" SELECT {', '.join(values)} FROM (SELECT nextval({seq}) AS new_id, p.* FROM {shaped} p"
        "  WHERE p.row BETWEEN %s AND %s AND NOT p.bad AND NOT p.duplicate ORDER BY p.row) q"
        ' ON CONFLICT (import_source, external_id) WHERE external_id <> \'\' DO NOTHING'
        " RETURNING id"
    )
    return sql, params


class Steps:
    """Seconds each step of an import took, logged at the end (bench/imports.py reads them)."""

    def __init__(self):
        self.started = self.last = time.perf_counter()
        self.seconds = {}

    def __call__(self, name):
        now = time.perf_counter()
        self.seconds[name] = round(now - self.last, 2)
        self.last = now


class Progress:
    """Writes a job's progress on a database connection of its own, committed
    at once, so that pages polling the job see it during the import's
    transaction; and tells ``listener`` (the command's progress bar)."""

    def __init__(self, job, listener=None):
        self.job = job
        self.listener = listener
        self.connection = connections.create_connection("default")
        self.steps = Steps()

    def __call__(self, **fields):
        for name, value in fields.items():
            setattr(self.job, name, value)
        assignments = ", ".join(f"{_quote(name)} = %s" for name in fields)
        with self.connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {ImportJob._meta.db_table} SET {assignments} WHERE id = %s",
                [*fields.values(), self.job.pk],
            )
        if self.listener:
            self.listener(self.job)

    def close(self):
        self.connection.close()


def _materialize(job, path):
    """The file to read: ``path``, else the job's stored contents in a temp file."""
    if path is not None:
        return Path(path), None
    if job.file_data is None:
        raise ImportFileError(_("The file of this import is no longer stored."))
    handle = tempfile.NamedTemporaryFile(suffix=Path(job.file_name).suffix.lower(), delete=False)
    with handle:
        handle.write(bytes(job.file_data))
    return Path(handle.name), handle.name


FINAL_FIELDS = (
    "status", "phase", "progress", "total_rows", "created_rows", "duplicate_rows",
    "problem_rows", "error", "started_at", "finished_at",
)


def import_file(job, path=None, listener=None):
    """Import the places of ``job`` from ``path`` (else from the job's stored
    file) and record the outcome on the job: counts, problems, status.

    ``listener(job)`` is called at each step with the job's progress.
    Returns the job. Never raises for a bad file: the job is marked failed
    with a message for people.
    """
    progress = Progress(job, listener)
    staging = f"places_import_staging_{job.pk}_{uuid.uuid4().hex[:8]}"
    temporary = None
    try:
        with translation.override(job.language):
            progress(status=ImportJob.Status.RUNNING, phase="reading", progress=0,
                     started_at=timezone.now())
            try:
                path, temporary = _materialize(job, path)
                target = import_target(job.kind)
                driver = driver_for(job.file_name)
                if not path.exists() or path.stat().st_size == 0:
                    raise ImportFileError(_("The file is empty."))
                member = check_zip(path) if driver == "ESRI Shapefile" else None
                layer = first_layer(path, driver, member)
                load_staging(
                    path, driver, layer, staging, job.source_srs,
                    on_percent=lambda p: progress(progress=p * READ_DONE // 100), member=member,
                )
                progress.steps("read")
                _import_staged(job, target, staging, progress)
            except ImportFileError as exc:
                progress(status=ImportJob.Status.FAILED, error=str(exc))
    except Exception as exc:
        progress(status=ImportJob.Status.FAILED,
                 error=_("The import stopped: %(error)s") % {"error": str(exc)[:500]})
        raise
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {_quote(staging)}")
        if temporary:
            os.unlink(temporary)
        progress.close()
        logger.info(
            "import %s: %s, seconds per step: %s", job.pk, job.status, progress.steps.seconds
        )
        job.step_seconds = progress.steps.seconds
        if job.status == ImportJob.Status.RUNNING:
            job.status = ImportJob.Status.DONE
        job.phase, job.finished_at, job.file_data = "", timezone.now(), None
        # On this connection too: a caller's open transaction (a test's) cannot
        # see what the progress connection wrote.
        ImportJob.objects.filter(pk=job.pk).update(
            file_data=None, **{name: getattr(job, name) for name in FINAL_FIELDS}
        )
        if listener:
            listener(job)
    return job


def _import_staged(job, target, staging, progress):
    shaped = f"shaped_{uuid.uuid4().hex[:8]}"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*), max(import_row), count(geom) FROM {_quote(staging)}"
        )
        total, last_row, located = cursor.fetchone()
        if not total:
            raise ImportFileError(_("The file has no features."))
        if not located:
            raise ImportFileError(
                _("No row of the file has a geometry. A CSV needs lon and lat columns, "
                  "or a WKT column.")
            )
        progress(phase="checking", progress=READ_DONE, total_rows=total)
        shape_rows(cursor, job, target, staging, shaped)
        progress.steps("shape")
        bad = record_problems(cursor, job, target, shaped)
        progress.steps("check")
        progress(problem_rows=bad)
        if bad and job.mode == ImportJob.Mode.ALL_OR_NOTHING:
            progress(
                status=ImportJob.Status.FAILED, progress=100,
                error=_("%(count)s rows have problems: nothing was imported.") % {"count": bad},
            )
            return
        duplicates = mark_duplicates(cursor, job, target, shaped)
        progress.steps("dedupe")
        progress(phase="inserting", progress=CHECK_DONE, duplicate_rows=duplicates)
        sql, params = _insert_sql(job, target, shaped)
        created = 0
        for start in range(1, last_row + 1, BATCH_ROWS):
            cursor.execute(sql, [*params, start, start + BATCH_ROWS - 1])
            ids = [pk for (pk,) in cursor.fetchall()]
            if target.after_insert and ids:
                target.after_insert(job, cursor, ids)
            created += len(ids)
            done = min(last_row, start + BATCH_ROWS - 1) / last_row
            progress(progress=CHECK_DONE + int((100 - CHECK_DONE) * done), created_rows=created)
        progress.steps("insert")
        # Rows the unique constraint turned away (an id taken meanwhile) are duplicates too.
        job.duplicate_rows = total - bad - created
        job.progress = 100
