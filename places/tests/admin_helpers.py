import re

from django.contrib.staticfiles import finders


def assert_leaflet_widget(html, field):
    """The admin page carries django-leaflet's map widget for ``field``, with
    Leaflet served from our own static files, never from a CDN."""
    assert f'id="id_{field}-div-map"' in html
    assert f'id="id_{field}-map"' in html
    assert f'name="{field}"' in html
    scripts = re.findall(r'<script[^>]+src="([^"]+)"', html)
    leaflet = [src for src in scripts if src.endswith("leaflet/leaflet.js")]
    assert leaflet == ["/static/leaflet/leaflet.js"]
    assert finders.find("leaflet/leaflet.js"), "Leaflet must be in our static files"
    assert not [src for src in scripts if src.startswith(("http:", "https:", "//"))]
