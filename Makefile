# Community Chest: the two commands a newcomer needs are `make demo` and `make test`.
# Python 3.11, 3.12 or 3.13: the first of python3.11, python3.13, python3.12, python3 that runs
# and is one of those (or PYTHON=/path/to/python).
SUPPORTED := import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 13))
PYTHON ?= $(shell for p in python3.11 python3.13 python3.12 python3; do $$p -c '$(SUPPORTED)' 2>/dev/null && { echo $$p; break; }; done)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export DJANGO_SETTINGS_MODULE := config.settings

.PHONY: demo test lint check bench bench-tally bench-ledger bench-load cluster-test clean-venv

$(PY):
	@test -n "$(PYTHON)" || { echo "Community Chest needs Python 3.11, 3.12 or 3.13, and none of python3.11, python3.13, python3.12, python3 on PATH is one. Install one, or run make PYTHON=/path/to/python3.x"; exit 1; }
	@$(PYTHON) -c '$(SUPPORTED)' 2>/dev/null || { echo "Community Chest needs Python 3.11, 3.12 or 3.13; PYTHON=$(PYTHON) is $$($(PYTHON) -V 2>/dev/null || echo 'not a working Python'). Run make PYTHON=/path/to/python3.x"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# What the app needs (make demo); the development extras (make test) include it. Separate stamps:
# demo then test installs only the extras, test then demo installs nothing.
$(VENV)/.installed-app: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(VENV)/.installed-app $@

# var/local.env (git-ignored, 0600): generated secrets shared by the server and every manage.py
# command in this checkout; written once, kept after. Production takes secrets from the environment.
demo: $(VENV)/.installed-app
	$(PY) -m config.local_settings
	DEBUG=$${DEBUG:-1} $(PY) manage.py migrate --no-input
	DEBUG=$${DEBUG:-1} $(PY) manage.py seed_demo
	DEBUG=$${DEBUG:-1} $(PY) manage.py send_ward_emails
	@echo "Serving Community Chest at http://127.0.0.1:$(PORT)/ (Ctrl-C to stop)"
	DEBUG=$${DEBUG:-1} $(PY) manage.py runserver 127.0.0.1:$(PORT)

# Tests run with DEBUG off, as production does; these keys exist only for the test run.
# pytest-xdist runs them on every core (TEST_WORKERS=0 runs them in one process).
TEST_WORKERS ?= auto
test: export SECRET_KEY ?= test-only-secret-key-not-for-production-0123456789abcdefghijkl
test: export VOTING_CODE_KEY ?= test:test-only-voting-code-key-not-for-production-0123456789
test: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	$(VENV)/bin/pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

# The production shape on loopback: PostgreSQL, Redis, two gunicorn app servers behind nginx
# (installed with apt-get if missing); see deploy/cluster_test.py. Needs PostgreSQL at
# 127.0.0.1:5432 (user postgres), as make test on PostgreSQL does.
cluster-test: $(VENV)/.installed-dev
	$(PY) deploy/cluster_test.py $(CLUSTER_ARGS)

bench: $(VENV)/.installed-dev
	$(PY) bench/tally.py

clean-venv:
	rm -rf $(VENV)
