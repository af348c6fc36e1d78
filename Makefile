# ContactOps developer commands. `make demo` and `make test` work on a fresh machine with Python 3.11.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
LOCALE_DIR := src/contactops/platform/locale
LOCALES := zh_Hans bg nb

.PHONY: install demo serve test lint format i18n vendor clean bench

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[dev]'
	@echo "Compiling the simulation engine (the first time takes a few minutes)..."
	$(PY) -m contactops.engines.simulation.compiled
	touch $(STAMP)

install: $(STAMP)

demo: install  ## migrate, load the demo tenants, print the login, serve on :8000
	$(VENV)/bin/contactops demo

serve: install
	$(VENV)/bin/contactops serve

lint: install
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks
	$(VENV)/bin/mypy

test: lint  ## the whole suite: lint, types, SQLite, PostgreSQL (if configured), browser
	$(PY) -m pytest $(PYTEST_ARGS)

format: install
	$(VENV)/bin/ruff check --fix src tests benchmarks
	$(VENV)/bin/ruff format src tests benchmarks

i18n: install  ## extract messages and merge them into every catalog
	$(VENV)/bin/pybabel -q extract -F babel.cfg -o $(LOCALE_DIR)/messages.pot --no-location \
		--project=ContactOps -k _l -k lazy_gettext src/contactops
	for locale in $(LOCALES); do \
		if [ -f $(LOCALE_DIR)/$$locale/LC_MESSAGES/messages.po ]; then \
			$(VENV)/bin/pybabel -q update -i $(LOCALE_DIR)/messages.pot -d $(LOCALE_DIR) -l $$locale --no-fuzzy-matching; \
		else \
			$(VENV)/bin/pybabel -q init -i $(LOCALE_DIR)/messages.pot -d $(LOCALE_DIR) -l $$locale; \
		fi; \
	done

vendor:  ## refresh the vendored front-end files from the npm registry
	tmp=$$(mktemp -d) && cp src/contactops/platform/static/vendor/package.json $$tmp/ && \
	(cd $$tmp && npm install --silent --no-audit --no-fund) && \
	cp $$tmp/node_modules/htmx.org/dist/htmx.min.js $$tmp/node_modules/htmx.org/LICENSE src/contactops/platform/static/vendor/htmx/ && \
	mkdir -p src/contactops/platform/static/vendor/echarts && \
	cp $$tmp/node_modules/echarts/dist/echarts.min.js $$tmp/node_modules/echarts/LICENSE src/contactops/platform/static/vendor/echarts/ && \
	cp $$tmp/node_modules/swagger-ui-dist/swagger-ui-bundle.js $$tmp/node_modules/swagger-ui-dist/swagger-ui.css \
		$$tmp/node_modules/swagger-ui-dist/LICENSE src/contactops/platform/static/vendor/swagger-ui/ && \
	sed -i 's|^//# sourceMappingURL=.*$$||' src/contactops/platform/static/vendor/swagger-ui/swagger-ui-bundle.js && \
	rm -rf $$tmp

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .mypy_cache
	find src -name '*.nbi' -delete -o -name '*.nbc' -delete  # Numba's compiled code

bench: install  ## run every benchmark and rewrite benchmarks/RESULTS.md
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	$(PY) benchmarks/platform_requests.py
	$(PY) benchmarks/demo_history.py
	$(PY) benchmarks/staffing.py
	$(PY) benchmarks/kpi.py
	$(PY) benchmarks/simulation.py
	$(PY) benchmarks/forecasting.py --tbats --write
	$(PY) benchmarks/scheduling.py --write
	$(PY) benchmarks/routing.py engine --write
