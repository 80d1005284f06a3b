"""Downloads of a whole collection, or of the part a list request filters:
GeoJSON, GeoJSON text sequences (RFC 8142), CSV, FlatGeobuf and GeoPackage.

``/api/<kind>/export.<format>`` takes the list's own filters (``near``,
``radius_km``, ``bbox``, ``tile`` and the kind's parameters, through
``FeatureQuery`` and ``kind.filter``), but no ``limit``: it answers every
match. Rows come from a server-side cursor inside a transaction (a named
cursor outside one is WITH HOLD, and PostgreSQL would materialize the whole
result before the first row), each one the Feature text PostGIS builds for
the lists (``feature_text``), so an export carries exactly what the list API
shows, and the server's memory stays flat however many rows there are.

GeoJSON, its text sequences and CSV are written here as the rows arrive.
FlatGeobuf and GeoPackage are GDAL's (``ogr2ogr`` from gdal-bin): it reads a
CSV of the same rows on its standard input, with each column's type declared
from the kind's property expressions. FlatGeobuf, without a spatial index,
streams straight back; GeoPackage is an SQLite file, written to a temporary
directory, sent, and removed.
"""

import csv
import json
import logging
import os
import selectors
import shutil
import subprocess
import tempfile
from dataclasses import dataclass

from django.db import transaction
from django.http import StreamingHttpResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework.renderers import JSONRenderer

from geoconfig import web_timeouts
from places.api import FeatureQuery, now_rfc3339
from places.errors import error_response
from places.geojson import COORDINATE_DECIMALS, GEOJSON_MEDIA_TYPE, feature_text, lon_lat
from places.schema import ERROR, FEATURE_COLLECTION, CercaSchema, parameters
from places.views import APIView

logger = logging.getLogger(__name__)

# Rows fetched per round trip of the server-side cursor.
CHUNK_ROWS = 2000
# Bytes written per piece of the response: one socket write per piece, not per row.
PIECE_BYTES = 64 * 1024
OGR2OGR = shutil.which("ogr2ogr") or "/usr/bin/ogr2ogr"
# A spreadsheet runs a cell that starts with one of these as a formula (OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# The list filters; never limit or offset: an export is every match.
SPATIAL_PARAMETERS = frozenset({"near", "radius_km", "bbox", "tile"})


class ExportFailed(RuntimeError):
    """GDAL could not write the file; the response is cut short, so no client
    takes a broken file for a whole one."""


# --- The rows ---------------------------------------------------------------


class Export:
    """One export: the kind, its filtered queryset and the properties' names."""

    def __init__(self, kind, query, located_only=False):
        self.kind = kind
        self.with_distance = bool(query.near)
        queryset = query.queryset()
        if self.with_distance or "search_rank" in queryset.query.annotations:
            # Nearest or best first when asked, as the list.
            queryset = query.ordered()
        else:
            # Otherwise the primary key's order, which the cursor walks on its
            # index without sorting a million rows first.
            queryset = queryset.order_by("pk")
        if located_only:
            queryset = queryset.filter(**{f"{kind.geometry_field}__isnull": False})
        self.queryset = queryset
        self.names = list(kind.properties()) + (["distance_m"] if self.with_distance else [])

    def rows(self):
        """(Feature JSON text, lon, lat) of each match, from a server-side cursor."""
        rows = self.queryset.annotate(
            _feature=feature_text(
                self.kind.properties(), self.kind.geometry_field, with_distance=self.with_distance
            ),
            **lon_lat(self.kind.geometry_field),
        ).values_list("_feature", "_lon", "_lat")
        # Inside a transaction Django's named cursor is not WITH HOLD: rows come
        # as PostgreSQL finds them. A client that leaves closes this generator,
        # which rolls the transaction back and closes the cursor.
        with transaction.atomic(using=rows.db):
            # A whole collection may take longer than a web request's statements.
            web_timeouts.lift_statement_timeout(rows.db)
            yield from rows.iterator(chunk_size=CHUNK_ROWS)

    def features(self):
        """Each match's Feature, as a dict."""
        for text, _lon, _lat in self.rows():
            yield json.loads(text)

    def property_types(self):
        """{name: Django internal type} of each property, read off the expressions."""
        prefix = "_export_type_"
        expressions = dict(self.kind.properties())
        annotated = self.queryset.annotate(
            **{f"{prefix}{name}": expression for name, expression in expressions.items()}
        )
        types = {}
        for name in self.names:
            annotation = annotated.query.annotations.get(f"{prefix}{name}")
            if annotation is None:
                annotation = annotated.query.annotations[name]  # distance_m, from near()
            field = annotation.output_field
            if field.is_relation:
                field = field.target_field
            types[name] = field.get_internal_type()
        return types

    def filename(self, extension):
        return f"cerca-{self.kind.name}-{timezone.localdate().isoformat()}.{extension}"


