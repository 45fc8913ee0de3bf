# The README's two commands: `make run` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint typecheck format migrate worker bench load clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (found " + sys.version.split()[0] + ")")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Installing dependencies into $(VENV) ..."
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip 2>&1 | grep -v "^WARNING: Location" || true
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]' 2>&1 | grep -v "^WARNING: Location" || true
	@$(BIN)/python -c 'import django, rest_framework, celery, pytest_django' || (echo "Installing dependencies failed" >&2; exit 1)
	@touch $(STAMP)

# Serves the site on the embedded defaults (SQLite under var/, Celery eager) unless the
# environment says otherwise; loads the demo data into an empty database.
run: $(STAMP)
	@mkdir -p var
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py migrate --no-input
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py seed_demo --if-empty
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py runserver $(HOST):$(PORT)

test: $(STAMP) lint
	$(BIN)/python -m pytest

lint: $(STAMP) typecheck
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# mypy with the Django and DRF plugins ([tool.mypy] in pyproject.toml). The plugins import the
# settings, which need nothing from the environment (attendance_site/test_settings.py).
typecheck: $(STAMP)
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

worker: $(STAMP)
	$(BIN)/celery -A attendance_site worker --beat --loglevel=info

# Times opening and saving a register, the penalty-notice threshold for the whole trust, the
# dashboards and retention removing a school year, each against hand-written SQL (not part of
# `make test`), on generate_trust's
# 50 schools x 500 pupils x 1 year (about 9.6 million marks), built into its own PostgreSQL
# database on the first run and reused, whatever DATABASE_URL the shell holds (the name must
# contain "bench").
BENCH_SCALE_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/attendance_bench_trust
bench: $(STAMP)
	BENCH_SCALE_DATABASE_URL=$(BENCH_SCALE_DATABASE_URL) $(BIN)/python benchmarks/register.py
	BENCH_SCALE_DATABASE_URL=$(BENCH_SCALE_DATABASE_URL) $(BIN)/python benchmarks/thresholds.py
	BENCH_SCALE_DATABASE_URL=$(BENCH_SCALE_DATABASE_URL) $(BIN)/python benchmarks/dashboards.py
	BENCH_SCALE_DATABASE_URL=$(BENCH_SCALE_DATABASE_URL) $(BIN)/python benchmarks/school_year_retention.py

# The morning peak: locust against gunicorn and PostgreSQL on 127.0.0.1 for 60 seconds, then
# the marks counted. Drops and rebuilds its own database (the name must contain "load").
# NODES=2: two gunicorns behind HAProxy (Debian's haproxy package), as docker-compose runs them.
LOAD_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/attendance_load
NODES ?= 1
load: $(STAMP)
	LOAD_DATABASE_URL=$(LOAD_DATABASE_URL) $(BIN)/python loadtest/run.py --nodes $(NODES)

clean:
	rm -rf $(VENV) var/attendance.sqlite3
