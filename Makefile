# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
# The demo's district office address for buyers (OFFICE_EMAIL in README's settings); empty hides it.
OFFICE_EMAIL ?= kecamatan@demo.test
FLASK := $(BIN)/flask --app wsgi

.PHONY: run test setup setup-dev system-deps bench-deps db-up node-deps lint translations bench bench-mixed bench-phone-upload bench-scale bench-topology topology lighthouse screenshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

# Compiled translations and versioned static files are rebuilt only when their sources change, so a
# second `make run` starts without redoing them (about 4 s of CPU).
PO_FILES := $(wildcard marketplace/translations/*/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)
STATIC_SOURCES := $(shell find static -path static/dist -prune -o -type f -print)

$(MO_FILES) &: $(PO_FILES) $(VENV)/.installed
	$(FLASK) translations compile

static/dist/manifest.json: $(STATIC_SOURCES) marketplace/assets.py $(VENV)/.installed
	$(FLASK) assets build

setup: $(VENV)/.installed $(MO_FILES) static/dist/manifest.json

setup-dev: $(VENV)/.installed-dev setup

## make run: set up, migrate, load demo data into an empty database, serve on 127.0.0.1:$(PORT)
## through gunicorn (as production), with the local Stripe test server when no STRIPE_SECRET_KEY is set
run: setup
	mkdir -p instance
	$(FLASK) db upgrade
	$(FLASK) seed-demo --if-empty
	PORT=$(PORT) OFFICE_EMAIL=$(OFFICE_EMAIL) $(FLASK) serve

## make test: install what tests need (Chromium, PostgreSQL up), run the suite on SQLite and PostgreSQL
# Three pytest-xdist workers, a test module (or class) each at a time. The run is bound by CPU, and
# a third worker fills the time the others wait on PostgreSQL, Chromium and the servers they start
# (measured 2026-12-06 on 2 cores, 3,309 tests: 301 s with two workers, 282 s with three; before the
# test processes froze their apps out of the garbage collector a third gained nothing, 344 vs 346 s).
# PYTEST_WORKERS=0: one process. The bytecode is written once first, rather than by each worker
# compiling the same modules (compileall: 0.3 s when it is up to date; collecting the suite for it
# took 8 s of one core).
PYTEST_WORKERS ?= 3
PYTEST := PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest
test: setup-dev system-deps db-up node-deps
	@PYTHONDONTWRITEBYTECODE= $(BIN)/python -m compileall -q marketplace tests wsgi.py > /dev/null
	$(PYTEST) -n $(PYTEST_WORKERS) --dist loadscope $(PYTEST_ARGS)

system-deps:
	@bash scripts/ensure-system-deps.sh

bench-deps:
	@bash scripts/ensure-system-deps.sh bench

db-up:
	@bash scripts/ensure-postgres.sh

# axe-core for the browser accessibility tests (Lighthouse is a dev dependency: `npm ci` for bench).
node-deps: node_modules/.installed

node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --omit=dev --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "npm not found: the axe-core accessibility tests will be skipped"; fi

lint: setup-dev
	$(BIN)/ruff check marketplace tests bench deploy
	$(BIN)/ruff format --check marketplace tests bench deploy

translations: setup-dev
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o marketplace/translations/messages.pot .
	$(BIN)/pybabel update -i marketplace/translations/messages.pot -d marketplace/translations --no-fuzzy-matching

bench: setup-dev bench-deps db-up
	$(BIN)/python bench/run.py
	$(BIN)/python bench/run.py --cache off
	$(BIN)/python bench/lean_listing.py

## make bench-mixed: visitors browse while guests order at 5/s; page cache hit rate per store (bench/README.md)
bench-mixed: setup-dev bench-deps db-up
	$(BIN)/python bench/mixed.py

## make bench-phone-upload: three camera photos from a 360-px Chromium at 400 kbit/s up (bench/README.md)
bench-phone-upload: setup-dev
	$(BIN)/python bench/phone_upload.py

## make bench-scale: the seller dashboard (2,000 products) and the curator console (1,000,000 order lines),
## page cache off, p50/p95 per page against the 300 ms target (bench/README.md)
bench-scale: setup-dev db-up
	$(BIN)/python bench/scale.py

## make bench-topology: public pages and checkout through nginx and two instances, beside one instance
bench-topology: setup-dev bench-deps db-up
	$(BIN)/python bench/topology.py

## make topology: the several-servers setup (nginx on $(TOPOLOGY_PORT), two gunicorn instances, PostgreSQL,
## Redis, a local S3) with fresh demo data, to click through; Ctrl-C stops it (README: "Running on several servers")
TOPOLOGY_PORT ?= 8080
topology: setup-dev system-deps db-up
	PORT=$(TOPOLOGY_PORT) $(BIN)/python -m deploy.topology

## make lighthouse: Lighthouse (mobile) scores of the public pages, the cart, the checkout and the seller's
## dashboard and product form, on a throwaway copy of the demo
lighthouse: setup-dev
	npm ci --no-audit --no-fund --loglevel=error
	CHROME_PATH=/usr/bin/chromium $(BIN)/python bench/lighthouse.py

## make screenshots: full-page PNGs of the main pages of the three areas at 360×740, in Indonesian and
## English, on a throwaway copy of the demo, into screenshots/ (open screenshots/index.html)
screenshots: setup-dev system-deps
	$(BIN)/python bench/screenshots.py

clean:
	rm -rf $(VENV) instance static/dist node_modules
