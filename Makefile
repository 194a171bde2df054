# Two commands are all a newcomer needs: `make run` and `make test`.
# Both set the project up on first use: a virtual environment with the pinned packages and
# Delta Lake's jars fetched once from Maven Central into .jars/ (a job run never needs the network).

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
JARS   := .jars
DELTA_VERSION := 4.0.1
DELTA_JARS := $(JARS)/delta-spark_2.13-$(DELTA_VERSION).jar $(JARS)/delta-storage-$(DELTA_VERSION).jar
DEMO_PERSONS ?= 10000
DEMO_DIR := demo
MVN_COPY := org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy

.PHONY: setup run test lint bench-components demo-data clean

setup: $(VENV)/.installed $(DELTA_JARS)

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

$(JARS)/delta-spark_2.13-$(DELTA_VERSION).jar:
	mkdir -p $(JARS)
	mvn --batch-mode --quiet $(MVN_COPY) -Dartifact=io.delta:delta-spark_2.13:$(DELTA_VERSION) -DoutputDirectory=$(JARS)

$(JARS)/delta-storage-$(DELTA_VERSION).jar:
	mkdir -p $(JARS)
	mvn --batch-mode --quiet $(MVN_COPY) -Dartifact=io.delta:delta-storage:$(DELTA_VERSION) -DoutputDirectory=$(JARS)

$(DEMO_DIR)/data/.complete: | setup
	$(PY) -m jobs demo-data --out $(DEMO_DIR)/data --persons $(DEMO_PERSONS) --seed 42
	touch $@

demo-data: $(DEMO_DIR)/data/.complete

run: setup demo-data
	$(PY) -m jobs run --conf conf/demo.yaml

test: setup
	$(PY) -m pytest -q

lint: setup
	$(VENV)/bin/ruff check jobs tests benchmarks
	$(VENV)/bin/mypy jobs

bench-components: setup
	$(PY) benchmarks/bench_components.py

clean:
	rm -rf $(DEMO_DIR) warehouse .pytest_cache