def pieces(texts, size=PIECE_BYTES):
    """Small strings joined into UTF-8 pieces of about ``size`` bytes."""
    buffer, length = [], 0
    for text in texts:
        buffer.append(text)
        length += len(text)
        if length >= size:
            yield "".join(buffer).encode()
            buffer, length = [], 0
    if buffer:
        yield "".join(buffer).encode()


# --- GeoJSON and its text sequences -----------------------------------------


def geojson_texts(export):
    """A FeatureCollection, written as its features arrive. ``bbox`` and the
    counts follow ``features``: only then are they known (member order is free
    in JSON)."""
    head = json.dumps(
        {"type": "FeatureCollection", "name": export.kind.name, "timeStamp": now_rfc3339()},
        ensure_ascii=False,
        separators=(",", ":"),
    )
    yield head[:-1] + ',"features":['
    count = 0
    west = south = float("inf")
    east = north = float("-inf")
    for text, lon, lat in export.rows():
        yield f",{text}" if count else text
        count += 1
        if lon is not None and lat is not None:
            west, east = min(west, lon), max(east, lon)
            south, north = min(south, lat), max(north, lat)
    tail = {"numberMatched": count, "numberReturned": count}
    if west <= east:
        tail["bbox"] = [round(value, COORDINATE_DECIMALS) for value in (west, south, east, north)]
    yield "]," + json.dumps(tail, separators=(",", ":"))[1:]


def geojson_seq_texts(export):
    """RFC 8142: each Feature after a record separator (0x1E), ended by a line feed."""
    for text, _lon, _lat in export.rows():
        yield f"\x1e{text}\n"


# --- CSV --------------------------------------------------------------------


class Line:
    """A file for csv.writer that hands back each line instead of storing it."""

    def write(self, line):
        return line


def csv_cell(value, for_gdal=False):
    """A property as a CSV cell. For people: lists of words joined with "; ",
    booleans as true/false, and any text a spreadsheet would run as a formula
    behind an apostrophe. For GDAL: lists and objects as JSON, booleans 1/0."""
    if type(value) is str:  # most cells: the fast path
        if not for_gdal and value.startswith(FORMULA_STARTS):
            return "'" + value
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return ("1" if value else "0") if for_gdal else ("true" if value else "false")
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, list) and not for_gdal and not any(
        isinstance(item, (list, dict)) for item in value
    ):
        text = "; ".join("" if item is None else str(csv_cell(item)) for item in value)
    elif isinstance(value, (list, dict)):
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    else:
        text = str(value)
    if not for_gdal and text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def csv_header(export):
    return csv.writer(Line(), lineterminator="\r\n").writerow(["id", "lon", "lat", *export.names])


def csv_texts(export, for_gdal=False):
    """A header (id, lon, lat, then the properties) and one line per feature;
    a feature without a point has empty lon and lat."""
    writer = csv.writer(Line(), lineterminator="\r\n")
    if not for_gdal:
        # A byte order mark, so that spreadsheets read the accents as UTF-8.
        yield "\ufeff"
    yield csv_header(export)
    for feature in export.features():
        geometry = feature["geometry"]
        lon, lat = (
            geometry["coordinates"][:2]
            if geometry and geometry["type"] == "Point"
            else ("", "")
        )
        properties = feature["properties"]
        yield writer.writerow(
            [
                feature["id"],
                lon,
                lat,
                *(csv_cell(properties.get(name), for_gdal) for name in export.names),
            ]
        )


# --- FlatGeobuf and GeoPackage, by GDAL --------------------------------------

# Django's internal field types as OGR SQL's CAST types; anything else is text.
OGR_TYPES = {
    "AutoField": "integer",
    "SmallAutoField": "integer",
    "IntegerField": "integer",
    "SmallIntegerField": "integer",
    "PositiveIntegerField": "integer",
    "PositiveSmallIntegerField": "integer",
    "BigAutoField": "bigint",
    "BigIntegerField": "bigint",
    "PositiveBigIntegerField": "bigint",
    "FloatField": "float",
    "DecimalField": "float",
    "BooleanField": "boolean",
    "DateTimeField": "timestamp",
    "DateField": "date",
    "TimeField": "time",
}


