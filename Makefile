# BCC Sponsor — `make run` starts the demo app, `make test` runs every test.
# Both work on a fresh Debian 12 machine: they create .venv, install the Python packages pinned
# in the lock files (requirements.txt, requirements-dev.txt: exact versions with hashes) and the
# few Debian packages needed (gettext to compile translations; Chromium for browser tests).
# `make lock` regenerates the lock files from pyproject.toml (README, "Updating dependencies").

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
APT_INSTALL = apt-get install -y --no-install-recommends
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test test-fast lint format install install-dev lock messages translations \
	system-gettext system-chromium system-weasyprint system-poppler system-wrk bench clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# The app runs from the source tree: only its dependencies are installed, exactly as locked
# (--no-deps: the lock already lists every package; --require-hashes: each file must match).
# A change to a lock file reinstalls. The dev lock holds the runtime lock's versions plus the
# test tools, so installing it also satisfies the runtime stamp.
$(VENV)/.installed: requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet --require-hashes --no-deps -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet --require-hashes --no-deps -r requirements-dev.txt
	touch $(VENV)/.installed $@

install: $(VENV)/.installed system-weasyprint
install-dev: $(VENV)/.installed-dev system-weasyprint

# Regenerate both lock files from pyproject.toml with pip-tools, run from a throwaway venv (never
# installed in .venv). Existing pins are kept while they still fit pyproject.toml; to move them:
#   make lock LOCK_ARGS=--upgrade                     (everything to the newest allowed)
#   make lock LOCK_ARGS="--upgrade-package django"    (one package)
# The lock is resolved against PyPI alone, whatever pip.conf says (LOCK_INDEX to use a mirror),
# on this machine's Python: run it with Python 3.11 on Linux x86_64, like production.
LOCK_INDEX ?= https://pypi.org/simple
LOCK_ARGS ?=
PIP_COMPILE = "$$tool/bin/pip-compile" --quiet --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links --index-url $(LOCK_INDEX) $(LOCK_ARGS)
lock:
	@tool=$$(mktemp -d) && trap 'rm -rf "$$tool"' EXIT && \
	$(PYTHON) -m venv "$$tool" && \
	"$$tool/bin/pip" install --quiet "pip-tools>=7.4,<8" && \
	export PIP_CONFIG_FILE=/dev/null PIP_FIND_LINKS= PIP_EXTRA_INDEX_URL= \
		PIP_CONSTRAINT= CUSTOM_COMPILE_COMMAND="make lock" && \
	echo "pip-compile: requirements.txt" && \
	$(PIP_COMPILE) --output-file requirements.txt pyproject.toml && \
	echo "pip-compile: requirements-dev.txt (the same versions, plus the dev extra)" && \
	$(PIP_COMPILE) --extra dev --constraint requirements.txt \
		--output-file requirements-dev.txt pyproject.toml

system-gettext:
	@command -v msgfmt >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) $(APT_INSTALL) gettext; }

system-chromium:
	@command -v chromium >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) $(APT_INSTALL) chromium fonts-dejavu-core; }

# WeasyPrint (the giving statements as PDF) draws with Debian's Pango and HarfBuzz, and needs
# fonts; Debian 12's Pango 1.50 is recent enough for the WeasyPrint pinned in the lock.
system-weasyprint:
	@{ /sbin/ldconfig -p | grep -q libpangoft2-1.0.so.0 && /sbin/ldconfig -p | grep -q libharfbuzz-subset.so.0 \
		&& [ -d /usr/share/fonts/truetype/dejavu ]; } || { $(SUDO) apt-get update -qq && \
		$(SUDO) $(APT_INSTALL) libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core; }

# pdftoppm, to look at a statement as an image (README, "Giving statements").
system-poppler:
	@command -v pdftoppm >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) $(APT_INSTALL) poppler-utils; }

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

# The suite without the browser tests (marked `browser`, all in tests/browser/): no Chromium.
test-fast: install-dev messages
	$(PY) -m pytest -m "not browser"

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
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) -m bench.web --scale $(SCALE)

clean:
	rm -rf $(VENV) var db.sqlite3
