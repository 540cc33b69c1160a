# Two commands for a fresh machine: `make run` and `make test`. Everything they need is installed here.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
RUN_DEBS := tesseract-ocr tesseract-ocr-spa libmagic1
TEST_DEBS := $(RUN_DEBS) chromium fonts-dejavu-core postgresql postgresql-contrib memcached
export EVIDENCE_REPO_DATA ?= $(CURDIR)/instance

.PHONY: run test install translations messages lint mutation system-deps-run system-deps-test clean

run: system-deps-run install
	$(BIN)/evidence-repo init
	$(BIN)/evidence-repo serve --host $(HOST) --port $(PORT)

# Every test that uses the app runs on SQLite and on PostgreSQL (a throwaway server started by the tests as the
# postgres user, stopped at the end); `make test TEST_DATABASES=sqlite` runs the SQLite half only.
TEST_DATABASES ?= sqlite,postgres

test: system-deps-test install node_modules/axe-core/axe.min.js lint
	EVIDENCE_REPO_TEST_DATABASES=$(TEST_DATABASES) $(BIN)/python -m pytest $(PYTEST_ARGS)

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# The compiled .mo files are committed, so a clean checkout and `pip install .` have them without this step.
# Run it after editing a .po (tests/test_translations_compiled.py fails until the .mo matches) and commit both.
translations: $(STAMP)
	$(BIN)/pybabel compile -d evidence_repo/translations

# Part of `make test`: ruff over the code, tests and benchmarks; mypy over the code.
lint: $(STAMP)
	status=0; \
	$(BIN)/ruff check evidence_repo indexer storage tests bench || status=1; \
	$(BIN)/mypy evidence_repo indexer storage || status=1; \
	exit $$status

# Mutation testing of policy.py ([tool.mutmut] in pyproject.toml); slow, so not part of `make test`.
# Prints killed/total; fails if any mutant survives.
mutation: install
	rm -rf mutants
	$(BIN)/mutmut run --max-children 2
	$(BIN)/mutmut results --all true | tee mutation-report.txt
	@total=$$(grep -c ': ' mutation-report.txt); killed=$$(grep -c ': killed' mutation-report.txt); \
	echo "mutants killed: $$killed/$$total"; [ "$$killed" = "$$total" ]

define apt_install
	@missing=$$(for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:" $$missing; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi
endef

# axe-core for the browser tests' accessibility checks (tests/e2e/axe.py)
# npm comes with Node.js; Debian's npm package is installed only where no npm is found (a machine with
# NodeSource's nodejs has npm and refuses Debian's).
node_modules/axe-core/axe.min.js: package.json
	@command -v npm >/dev/null || { $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm; }
	npm install --no-audit --no-fund --loglevel=error
	touch $@

system-deps-run:
	$(call apt_install,$(RUN_DEBS))

system-deps-test:
	$(call apt_install,$(TEST_DEBS))

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache .mypy_cache

messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -o evidence_repo/translations/messages.pot --ignore-dirs=".venv tests" .
	$(BIN)/pybabel update -i evidence_repo/translations/messages.pot -d evidence_repo/translations
	$(BIN)/pybabel compile -d evidence_repo/translations
