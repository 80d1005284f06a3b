from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetupsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "meetups"
    verbose_name = _("Meetups")

    def ready(self):
        from places.sources import register_place_source

        from .place_sources import VenuePlaceSource

        register_place_source("venue", VenuePlaceSource())
        # The composers of this app's emails (studygroups.notifications.composer).
        from . import notifications  # noqa: F401
