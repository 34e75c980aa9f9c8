# Aetherion — the two commands are `make run` and `make test`; the rest are helpers.
# Each target is one task of the Python runner (scripts/dev.py), which needs no make, bash or apt:
# `python -m scripts.dev <target>` does the same on any machine (`py -m scripts.dev <target>` on Windows).
PYTHON ?= python3
RUNNER := $(PYTHON) -m scripts.dev
TASKS := run test lint test-fast setup config doctor databases bootstrap smoke demo bench export stop-databases clean

.DEFAULT_GOAL := help
.PHONY: help $(TASKS)

help:  ## list the targets
	@$(RUNNER) help

# `make bench BENCH_ARGS="--json out.json"` and `make test ARGS="-k health"` pass arguments on;
# `make export` reads EXPORT_DIR, EXPORT_APP, EXPORT_USER and EXPORT_ROOT from the command line.
bench:
	$(RUNNER) bench$(if $(BENCH_ARGS), $(BENCH_ARGS))

$(filter-out bench,$(TASKS)):
	$(RUNNER) $@$(if $(ARGS), $(ARGS))
