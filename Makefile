# The two entry points of the README. Everything they do lives in scripts/.
.PHONY: run test lint screenshots bench

run:  ## install, create and migrate the databases, load demo data, start every process
	scripts/run.sh

test:  ## install and run the whole test suite (real PostgreSQL and Redis) and the linters
	scripts/test.sh

screenshots:  ## regenerate docs/screenshots/*.png from the browser tests (a test run never writes them)
	scripts/screenshots.sh

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .

bench:  ## the benchmarks with their same-run baselines, production settings, own databases (docs/benchmarks.md)
	.venv/bin/python bench/run.py
