"""The recall ceiling of benchmarks/recall_ceiling.py on a hand-made population."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from recall_ceiling import RECORD_COLUMNS, ceilings, name_forms  # noqa: E402


def test_name_forms_spell_a_full_name_as_handles_do() -> None:
    assert name_forms("Matti", "Virtanen") == [
        "mattivirtanen", "virtanenmatti", "mvirtanen", "virtanenm", "mattiv"]
    assert name_forms("Jürgen", "Müller-Lüdenscheidt") == [
        "jurgenmullerludenscheidt", "mullerludenscheidtjurgen", "jmullerludenscheidt",
        "mullerludenscheidtj", "jurgenm"]
    assert name_forms("Matti", None) == []


def test_the_oracle_joins_one_persons_records_that_share_evidence() -> None:
    # Two Matti Virtanens (P1, P2); P1's web login shares his email, his two anonymous visits
    # an IP; each has a social account whose handle spells the name; the job found only the
    # email pair.
    rows = [
        ("r/1", "P1", "C1", dict(first_name_norm="matti", last_name_norm="virtanen",
                                 email_sha256="e1")),
        ("w/1", "P1", "C1", dict(email_sha256="e1")),
        ("s/1", "P1", "C3", dict(handle="MVirtanen")),
        ("w/2", "P1", "C4", dict(ip_address="192.0.2.1")),
        ("w/3", "P1", "C5", dict(ip_address="192.0.2.1")),
        ("r/2", "P2", "C6", dict(first_name_norm="matti", last_name_norm="virtanen")),
        ("s/2", "P2", "C7", dict(handle="virtanen.m")),
    ]
    records = pd.DataFrame([{**dict.fromkeys(RECORD_COLUMNS), "record_id": record, **values}
                            for record, _, _, values in rows])
    person = {record: who for record, who, _, _ in rows}
    customer = {record: c for record, _, c, _ in rows}
    job, table = ceilings(records, set(person), person, customer)
    # 11 true pairs: 10 of P1's five records, 1 of P2's two.
    assert job == 1 / 11
    assert table.to_dict("records") == [
        {"evidence": "email", "oracle, cumulative": 1 / 11, "job + this alone": 1 / 11,
         "sharing pairs one person's": "1 of 1"},
        {"evidence": "phone", "oracle, cumulative": 1 / 11, "job + this alone": 1 / 11,
         "sharing pairs one person's": "0 of 0"},
        {"evidence": "handle", "oracle, cumulative": 1 / 11, "job + this alone": 1 / 11,
         "sharing pairs one person's": "0 of 0"},
        # mvirtanen and virtanenm each spell both Matti Virtanens' names.
        {"evidence": "handle spells a name", "oracle, cumulative": 4 / 11,
         "job + this alone": 4 / 11, "sharing pairs one person's": "2 of 4"},
        {"evidence": "ip address", "oracle, cumulative": 5 / 11, "job + this alone": 2 / 11,
         "sharing pairs one person's": "1 of 1"},
        {"evidence": "street and house number", "oracle, cumulative": 5 / 11,
         "job + this alone": 1 / 11, "sharing pairs one person's": "0 of 0"},
        {"evidence": "last name and birth date", "oracle, cumulative": 5 / 11,
         "job + this alone": 1 / 11, "sharing pairs one person's": "0 of 0"},
        {"evidence": "full name", "oracle, cumulative": 5 / 11, "job + this alone": 1 / 11,
         "sharing pairs one person's": "0 of 1"},
    ]
