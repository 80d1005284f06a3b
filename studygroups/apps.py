from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StudygroupsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "studygroups"
    verbose_name = _("Study groups")

    def ready(self):
        from places.images import delete_pictures_with

        delete_pictures_with(self.get_model("StudyGroup"), "cover")
        delete_pictures_with(self.get_model("MemberProfile"), "avatar")
        from places.imports import register_import_target
        from places.sources import register_place_source

        from .place_sources import MeetingAreaPlaceSource

        register_place_source("meeting_area", MeetingAreaPlaceSource())
        from .imports import STUDYGROUP_IMPORT

        register_import_target(STUDYGROUP_IMPORT)
        # The composers of this app's emails (studygroups.notifications.composer).
        from . import (  # noqa: F401
            moderation_emails,
            notifications,
            post_moderation,
            post_notifications,
        )
