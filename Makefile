# The two commands of the quick start: `make demo` and `make test`.
# Both create .venv on first use and install the project into it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo warmup test lint bench compare fuzz load figures clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m optimizer.demo --out out/demo

# Compile every numba kernel into the cache now (e.g. in a container image
# build), so that no later process compiles; prints where the cache is.
warmup: $(STAMP)
	$(BIN)/pickopt warmup

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy optimizer
	$(BIN)/pytest -n 2 -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy optimizer

bench: $(STAMP)
	$(BIN)/pytest benches --benchmark-enable --benchmark-only -q

compare: $(STAMP)
	$(BIN)/python benches/startup.py
	$(BIN)/python benches/compare_distance.py
	$(BIN)/python benches/compare_routing.py

# The HTTP service: Schemathesis over the OpenAPI document (100 examples per
# operation, over 2,500 requests), and the load test (20 clients, 60 s).
fuzz: $(STAMP)
	PICKOPT_FUZZ_EXAMPLES=100 $(BIN)/pytest tests/service/test_fuzz.py tests/service/test_edge.py -q

load: $(STAMP)
	$(BIN)/python benches/load_service.py

# The notebooks' figures, written to notebooks/figures/ (the README shows two of
# them), with more random pick lists per size than the test suite's quick run.
figures: $(STAMP)
	cd notebooks && PICKOPT_FIGURES=$(CURDIR)/notebooks/figures PICKOPT_SAMPLES=300 \
		$(abspath $(BIN))/jupyter-execute --timeout=1200 \
		compare_layouts.ipynb slotting_what_if.ipynb compare_policies.ipynb

clean:
	rm -rf out .pytest_cache .mypy_cache .ruff_cache .benchmarks
