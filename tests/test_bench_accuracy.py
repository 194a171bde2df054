"""bench-accuracy's labelled data sets: checked before anything runs, copied with absolute paths."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import bench_accuracy  # noqa: E402
from datasets import prepare_labelled  # noqa: E402


def _conf(folder: Path, **extra: object) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    body = {"warehouse": "wh",
            "sources": [{"name": "shop", "kind": "registry", "format": "csv",
                         "path": "data/shop.csv"}],
            **extra}
    path = folder / "conf.yaml"
    path.write_text(yaml.safe_dump(body), encoding="utf-8")
    return path


def test_a_labelled_configuration_is_copied_with_absolute_paths_and_no_truth_key(
        tmp_path: Path) -> None:
    conf = _conf(tmp_path / "mine", ground_truth="truth.csv")
    dataset = prepare_labelled("mine", conf, tmp_path / "work")
    assert dataset.name == "mine"
    assert dataset.folder == tmp_path / "work" / "mine"
    assert dataset.warehouse == tmp_path / "work" / "mine" / "warehouse"
    assert dataset.ground_truth == tmp_path / "mine" / "truth.csv"
    written = yaml.safe_load(dataset.conf.read_text(encoding="utf-8"))
    assert written == {
        "warehouse": "warehouse",
        "sources": [{"name": "shop", "kind": "registry", "format": "csv",
                     "path": str(tmp_path / "mine" / "data" / "shop.csv")}],
    }


@pytest.mark.parametrize("case", ["no truth key", "no file", "name taken"])
def test_a_wrong_labelled_data_set_stops_the_benchmark_before_anything_runs(
        tmp_path: Path, case: str, caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    ran: list[str] = []
    monkeypatch.setattr(bench_accuracy, "prepare",
                        lambda name, *args, **kwargs: ran.append(name))
    monkeypatch.setattr(bench_accuracy, "benchmark_dataset",
                        lambda dataset, *args, **kwargs: ran.append(dataset.name))
    good = _conf(tmp_path / "good", ground_truth="truth.csv")
    wrong = {"no truth key": f"bad={_conf(tmp_path / 'bad')}",
             "no file": f"bad={tmp_path / 'nowhere.yaml'}",
             "name taken": f"febrl4={good}"}[case]
    code = bench_accuracy.main([
        "--datasets", "febrl4", "--tools", "idres", "--work-dir", str(tmp_path / "work"),
        "--results", str(tmp_path / "results.json"),
        "--labelled", f"good={good}", "--labelled", wrong])
    assert code == 2
    assert ran == []
    assert not (tmp_path / "results.json").exists()
    expected = {"no truth key": f"labelled data set 'bad': {tmp_path / 'bad' / 'conf.yaml'} "
                                "has no ground_truth: key",
                "no file": f"labelled data set 'bad': no configuration at "
                           f"{tmp_path / 'nowhere.yaml'}",
                "name taken": "labelled data set 'febrl4': the name is taken; give NAME=CONF"}
    assert [r.getMessage() for r in caplog.records if r.levelname == "ERROR"] == [expected[case]]
