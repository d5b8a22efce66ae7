# The two entry points of the README. Everything they do lives in scripts/.
.PHONY: run test lint

run:  ## install, create and migrate the databases, load demo data, start every process
	scripts/run.sh

test:  ## install and run the whole test suite (real PostgreSQL and Redis) and the linters
	scripts/test.sh

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .
