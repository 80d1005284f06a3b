from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConversationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "conversation"
    verbose_name = _("Conversations")

    def ready(self):
        # The composer of the posts' emails (studygroups.notifications.composer).
        from . import notifications  # noqa: F401
