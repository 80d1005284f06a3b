from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StudygroupsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "studygroups"
    verbose_name = _("Study groups")

    def ready(self):
        from places.sources import register_place_source

        from .place_sources import MeetingAreaPlaceSource

        register_place_source("meeting_area", MeetingAreaPlaceSource())
        # The composers of this app's emails (studygroups.notifications.composer).
        from . import notifications  # noqa: F401
