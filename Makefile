# HDS platform. Two commands matter: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# where `make run` serves, so the links in its mails point there (and the demo site's host); SITE_URL wins when set
LOCAL_SITE_URL = $(or $(SITE_URL),http://127.0.0.1:$(PORT))
export DJANGO_SETTINGS_MODULE ?= hds_site.settings.dev
# WebSocket messages above 64 KiB are refused by Daphne itself (close 1009), as in the Procfile; the consumers
# answer frames above HDS_LIVE_MAX_FRAME_BYTES (16 KiB) with a `too_large` error frame
DAPHNE_LIMITS = --websocket-max-message-size 65536 --websocket-max-frame-size 65536

.PHONY: run lint test test-all test-browser bench soak backup restore messages check-python venv migrate seed clean

check-python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is required (found %s)" % sys.version.split()[0])'

$(VENV)/.installed: requirements.txt | check-python
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

venv: $(VENV)/.installed

migrate: venv
	$(PY) manage.py migrate --noinput

seed: migrate
	SITE_URL="$(LOCAL_SITE_URL)" $(PY) manage.py seed_demo

## make run: install, migrate, seed the demo site and serve it at http://127.0.0.1:$(PORT)
run: seed
	@echo ""
	@echo "  Haus der Selbstständigen: http://127.0.0.1:$(PORT)/   (admin: http://127.0.0.1:$(PORT)/cms/)"
	@echo ""
	@echo "  Demo logins (password: $${HDS_DEMO_PASSWORD:-hds-demo-2026}):"
	@echo "    admin@example.org       superuser"
	@echo "    redaktion@example.org   editor (Redaktion)"
	@echo "    moderation@example.org  moderator (Moderation)"
	@echo "    mitglied@example.org    member"
	@echo "    mitglied2@example.org   member"
	@echo "  Emails (sign-up confirmation, petition double opt-in) are printed below; their links use $(LOCAL_SITE_URL)"
	@echo ""
	SITE_URL="$(LOCAL_SITE_URL)" $(VENV)/bin/daphne $(DAPHNE_LIMITS) -b 127.0.0.1 -p $(PORT) hds_site.asgi:application

## make lint: ruff check, ruff format --check (new files; older ones listed in pyproject.toml), import contracts, mypy
lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	env -u DATABASE_URL -u REDIS_URL -u ELASTICSEARCH_URL DJANGO_SETTINGS_MODULE=hds_site.settings.test $(VENV)/bin/mypy

## make test: the whole suite on the embedded defaults (SQLite, in-memory channel layer, database search)
test: venv
	env -u DATABASE_URL -u REDIS_URL -u ELASTICSEARCH_URL DJANGO_SETTINGS_MODULE=hds_site.settings.test \
		$(PY) -m pytest -m "not browser and not services" $(PYTEST_ARGS)

## make test-all: the suite against DATABASE_URL / REDIS_URL (PostgreSQL + Redis)
test-all: venv
	DJANGO_SETTINGS_MODULE=hds_site.settings.test $(PY) -m pytest -m "not browser" $(PYTEST_ARGS)

## make test-browser: user journeys in Chromium (needs the distro's chromium, Java 17 and `npm ci` for axe-core and vnu-jar)
test-browser: venv node_modules/axe-core/axe.min.js node_modules/vnu-jar/build/dist/vnu.jar
	DJANGO_SETTINGS_MODULE=hds_site.settings.test $(PY) -m pytest -m browser $(PYTEST_ARGS)

# npm ci installs both (package-lock.json); --ignore-scripts: vnu-jar's postinstall would try to download a Java
# runtime, the machine's Java 17 runs the checker. A node_modules from before vnu-jar lacks the jar: npm ci again.
NODE_TOOLS := node_modules/axe-core/axe.min.js node_modules/vnu-jar/build/dist/vnu.jar
node_modules/.hds-npm-ci: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts
	@touch $@

$(NODE_TOOLS): node_modules/.hds-npm-ci
	@test -f $@ || { rm -f node_modules/.hds-npm-ci; echo "$@ missing after npm ci"; exit 1; }
	@touch $@

bench: venv
	$(PY) -m bench $(BENCH_ARGS)

## make soak [SOAK_ARGS="--duration 60"]: 5 min of mixed traffic on two Daphne processes, checks errors/losses/memory (needs DATABASE_URL, REDIS_URL)
soak: venv
	$(PY) -m bench.soak $(SOAK_ARGS)

## make backup: database (pg_dump -Fc; SQLite: a consistent copy) and MEDIA_ROOT into $$BACKUP_DIR/<UTC timestamp>/ (default ./var/backups)
backup: venv
	$(PY) manage.py hds_backup

## make restore [BACKUP=var/backups/<timestamp>]: replace the database and media files with a backup (default: the newest), then verify row counts
restore: venv
	$(PY) manage.py hds_restore $(if $(BACKUP),$(BACKUP),--latest)

## make messages: extract every app's strings into hds_site/locale/en (then translate, and commit .po and .mo)
messages: venv
	$(PY) manage.py makemessages -l en --no-obsolete --ignore ".venv/*" --ignore "node_modules/*" --ignore "bench/*" --ignore "var/*" --ignore "tests/*"
	$(PY) manage.py compilemessages --ignore ".venv/*" --ignore "node_modules/*" --ignore "bench/*"

clean:
	rm -rf $(VENV) node_modules var
