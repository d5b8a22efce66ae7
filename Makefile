# The entry points of the README. Everything they do lives in scripts/.
.PHONY: run test test-deploy backup restore lint chaos screenshots bench

run:  ## install, create and migrate the databases, load demo data, start every process
	scripts/run.sh

test:  ## install and run the whole test suite (real PostgreSQL and Redis), the linters, the short fault suite, test-deploy
	scripts/test.sh

test-deploy:  ## boot docker/compose.yaml for real (Docker installed and started if missing) and check it end to end
	scripts/test-deploy.sh

backup:  ## pg_dump each database of the running docker stack into backups/<date>/
	scripts/backup.sh

restore:  ## restore BACKUP=backups/<date> into a fresh docker stack
	scripts/restore.sh $(BACKUP)

chaos:  ## the fault suite: faults mid-stream, every acknowledged reading counted once (docs/reliability.md)
	scripts/chaos.sh

screenshots:  ## regenerate docs/screenshots/*.png from the browser tests (a test run never writes them)
	scripts/screenshots.sh

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .

bench:  ## the benchmarks with their same-run baselines, production settings, own databases (docs/benchmarks.md)
	.venv/bin/python bench/run.py
