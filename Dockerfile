# The Cerca app for docker-compose.postgis.yml: Debian's GDAL, GEOS and PROJ,
# the pinned requirements, static files collected for WhiteNoise, compiled
# translations (the .mo files are git-ignored), gunicorn.
FROM python:3.11-slim-bookworm

RUN apt-get update \
    && apt-get install -y --no-install-recommends gdal-bin libgeos-c1v5 proj-bin gettext \
    && rm -rf /var/lib/apt/lists/*

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY . .
RUN python3 .ci/fetch-static \
    && DEBUG=0 SECRET_KEY=collectstatic-only-not-a-real-secret-key-0123456789abcdef \
    ALLOWED_HOSTS=localhost STATIC_ROOT=/app/staticfiles \
    python manage.py collectstatic --no-input \
    && DEBUG=0 SECRET_KEY=compilemessages-only-not-a-real-secret-key-0123456789abcdef \
    ALLOWED_HOSTS=localhost python manage.py compilemessages --ignore=.venv --ignore=static \
    && useradd --system --home /app cerca
USER cerca
ENV STATIC_ROOT=/app/staticfiles
EXPOSE 8000
CMD ["sh", "-c", "python manage.py migrate --no-input && python manage.py load_basemap && python manage.py load_demo && exec gunicorn geoconfig.wsgi --bind 0.0.0.0:8000 --workers 3 --worker-class gthread --threads 4 --access-logfile -"]
