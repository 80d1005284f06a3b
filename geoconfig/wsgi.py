import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geoconfig.settings")

application = get_wsgi_application()

# Only web processes wait no longer than the web timeouts (runserver loads this too).
from geoconfig import web_timeouts  # noqa: E402

web_timeouts.enable()
