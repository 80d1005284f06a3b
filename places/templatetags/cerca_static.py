"""``{% import_map %}``: the page's import map, so ES modules find the vendored
packages they import by name (``import { VectorTile } from "@mapbox/vector-tile"``)
at their static URLs (hashed in production), with no bundler and no CDN; and a
``modulepreload`` for each, so the browser fetches them all at once rather than
one import after another. The import map is an inline script, allowed by its
hash rather than a nonce (places.csp), so the page can be shared by a cache."""

import json

from django import template
from django.templatetags.static import static
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from places.csp import allow_inline_script

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
    imports = {name: static(path) for name, path in MODULES.items()}
    body = json.dumps({"imports": imports}, sort_keys=True).translate(ESCAPES)
    allow_inline_script(context.get("request"), body)
    preloads = format_html_join(
        "", '\n<link rel="modulepreload" href="{}">', ((url,) for url in imports.values())
    )
    return format_html('<script type="importmap">{}</script>{}', mark_safe(body), preloads)
