# BCC Sponsor — `make run` starts the demo app, `make test` runs every test.
# Both work on a fresh Debian 12 machine: they create .venv, install the Python packages and
# the few Debian packages needed (gettext to compile translations; Chromium for browser tests).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
APT_INSTALL = apt-get install -y --no-install-recommends
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test lint format install install-dev messages translations system-gettext system-chromium system-wrk bench clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet ".[dev]"
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

system-gettext:
	@command -v msgfmt >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) $(APT_INSTALL) gettext; }

system-chromium:
	@command -v chromium >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) $(APT_INSTALL) chromium fonts-dejavu-core; }

messages: system-gettext install
	DEBUG=true $(PY) manage.py compilemessages --ignore=.venv --verbosity 0

# Extract new strings into the Indonesian catalogue (then translate them in locale/id/).
translations: system-gettext install
	DEBUG=true $(PY) manage.py makemessages --locale id --ignore .venv --ignore tests --no-obsolete

run: install messages
	DEBUG=true $(PY) manage.py migrate --noinput
	DEBUG=true $(PY) manage.py createcachetable
	DEBUG=true $(PY) manage.py seed_demo
	DEBUG=true $(PY) manage.py runserver 127.0.0.1:8000

test: install-dev messages system-chromium
	$(PY) -m pytest

lint: install-dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: install-dev
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

system-wrk:
	@command -v wrk >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) $(APT_INSTALL) wrk; }

# Pages under load against the framework's floor, on a scratch PostgreSQL database that it EMPTIES
# (bench/web.py; needs Redis on 127.0.0.1:6379). Not part of `make test`. SCALE=0.1: a quick run.
SCALE ?= 1
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/bcc_bench
bench: install messages system-wrk
	@test -x $(VENV)/bin/gunicorn || $(PY) -m pip install --quiet gunicorn
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) -m bench.web --scale $(SCALE)

clean:
	rm -rf $(VENV) var db.sqlite3
