"""The OGC API's documents as web pages, as every OGC API server offers them.

``f=html``, or a browser's ``Accept`` (text/html named before any JSON type),
gets the landing page, conformance, collections, a collection, its items and
one item as pages of the site (``base.html``), in the request's language. GIS
clients (QGIS, GDAL, OWSLib, curl: ``*/*`` or JSON types) keep getting JSON.

The pages are built from the same documents the JSON answers carry, so they
cannot say something else. Every string goes through the templates' escaping;
the map of the items is a static module (``static/js/ogc_map.js``) reading the
features from a ``json_script`` block, so no inline script is needed.
"""

import json

from django.shortcuts import render

HTML = "text/html"
# Media types that say the client wants the JSON documents.
JSON_TYPES = {"application/json", "application/geo+json"}
# Properties shown as columns in the items' table; the rest are on each item's page.
MAX_COLUMNS = 6


def accepted(header):
    """{media type: q} of the media types named in an ``Accept`` header."""
    types = {}
    for part in (header or "").split(","):
        media_type, *params = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for param in params:
            name, _sep, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media_type:
            types[media_type.lower()] = max(quality, types.get(media_type.lower(), 0.0))
    return types


def wanted(request):
    """Whether ``request`` asks for a web page: ``f=html``, or no ``f`` and an
    ``Accept`` that names text/html at least as highly as any JSON type (a
    wildcard alone is not a browser)."""
    chosen = request.GET.get("f")
    if chosen is not None:
        return chosen == "html"
    types = accepted(request.headers.get("Accept"))
    html = types.get(HTML, 0.0)
    return html > 0 and html >= max((types.get(name, 0.0) for name in JSON_TYPES), default=0)


def as_json_href(href):
    """``href`` with ``f=json`` in place of ``f=html`` (the pages link on to pages)."""
    return href.replace("f=html", "f=json")


def as_html_href(href):
    """``href`` asking for the page: ``f=html`` added to its query."""
    if "f=" in href:
        return href.replace("f=json", "f=html").replace("f=geojson", "f=html")
    return href + ("&" if "?" in href else "?") + "f=html"


def page(request, template, context):
    """Render ``template`` with the request's JSON alternate, for the page's footer."""
    params = request.GET.copy()
    params["f"] = "json"
    context["json_href"] = f"{request.path}?{params.urlencode()}"
    return render(request, f"ogc/{template}.html", context)


def landing(request, document):
    links = [link for link in document["links"] if link["rel"] not in ("self", "alternate")]
    for link in links:
        if link["rel"] in ("conformance", "data"):
            link["href"] = as_html_href(link["href"])
    return page(request, "landing", {"document": document, "links": links})


def conformance(request, document):
    return page(request, "conformance", {"document": document})


def collection_context(collection):
    """A collection's document, with links to its pages, for the templates."""
    links = {link["rel"]: link["href"] for link in collection["links"]}
    spatial = collection["extent"]["spatial"]["bbox"][0]
    temporal = collection["extent"].get("temporal", {}).get("interval", [[None, None]])[0]
    return {
        **collection,
        "html_href": as_html_href(links["self"]),
        "items_html_href": as_html_href(links["items"]),
        "items_href": links["items"],
        "downloads": [link for link in collection["links"] if link["rel"] == "enclosure"],
        "west_south_east_north": spatial,
        "temporal_interval": temporal,
    }


def collections(request, document):
    return page(
        request,
        "collections",
        {"collections": [collection_context(item) for item in document["collections"]]},
    )


def collection(request, document):
    return page(request, "collection", {"collection": collection_context(document)})


def columns(features):
    """The property names worth a column: those of the first features, in order."""
    names = []
    for feature in features[:50]:
        for name, value in feature["properties"].items():
            if name not in names and not isinstance(value, (dict, list)):
                names.append(name)
    return names[:MAX_COLUMNS]


def items(request, kind, members, feature_texts):
    """The page of items: a table (id, the first properties) and a map of them.

    ``members`` are the FeatureCollection's (numberMatched, links...); its
    ``next`` and ``prev`` links keep ``f=html``, so the pages follow each other.
    """
    features = [json.loads(text) for text in feature_texts]
    names = columns(features)
    rows = [
        {"id": feature["id"], "values": [feature["properties"].get(name) for name in names]}
        for feature in features
    ]
    paging = {
        link["rel"]: as_html_href(link["href"])
        for link in members["links"]
        if link["rel"] in ("next", "prev")
    }
    return page(
        request,
        "items",
        {
            "kind": kind,
            "title": str(kind.title),
            "columns": names,
            "rows": rows,
            "members": members,
            "paging": paging,
            "map_data": map_data(features),
        },
    )


def item(request, kind, feature, links):
    properties = [
        (name, json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list)) else value)
        for name, value in feature["properties"].items()
    ]
    return page(
        request,
        "item",
        {
            "kind": kind,
            "title": str(kind.title),
            "feature": feature,
            "properties": properties,
            "label": label(feature),
            "map_data": map_data([feature]),
        },
    )


def label(feature):
    properties = feature["properties"]
    return str(properties.get("name") or properties.get("title") or feature["id"])


def map_data(features):
    """What ``ogc_map.js`` draws: a FeatureCollection of the located features,
    each with its label and the address of its page."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": feature["geometry"],
                "properties": {"label": label(feature), "id": feature["id"]},
            }
            for feature in features
            if feature.get("geometry")
        ],
    }
