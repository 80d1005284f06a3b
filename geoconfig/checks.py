"""The project's system checks (`manage.py check`, also run by migrate)."""

from django.conf import settings
from django.core.checks import Error, register

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


@register()
def email_is_configured(app_configs, **kwargs):
    """cerca.E001: SMTP without EMAIL_HOST would fail every email unseen."""
    if settings.EMAIL_BACKEND == SMTP_BACKEND and not settings.EMAIL_HOST:
        return [
            Error(
                "Email goes through SMTP but EMAIL_HOST is not set.",
                hint=(
                    "Set EMAIL_HOST (and EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, "
                    "EMAIL_USE_TLS as your server needs), or EMAIL_BACKEND to another backend "
                    "(django.core.mail.backends.console.EmailBackend prints mail to the log)."
                ),
                id="cerca.E001",
            )
        ]
    return []
