import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geoconfig.settings")

application = get_asgi_application()

# Only web processes wait no longer than the web timeouts.
from geoconfig import web_timeouts  # noqa: E402

web_timeouts.enable()
