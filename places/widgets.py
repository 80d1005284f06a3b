"""Map widgets of the site's own forms."""

from leaflet.forms.widgets import LeafletWidget


def map_widgets_with_nonce(form, request):
    """``form``, its Leaflet widgets given the request's Content-Security-Policy
    nonce (django-csp): each sets up its map in an inline script, which runs
    only with it. The admin does the same for its widgets (django-leaflet's
    LeafletGeoAdmin)."""
    for field in form.fields.values():
        if isinstance(field.widget, LeafletWidget):
            field.widget.csp_nonce = request.csp_nonce
    return form
