# Aetherion — the two commands are `make run` and `make test`; the rest are helpers.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# Procfile lines say `python`: make it the virtual environment's.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export PYTHONUNBUFFERED := 1

.DEFAULT_GOAL := help
.PHONY: help run test setup config doctor databases bootstrap smoke demo bench export stop-databases clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 18

run: setup config databases bootstrap  ## start the dev stack: Django :8000, FastAPI :8001, Flask :8002
	$(PY) -m scripts.ports
	honcho start

test: setup  ## run every test against real MySQL and MongoDB servers
	$(PY) -m scripts.local_db prepare
	$(PY) -m pytest

setup: $(VENV)/.installed node_modules/.package-lock.json  ## system packages, virtual environment, requirements, front-end packages

$(VENV)/.installed: requirements/*.txt
	$(PYTHON) -m scripts.system_packages build browser
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements/dev.txt
	touch $@

# The dashboard's front-end packages, exactly as package-lock.json pins them; Django serves them from here.
node_modules/.package-lock.json: package.json package-lock.json
	$(PYTHON) -m scripts.system_packages assets
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error

config: setup  ## validate every service's configuration (`python -m apps.common.config show` prints it)
	$(PY) -m apps.common.config check

doctor: setup  ## pre-flight checks: Python, requirements, config, ports, MySQL, MongoDB, Flask
	$(PY) -m scripts.doctor

databases: setup  ## make MySQL and MongoDB answer (private servers under .var/ if needed)
	$(PY) -m scripts.local_db ensure

bootstrap: setup  ## create the MySQL database, migrate, create MongoDB indexes
	$(PY) -m scripts.bootstrap_db

smoke: setup  ## check a running stack's health endpoints and /check-regime
	$(PY) -m scripts.smoke

demo: setup  ## load real sample prices into the running dev stack and record their regimes
	$(PY) -m scripts.load_sample_data

# `make export`: deploy/Procfile.prod as systemd units and a supervisord config (honcho export, with the
# templates in deploy/export/). Run it in the checkout the server runs from, or set EXPORT_ROOT to it.
EXPORT_DIR ?= .var/export
EXPORT_APP ?= aetherion
EXPORT_USER ?= $(EXPORT_APP)
EXPORT_ROOT ?= $(CURDIR)
HONCHO_EXPORT = $(VENV)/bin/honcho export -f $(CURDIR)/deploy/Procfile.prod -d $(EXPORT_ROOT) -e /dev/null \
	-a $(EXPORT_APP) -u $(EXPORT_USER)

export: setup  ## write systemd units and a supervisord config for deploy/Procfile.prod into .var/export/
	$(HONCHO_EXPORT) -t $(CURDIR)/deploy/export/systemd systemd $(EXPORT_DIR)/systemd
	$(HONCHO_EXPORT) -t $(CURDIR)/deploy/export/supervisord -l /var/log/$(EXPORT_APP) supervisord $(EXPORT_DIR)/supervisord

bench: setup  ## measure every figure beside its ceiling, own servers on free ports (BENCH_ARGS="--json out.json")
	$(PYTHON) -m scripts.system_packages bench
	$(PY) -m scripts.local_db prepare
	$(PY) -m scripts.bench $(BENCH_ARGS)

stop-databases: setup  ## stop the private database servers `make run` started
	$(PY) -m scripts.local_db stop

clean: stop-databases  ## stop private servers, remove .var/ and the virtual environment
	rm -rf .var $(VENV)
