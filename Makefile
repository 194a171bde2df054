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

.PHONY: setup run test lint bench-components bench-accuracy bench-scale bench-erasure demo-data clean

CLASS_ARCHIVE := $(JARS)/spark-classes.jsa

setup: $(VENV)/.installed $(DELTA_JARS) $(JARS)/.class-archive

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

# The JVM class archive local runs start from (jobs/class_archive.py): built once by running the
# job on a small demo data set, about 90 seconds; it saves about 5 seconds of every later run and
# test session. Should it fail, runs start without it (the log says why).
$(JARS)/.class-archive: $(VENV)/.installed $(DELTA_JARS)
	@echo "building the JVM class archive (once, about 90 seconds; log: $(JARS)/class-archive.log)"
	$(PY) -m jobs.class_archive $(CLASS_ARCHIVE) > $(JARS)/class-archive.log 2>&1 \
		|| echo "class archive not built, runs start without it: see $(JARS)/class-archive.log"
	touch $@

$(DEMO_DIR)/data/.complete: | setup
	$(PY) -m jobs demo-data --out $(DEMO_DIR)/data --persons $(DEMO_PERSONS) --seed 42
	touch $@

demo-data: $(DEMO_DIR)/data/.complete

# Demo partner secrets: random, made on this machine, never in the repository (demo/ is ignored).
$(DEMO_DIR)/secrets/.complete: | setup
	mkdir -p $(DEMO_DIR)/secrets
	$(PY) -c "import secrets; print(secrets.token_hex(32))" > $(DEMO_DIR)/secrets/movers
	$(PY) -c "import secrets; print(secrets.token_hex(32))" > $(DEMO_DIR)/secrets/retail_media
	touch $@

# The demo's erasure key (conf/demo.yaml's erasure_key), made once and kept with the warehouse.
$(DEMO_DIR)/secrets/erasure: | setup
	mkdir -p $(DEMO_DIR)/secrets
	$(PY) -c "import secrets; print(secrets.token_hex(32))" > $@.tmp && mv $@.tmp $@

run: setup demo-data $(DEMO_DIR)/secrets/.complete $(DEMO_DIR)/secrets/erasure
	IDRES_SECRET_MOVERS="$$(cat $(DEMO_DIR)/secrets/movers)" \
	IDRES_SECRET_RETAIL_MEDIA="$$(cat $(DEMO_DIR)/secrets/retail_media)" \
	$(PY) -m jobs run --conf conf/demo.yaml

# Airflow lives in its own environment: its pins must not move the job's.
AIRFLOW_VENV := .venv-airflow
$(AIRFLOW_VENV)/.installed:
	$(PYTHON) -m venv $(AIRFLOW_VENV)
	$(AIRFLOW_VENV)/bin/pip install --quiet --upgrade pip
	$(AIRFLOW_VENV)/bin/pip install --quiet "apache-airflow==3.3.2" "apache-airflow-providers-apache-spark==6.3.4"
	touch $@

# Two pytest workers (pytest-xdist), one Spark session each, a test file to one worker: a small
# test's time is mostly one core's (planning, the Delta log, Python), so two run side by side.
# Files in the order tests/conftest.py gives them (the slowest first), not by their test count.
TEST_WORKERS ?= 2
# The set-up's two halves side by side: the class archive's build is the job's CPU (about 90 s)
# while the Airflow environment's install mostly waits on the network and the disk.
test:
	$(MAKE) --no-print-directory -j2 setup $(AIRFLOW_VENV)/.installed
	AIRFLOW__CORE__LOAD_EXAMPLES=False $(AIRFLOW_VENV)/bin/python tests/airflow_dagbag_check.py
	$(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

lint: setup
	$(VENV)/bin/ruff check jobs tests benchmarks
	$(VENV)/bin/mypy jobs

bench-components: setup
	$(PY) benchmarks/bench_components.py

# Ingest's check of the demo's sources against 1,000 to 100,000 erased records' keys.
bench-erasure: setup demo-data
	$(PY) benchmarks/bench_erasure.py

# The whole job on demo populations of several sizes: time per stage and peak memory.
# SCALE_PERSONS lists the sizes, e.g. SCALE_PERSONS="10000 100000 300000".
SCALE_PERSONS ?= 1000 10000 100000
bench-scale: setup
	$(PY) benchmarks/bench_scale.py --persons $(SCALE_PERSONS)

# Our job against Splink 4 (Spark and DuckDB back ends) on the demo data, FEBRL4 and FEBRL3.
# BENCH_ARGS passes options through, e.g. BENCH_ARGS="--datasets febrl4,febrl3".
BENCH_ARGS ?=
$(VENV)/.bench-installed: pyproject.toml | setup
	$(PY) -m pip install --quiet -e '.[test,bench]'
	touch $@

bench-accuracy: setup $(VENV)/.bench-installed
	$(PY) benchmarks/bench_accuracy.py --demo-persons $(DEMO_PERSONS) $(BENCH_ARGS)

clean:
	rm -rf $(DEMO_DIR) warehouse .pytest_cache
