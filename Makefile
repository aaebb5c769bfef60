# Two commands: `make run` and `make test`. Everything else is here to serve them.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test setup messages makemessages lint worker bench-directory bench-import bench-calls clean

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { rm -rf $(VENV); $(PYTHON) -m venv --without-pip $(VENV) && $(PYTHON) scripts/bootstrap_pip.py $(VENV); }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet ".[dev]"
	@touch $@

setup: $(VENV)/.installed messages

messages: $(VENV)/.installed
	$(PY) scripts/compile_messages.py

# After changing user-facing strings: refresh the French catalogue (needs Debian's gettext),
# one line per entry so reviews and checks read each message whole.
makemessages: $(VENV)/.installed
	DJANGO_DEBUG=1 $(PY) manage.py makemessages -l fr --no-wrap --no-obsolete --ignore '$(VENV)/*' --ignore 'tests/*' --ignore 'bench/*'

run: setup
	DJANGO_DEBUG=1 $(PY) manage.py migrate --no-input -v1
	DJANGO_DEBUG=1 $(PY) manage.py seed_demo
	DJANGO_DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	env -u DATABASE_URL DJANGO_DEBUG=1 $(PY) manage.py makemigrations --check --dry-run -v1

test: setup lint
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(PY) -m pytest -q $(PYTEST_ARGS)

worker: setup
	$(VENV)/bin/celery -A organizing worker -l info

bench-directory: setup
	$(PY) bench/directory.py

bench-import: setup
	$(PY) bench/import.py

bench-calls: setup
	$(PY) bench/calls.py

clean:
	rm -rf $(VENV) staticfiles db.sqlite3*
