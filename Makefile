# Two commands: `make demo` and `make test`. Both create .venv and install the project if needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint format bench notebooks clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# The demo's folders have fixed names and are remade on every run (results/ is not in git). The staffing
# sweep's 100 replications per level put post coverage's 95% CI half-width far below 0.02, and let a level
# with no critical gap show P(critical gap) <= 0.05 (its Wilson upper bound at 0 of 100 is 0.037).
DEMO := results/apec2024_peru

demo: $(STAMP)
	$(BIN)/summit-sim validate scenarios/apec2024_peru.yaml
	rm -rf $(DEMO)/trace-demo $(DEMO)/sweep-demo $(DEMO)/sweep-demo.incomplete \
		$(DEMO)/allocate-demo $(DEMO)/allocate-demo.incomplete
	$(BIN)/summit-sim trace scenarios/apec2024_peru.yaml --seed 1 --out $(DEMO)/trace-demo
	$(BIN)/summit-sim sweep scenarios/apec2024_peru.yaml --troops 0:1200:150 --replications 100 \
		--out $(DEMO)/sweep-demo
	$(BIN)/summit-sim allocate scenarios/apec2024_peru.yaml --out $(DEMO)/allocate-demo

# The tests run on TEST_WORKERS processes (pytest-xdist; each test module on one of them, so that its
# module-scoped fixtures run once). Two, as on CI; `make test TEST_WORKERS=1` runs them in one process.
TEST_WORKERS ?= 2

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadscope

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_replication.py
	$(BIN)/python benchmarks/bench_parallel.py
	$(BIN)/python benchmarks/bench_crn.py
	$(BIN)/python benchmarks/bench_startup.py
	$(BIN)/python benchmarks/bench_scale.py
	$(BIN)/python benchmarks/bench_search.py

# JupyterLab on notebooks/ (installs the optional `notebooks` extra into .venv the first time). As root (a
# container), JupyterLab refuses to start unless told `--allow-root`.
notebooks: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,notebooks]'
	$(BIN)/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) notebooks/

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
