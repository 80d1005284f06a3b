"""Static files storage for DEBUG=0."""

import logging

from whitenoise.storage import CompressedManifestStaticFilesStorage

logger = logging.getLogger(__name__)


class ManifestStaticFilesWithFallback(CompressedManifestStaticFilesStorage):
    """WhiteNoise's hashed, compressed files; a file missing from the manifest
    (collectstatic not run, or run before the file existed) gets its plain
    name and a warning in the log, not a 500 for every page that uses it."""

    def stored_name(self, name):
        try:
            return super().stored_name(name)
        except ValueError:
            logger.warning("%s is not in the static files manifest; run collectstatic", name)
            return name
