from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetupsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "meetups"
    verbose_name = _("Meetups")

    def ready(self):
        from places.imports import register_import_target
        from places.sources import register_place_source

        from .place_sources import VenuePlaceSource

        register_place_source("venue", VenuePlaceSource())
        from .imports import VENUE_IMPORT

        register_import_target(VENUE_IMPORT)
        from places.images import delete_pictures_with

        # The composers of this app's emails (studygroups.notifications.composer).
        from . import notifications  # noqa: F401

        delete_pictures_with(self.get_model("EventPhoto"), "image")
        # Photos are reported like groups and events: to the event's group's
        # organizers and the moderators, who may warn, suspend or ban the uploader
        # (and delete the photo in the admin).
        from studygroups.reports import reportable

        from .services import event_photo_delete

        reportable(
            "photo",
            "meetups.EventPhoto",
            _("photo"),
            group_of=lambda photo: photo.event.study_group,
            author_of=lambda photo: photo.uploader,
            visible={"event__hidden": False},
            hide_with=lambda photo, actor: event_photo_delete(photo, actor=actor),
        )
