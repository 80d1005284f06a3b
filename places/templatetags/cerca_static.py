"""``{% import_map %}``: the page's import map, so ES modules find the vendored
packages they import by name (``import { VectorTile } from "@mapbox/vector-tile"``)
at their static URLs (hashed in production), with no bundler and no CDN; and a
``modulepreload`` for each, so the browser fetches them all at once rather than
one import after another. The import map is an inline script: it carries the
request's Content-Security-Policy nonce (django-csp's ``request.csp_nonce``)."""

import json

from django import template
from django.templatetags.static import static
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

register = template.Library()

# Module name -> its static file: the vendored packages (fetched by
# .ci/fetch-static), and the site's own modules that others import, so the
# import resolves to the file's hashed name in production too.
MODULES = {
    "cerca/tile_clusters": "js/tile_clusters.js",
    "@mapbox/vector-tile": "vendor/vector-tile/index.js",
    "@mapbox/point-geometry": "vendor/point-geometry/index.js",
    "pbf": "vendor/pbf/index.js",
}
# As json_script escapes: no "</script>" can end the element early.
ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@register.simple_tag(takes_context=True)
def import_map(context):
    # str(): django-csp's lazy nonce is falsy until it is first read.
    nonce = getattr(context.get("request"), "csp_nonce", None)
    nonce = str(nonce) if nonce is not None else ""
    imports = {name: static(path) for name, path in MODULES.items()}
    body = json.dumps({"imports": imports}, sort_keys=True).translate(ESCAPES)
    preloads = format_html_join(
        "", '\n<link rel="modulepreload" href="{}">', ((url,) for url in imports.values())
    )
    nonce_attribute = format_html(' nonce="{}"', nonce) if nonce else ""
    return format_html(
        '<script type="importmap"{}>{}</script>{}', nonce_attribute, mark_safe(body), preloads
    )