def ogr_sql(export):
    """OGR SQL that types the CSV's text columns: CSV has no types of its own,
    and a declared schema lets GDAL write as it reads instead of scanning
    the whole input first."""

    def column(name, ogr_type):
        quoted = '"' + name.replace('"', '""') + '"'
        return f"CAST({quoted} AS {ogr_type}) AS {quoted}" if ogr_type else quoted

    types = export.property_types()
    columns = [column("id", "bigint")] + [
        column(name, OGR_TYPES.get(types[name])) for name in export.names
    ]
    # GDAL names the layer of CSV:/vsistdin/ "layer".
    return f'SELECT {", ".join(columns)} FROM "layer"'


def ogr2ogr_command(export, driver, destination, creation_options):
    return [
        OGR2OGR,
        "-f", driver,
        destination,
        "CSV:/vsistdin/",
        "-oo", "X_POSSIBLE_NAMES=lon",
        "-oo", "Y_POSSIBLE_NAMES=lat",
        "-oo", "EMPTY_STRING_AS_NULL=YES",
        "-a_srs", "EPSG:4326",
        "-nln", export.kind.name,
        "-sql", ogr_sql(export),
        *[arg for option in creation_options for arg in ("-lco", option)],
    ]


def run_ogr2ogr(command, feed, workdir):
    """Run ``command``, writing ``feed`` (bytes pieces) to its standard input
    and yielding its standard output as it comes: one thread, both pipes
    non-blocking, so neither side waits on a full pipe."""
    with open(os.path.join(workdir, "ogr2ogr.log"), "w+b") as log:
        process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, cwd=workdir
        )
        try:
            selector = selectors.DefaultSelector()
            for stream, event in ((process.stdin, selectors.EVENT_WRITE),
                                  (process.stdout, selectors.EVENT_READ)):
                os.set_blocking(stream.fileno(), False)
                selector.register(stream, event)
            pending = memoryview(b"")
            while selector.get_map():
                for key, _event in selector.select():
                    if key.fileobj is process.stdout:
                        data = os.read(process.stdout.fileno(), PIECE_BYTES)
                        if data:
                            yield data
                        else:
                            selector.unregister(process.stdout)
                        continue
                    if not pending:
                        pending = memoryview(next(feed, b""))
                        if not pending:
                            selector.unregister(process.stdin)
                            process.stdin.close()
                            continue
                    try:
                        pending = pending[os.write(process.stdin.fileno(), pending):]
                    except BrokenPipeError:
                        # GDAL stopped reading: its exit status and log say why.
                        selector.unregister(process.stdin)
                        pending = memoryview(b"")
            if process.wait() != 0:
                log.seek(0)
                raise ExportFailed(log.read().decode(errors="replace")[-2000:])
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            # Ends the rows' transaction and closes their cursor now, even when
            # the client left halfway.
            feed.close()
            for stream in (process.stdin, process.stdout):
                if not stream.closed:
                    stream.close()


def flatgeobuf_bytes(export):
    """FlatGeobuf without a spatial index, which GDAL writes in one pass, so it
    streams. GDAL writes no feature without a geometry: Export(located_only)."""
    with tempfile.TemporaryDirectory(prefix="cerca-export-") as workdir:
        command = ogr2ogr_command(
            export, "FlatGeobuf", f"/vsistdout/{export.kind.name}.fgb", ["SPATIAL_INDEX=NO"]
        )
        sent = False
        for piece in run_ogr2ogr(command, pieces(csv_texts(export, for_gdal=True)), workdir):
            sent = True
            yield piece
        if not sent:
            # Streaming, GDAL writes nothing for a layer without features; with
            # an index, to a file, an empty layer is a valid FlatGeobuf.
            destination = os.path.join(workdir, "empty.fgb")
            command = ogr2ogr_command(export, "FlatGeobuf", destination, [])
            header = (line.encode() for line in [csv_header(export)])
            for _output in run_ogr2ogr(command, header, workdir):
                pass
            with open(destination, "rb") as file:
                yield file.read()


def geopackage_bytes(export):
    """A GeoPackage (with its R-tree index) written by GDAL to a temporary
    file, then sent and removed. The feature id is the GeoPackage's fid."""
    with tempfile.TemporaryDirectory(prefix="cerca-export-") as workdir:
        destination = os.path.join(workdir, f"{export.kind.name}.gpkg")
        command = ogr2ogr_command(
            export, "GPKG", destination,
            ["FID=id", f"GEOMETRY_NAME={export.kind.geometry_field}"],
        )
        for _output in run_ogr2ogr(command, pieces(csv_texts(export, for_gdal=True)), workdir):
            pass
        with open(destination, "rb") as file:
            while piece := file.read(1024 * 1024):
                yield piece


# --- Formats, the view, the URLs ---------------------------------------------


@dataclass(frozen=True)
class Format:
    extension: str
    media_type: str
    title: str
    write: object  # export -> iterable of bytes
    located_only: bool = False
    needs_gdal: bool = False


