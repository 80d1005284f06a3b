"""``{% import_map %}``: the page's import map, so ES modules find the vendored
packages they import by name (``import { VectorTile } from "@mapbox/vector-tile"``)
at their static URLs (hashed in production), with no bundler and no CDN."""

import json

from django import template
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()

# Package name -> its ES module in static/vendor (fetched by .ci/fetch-static).
MODULES = {
    "@mapbox/vector-tile": "vendor/vector-tile/index.js",
    "@mapbox/point-geometry": "vendor/point-geometry/index.js",
    "pbf": "vendor/pbf/index.js",
}
# As json_script escapes: no "</script>" can end the element early.
ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@register.simple_tag
def import_map():
    imports = {name: static(path) for name, path in MODULES.items()}
    body = json.dumps({"imports": imports}, sort_keys=True).translate(ESCAPES)
    return format_html('<script type="importmap">{}</script>', mark_safe(body))
