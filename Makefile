# Cerca: `make run` serves the site, `make test` runs every test.
# Both install what is missing first: system packages, the virtualenv and,
# unless DATABASE_URL is set, a project-local PostGIS cluster and its read
# replica (see .ci/pg), and unless CELERY_BROKER_URL is set, a project-local
# Redis (see .ci/redis).

SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

# Development defaults; the real environment wins.
export DEBUG ?= 1
export DJANGO_SETTINGS_MODULE ?= geoconfig.settings

.PHONY: run serve test fuzz stop lint demo bench db broker setup system-packages lock clean

# The web server, one Celery worker and beat (Procfile), in the foreground
# together: Ctrl-C stops all three.
run: setup db broker
	$(PY) manage.py migrate --no-input
	$(PY) manage.py load_basemap
	$(PY) manage.py load_demo
	$(PY) manage.py ensure_admin
	@echo "Cerca: open http://$(HOST):$(PORT)/ ; the admin is at http://$(HOST):$(PORT)/admin/"
	CERCA_HOST=$(HOST) SITE_URL=$${SITE_URL:-http://$(HOST):$(PORT)} $(VENV)/bin/honcho start -f Procfile -p $(PORT)

# The production way on one machine: DEBUG=0, nginx on HOST:PORT in front of
# gunicorn (.ci/proxy, .ci/nginx.conf: it serves the collected static files and
# keeps anonymous reads for PROXY_CACHE_SECONDS), compiled translations, the
# local PostGIS and Redis, a Celery worker and beat (Procfile.serve), in the
# foreground together; `make stop` from another terminal stops them too. Plain
# HTTP, so no HTTPS redirect or HSTS unless the environment asks; a random
# SECRET_KEY kept in .local/secret-key unless SECRET_KEY is set; mail printed
# by the processes unless EMAIL_HOST or EMAIL_BACKEND is set; uploaded pictures
# served by Django from .local/media (SERVE_MEDIA=0 with MEDIA_STORAGE=s3 instead).
serve: setup db broker
	@test -s .local/secret-key || (umask 077; $(PY) -c 'import secrets; print(secrets.token_urlsafe(50))' > .local/secret-key)
	export DEBUG=0 SECRET_KEY=$${SECRET_KEY:-$$(cat .local/secret-key)} \
	  ALLOWED_HOSTS=$${ALLOWED_HOSTS:-$(HOST),localhost} \
	  CSRF_TRUSTED_ORIGINS=$${CSRF_TRUSTED_ORIGINS:-http://$(HOST):$(PORT)} \
	  SECURE_SSL_REDIRECT=$${SECURE_SSL_REDIRECT:-0} SECURE_HSTS_SECONDS=$${SECURE_HSTS_SECONDS:-0} \
	  SITE_URL=$${SITE_URL:-http://$(HOST):$(PORT)} CERCA_HOST=$(HOST) CERCA_PORT=$(PORT) \
	  TRUST_X_REAL_IP=1 SERVE_MEDIA=$${SERVE_MEDIA:-1} \
	  EMAIL_BACKEND=$${EMAIL_BACKEND:-$$( [ -n "$${EMAIL_HOST:-}" ] && echo django.core.mail.backends.smtp.EmailBackend || echo django.core.mail.backends.console.EmailBackend)} \
	  && $(PY) manage.py collectstatic --no-input --verbosity 0 \
	  && $(PY) manage.py migrate --no-input \
	  && $(PY) manage.py load_basemap \
	  && .ci/proxy config >/dev/null \
	  && echo "Cerca (DEBUG=0, nginx and gunicorn): open http://$(HOST):$(PORT)/" \
	  && $(VENV)/bin/honcho start -f Procfile.serve

test: SYSTEM_PACKAGES_FOR = test
test: setup db broker
	$(PY) -m pytest $(PYTEST_ARGS)

# The API against its own OpenAPI schema (schemathesis, tests/test_api_fuzz.py):
# FUZZ_EXAMPLES valid and invalid cases per operation, anonymous and as an
# organizer; 50 makes about 5,400 requests. `make test` runs 3.
FUZZ_EXAMPLES ?= 50
fuzz: setup db broker
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(PY) -m pytest tests/test_api_fuzz.py -s -q -p no:cacheprovider

stop:
	@.ci/proxy stop
	@.ci/redis stop
	@.ci/pg replica stop
	@.ci/pg stop

lint: setup
	$(VENV)/bin/flake8
	$(VENV)/bin/isort --check-only --diff .

# Benchmarks print their figures beside a baseline measured in the same run.
bench: setup db
	$(PY) bench/demo_load.py
	$(PY) bench/api_features.py
	$(PY) bench/place_search.py
	$(PY) bench/scale.py --sizes 10k
	$(PY) bench/notifications.py --members 100000
	$(PY) bench/imports.py --rows 100000

demo: setup db
	$(PY) manage.py migrate --no-input
	$(PY) manage.py load_basemap
	$(PY) manage.py load_demo

MESSAGES := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/*.po))

setup: system-packages $(VENV)/.installed $(MESSAGES)
	@.ci/fetch-static

# Compiled translations (git-ignored); gettext comes with the system packages.
locale/%.mo: locale/%.po | system-packages
	msgfmt --check-format -o $@ $<

system-packages:
	@.ci/system-packages $(SYSTEM_PACKAGES_FOR)

$(VENV)/.installed: requirements.txt requirements-dev.txt | system-packages
	@$(PYTHON) -c 'import sys; sys.version_info[:2] == (3, 11) or print("warning: Cerca targets Python 3.11; this is", sys.version.split()[0])'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

db:
ifeq ($(DATABASE_URL),)
	@.ci/pg start
	@.ci/pg replica start
else
	@echo "Using DATABASE_URL from the environment"
endif

broker:
ifeq ($(CELERY_BROKER_URL),)
	@.ci/redis start
else
	@echo "Using CELERY_BROKER_URL from the environment"
endif

# Re-pin requirements*.txt after editing requirements*.in.
lock:
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet -r requirements.in
	{ echo "# Generated from requirements.in by 'make lock'. Do not edit by hand."; .lock-venv/bin/pip freeze; } > requirements.txt
	.lock-venv/bin/pip install --quiet -r requirements-dev.in
	{ echo "# Generated from requirements-dev.in by 'make lock'. Do not edit by hand."; echo "-r requirements.txt"; \
	  .lock-venv/bin/pip freeze | grep -vxF -f <(grep -v '^#' requirements.txt); } > requirements-dev.txt
	rm -rf .lock-venv

clean: stop
	rm -rf $(VENV) .local
