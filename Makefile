# The two commands a learner needs:
#   make lab    create .venv, install the course (JAX backend) and open JupyterLab on lessons/
#               (make lab-zh: the same, on the Chinese edition, lessons/zh/)
#   make test   install what the tests need and run them all (unit tests + every lesson),
#               on JAX, PyTorch and TensorFlow
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The PyTorch CPU wheels live on their own index; PyPI's Linux torch is a CUDA build.
# Torch is installed on its own, so that only its few packages are looked up there.
TORCH_INDEX ?= https://download.pytorch.org/whl/cpu
TORCH_VERSION ?= 2.13.0+cpu
export KERAS_BACKEND ?= jax
export LMWIDGETS_OFFLINE ?= 1
# TensorFlow's C++ start-up messages would fill the test logs.
export TF_CPP_MIN_LOG_LEVEL ?= 2
# The backends CI proves besides JAX, the reference backend.
OTHER_BACKENDS := torch tensorflow
# pytest -n 2 runs two processes on 2 cores; PyTorch and TensorFlow each start a thread per
# core, and 4 spinning threads on 2 cores made one torch lesson run 20 times slower.
ONE_THREAD := OMP_NUM_THREADS=1 TF_NUM_INTRAOP_THREADS=1 TF_NUM_INTEROP_THREADS=1
NBVAL := --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg -n 2 --dist loadfile

.PHONY: lab lab-zh test install install-test unit lessons-check browser lessons lint bench clean

# JupyterLab refuses to run as root (containers, cloud shells) without --allow-root.
lab: $(VENV)/.installed
	$(BIN)/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) lessons/00_welcome.ipynb

# 中文版: the Chinese edition's first lesson.
lab-zh: $(VENV)/.installed
	$(BIN)/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) lessons/zh/00_welcome.ipynb

test: $(VENV)/.installed-test
	@$(MAKE) --no-print-directory lint unit lessons-check browser

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Installs use the versions pinned for Binder, so what the tests prove is what Binder runs.
$(VENV)/constraints.txt: binder/requirements.txt | $(BIN)/python
	grep -E '^[A-Za-z0-9_.-]+==' binder/requirements.txt > $@

$(VENV)/.installed: pyproject.toml $(VENV)/constraints.txt
	$(BIN)/python -m pip install --quiet -c $(VENV)/constraints.txt -e ".[jax,lab]"
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/constraints.txt
	@start=$$(date +%s); \
	$(BIN)/python -m pip install --quiet --retries 0 --extra-index-url $(TORCH_INDEX) \
	    "torch==$(TORCH_VERSION)" && \
	$(BIN)/python -m pip install --quiet -c $(VENV)/constraints.txt \
	    -e ".[jax,torch,tensorflow,lab,test]" && \
	echo "== install: $$(( $$(date +%s) - start )) s"
	@touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .

# Each stage prints how long it took, so the CI log shows where the time goes.
# Every test on JAX (the default backend), then the backend-dependent ones on each other backend.
unit: $(VENV)/.installed-test
	@start=$$(date +%s); \
	KERAS_BACKEND=jax $(BIN)/python -m pytest -n 2 tests --ignore=tests/browser && \
	echo "== unit tests, jax: $$(( $$(date +%s) - start )) s" && \
	for backend in $(OTHER_BACKENDS); do \
	    begun=$$(date +%s); \
	    KERAS_BACKEND=$$backend $(ONE_THREAD) $(BIN)/python -m pytest -n 2 -m backends tests \
	        --ignore=tests/browser || exit 1; \
	    echo "== unit tests, $$backend: $$(( $$(date +%s) - begun )) s"; \
	done

# Every lesson of both editions (lessons/ and lessons/zh/) re-run on JAX in nbval's strict
# mode (outputs compared with the committed ones), then on each other backend in lax mode: numbers may differ there, but every cell, and so every
# assertion a lesson makes, must run without error.
lessons-check: $(VENV)/.installed-test
	@start=$$(date +%s); \
	KERAS_BACKEND=jax $(BIN)/python -m pytest --nbval $(NBVAL) lessons/ && \
	echo "== lessons, jax (strict): $$(( $$(date +%s) - start )) s" && \
	for backend in $(OTHER_BACKENDS); do \
	    begun=$$(date +%s); \
	    KERAS_BACKEND=$$backend $(ONE_THREAD) $(BIN)/python -m pytest --nbval-lax $(NBVAL) lessons/ \
	        || exit 1; \
	    echo "== lessons, $$backend (lax): $$(( $$(date +%s) - begun )) s"; \
	done

# Every lesson run from JupyterLab's UI in headless Chromium (Debian's): widgets must render
# and respond. Skips where Chromium is missing, except under CI=true. Screenshots: artifacts/.
browser: $(VENV)/.installed-test
	@start=$$(date +%s); \
	$(BIN)/python -m pytest -p no:xdist tests/browser && \
	echo "== browser: $$(( $$(date +%s) - start )) s"

# Re-execute every lesson of both editions (or LESSON=lessons/04_math.ipynb) and rewrite
# their outputs.
LESSON ?= lessons/*.ipynb lessons/zh/*.ipynb
lessons: $(VENV)/.installed-test
	$(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	    --ExecutePreprocessor.timeout=900 --ExecutePreprocessor.record_timing=False $(LESSON)

# Every benchmark, one table of figures against baselines measured in the same run (~30 min).
bench: $(VENV)/.installed-test
	$(BIN)/python benchmarks/run

clean:
	rm -rf $(VENV) build dist .pytest_cache .ruff_cache