FORMATS = {
    format.extension: format
    for format in (
        Format("geojson", GEOJSON_MEDIA_TYPE, "GeoJSON",
               lambda export: pieces(geojson_texts(export))),
        Format("geojsons", "application/geo+json-seq", gettext_lazy("GeoJSON text sequence"),
               lambda export: pieces(geojson_seq_texts(export))),
        Format("csv", "text/csv; charset=utf-8; header=present", "CSV",
               lambda export: pieces(csv_texts(export))),
        Format("fgb", "application/flatgeobuf",
               gettext_lazy("FlatGeobuf (only those with a place)"),
               flatgeobuf_bytes, located_only=True, needs_gdal=True),
        Format("gpkg", "application/geopackage+sqlite3", "GeoPackage",
               geopackage_bytes, needs_gdal=True),
    )
}


def error(code, description, status, parameter=None):
    return error_response(status, description, code=code, parameter=parameter)


class ExportSchema(CercaSchema):
    def get_operation_id(self):
        return f"{self.view.kind.name}_export"

    def get_tags(self):
        return [self.view.kind.name]

    def get_description(self):
        return (
            "Every feature the list's filters match (no `limit`), as a download: "
            + ", ".join(f"`{extension}`" for extension in FORMATS)
            + ". FlatGeobuf holds only features with a geometry."
        )

    def get_override_parameters(self):
        return [
            OpenApiParameter("export_format", OpenApiTypes.STR, OpenApiParameter.PATH,
                             enum=list(FORMATS), description="The file format."),
            *parameters(SPATIAL_PARAMETERS | self.view.kind.parameters),
        ]

    def get_response_serializers(self):
        files = {
            (200, format.media_type): OpenApiResponse(
                # A JSON file is read as JSON (a client or schemathesis), not as bytes.
                FEATURE_COLLECTION if "json" in format.media_type
                else {"type": "string", "format": "binary"},
                description="The file.",
            )
            for format in FORMATS.values()
        }
        return {**files,
                (400, "application/json"): OpenApiResponse(ERROR, description="A bad parameter."),
                (404, "application/json"): OpenApiResponse(ERROR, description="No such format.")}

    def _get_format_parameters(self):
        # The address's extension says the format, not a ?format= parameter.
        return []


class ExportView(APIView):
    """GET every feature of a kind that the list's filters match, as a file."""

    # Errors are JSON; files are streamed, not rendered.
    renderer_classes = [JSONRenderer]
    schema = ExportSchema()
    kind = None

    def perform_content_negotiation(self, request, force=False):
        # The address's extension picks the format; an Accept header asking for
        # a file type must not turn into a 406.
        return super().perform_content_negotiation(request, force=True)

    def get(self, request, export_format):
        return self.answer(request, export_format)

    def head(self, request, export_format):
        # The same checks and headers, without running the export.
        return self.answer(request, export_format, body=False)

    def answer(self, request, export_format, body=True):
        chosen = FORMATS.get(export_format)
        if chosen is None:
            return error(
                "NotFound",
                _("No export as %(format)r. Formats: %(formats)s.")
                % {"format": export_format, "formats": ", ".join(FORMATS)},
                status=404,
            )
        query = FeatureQuery(
            self.kind, request.query_params, allowed=SPATIAL_PARAMETERS | self.kind.parameters
        )
        # Built here, so that a bad parameter is a 400 before anything is sent.
        export = Export(self.kind, query, located_only=chosen.located_only)
        if chosen.needs_gdal and not os.access(OGR2OGR, os.X_OK):
            return error(
                "NotImplemented", _("This server cannot write this format (GDAL is missing)."),
                status=501,
            )
        filename = export.filename(chosen.extension)
        return StreamingHttpResponse(
            chosen.write(export) if body else iter(()),
            content_type=chosen.media_type,
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )


def export_urlpatterns(kinds):
    """``<kind>/export.<format>`` for each FeatureKind, to include under /api/."""
    return [
        path(
            f"{kind.name}/export.<str:export_format>",
            ExportView.as_view(kind=kind),
            name=f"{kind.name}-export",
        )
        for kind in kinds
    ]


def export_links(request, kind):
    """OGC API links (``rel: enclosure``) to the whole collection's downloads."""
    return [
        {
            "href": request.build_absolute_uri(
                reverse(f"api:{kind.name}-export", kwargs={"export_format": extension})
            ),
            "rel": "enclosure",
            "type": format.media_type,
            "title": _("%(collection)s as %(format)s")
            % {"collection": kind.title, "format": format.title},
        }
        for extension, format in FORMATS.items()
    ]
