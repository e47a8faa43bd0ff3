# TKPK Tracker: `make run` to try it, `make test` to check it.  Needs only Python 3.11+.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)
FLASK  := $(BIN)/flask --app wsgi
PO     := $(wildcard tracker/translations/*/LC_MESSAGES/*.po)
MO     := $(PO:.po=.mo)
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test install translations messages bench clean

install: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@rm -f $(VENV)/.installed-*
	@touch $@

translations: $(MO)

%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -i $< -o $@ >/dev/null

# Refresh the English catalogue after changing Indonesian source strings.  --ignore-dirs replaces
# Babel's default, which skips every directory starting with "_" (templates/_partials, _macros).
# N_ marks strings kept in constants (tracker.i18n.N_), translated where they are shown.
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k N_ --ignore-dirs ".* __pycache__" \
		-o tracker/translations/messages.pot --no-location .
	$(BIN)/pybabel update -i tracker/translations/messages.pot -d tracker/translations --no-fuzzy-matching --ignore-obsolete

# The report worker runs beside the web server and stops with it (Ctrl-C or the server exiting).
run: $(STAMP) translations
	$(FLASK) db upgrade
	$(FLASK) demo --if-empty
	@$(FLASK) reports worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(FLASK) run --host $(HOST) --port $(PORT)

# Two processes on two cores (pytest-xdist; each has its own database, see tests/conftest.py); a test
# file stays in one process so that a module's rendered PDF is built once.  TEST_WORKERS=0: one process.
TEST_WORKERS ?= auto
test: $(STAMP) translations
	$(BIN)/python -m pytest -q -p no:benchmark -n $(TEST_WORKERS) --dist loadfile

bench: $(STAMP) translations
	$(BIN)/python bench/pages.py && $(BIN)/python bench/excel.py && $(BIN)/python bench/load.py && $(BIN)/python bench/reports.py

clean:
	rm -rf $(VENV) .pytest_cache
