from django.apps import AppConfig


class GeoconfigConfig(AppConfig):
    """The project itself: no models, only its system checks."""

    name = "geoconfig"
    verbose_name = "Cerca"

    def ready(self):
        from geoconfig import checks  # noqa: F401 (registers them)
