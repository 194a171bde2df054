from __future__ import annotations

from pathlib import Path

import pytest

from jobs.config import (
    BlockingConfig,
    ClusteringConfig,
    ConfigError,
    MatchingConfig,
    SecretError,
    SecretRef,
    SourceConfig,
    load_config,
)

MINIMAL = """\
warehouse: ./warehouse
sources:
  - {name: magazine, kind: registry, format: csv, path: data/registry_magazine.csv}
  - {name: magazine_orders, kind: orders, registry: magazine, format: csv, path: data/orders.csv}
  - {name: web, kind: online, format: json, path: data/online_profiles.jsonl}
  - {name: social, kind: social, format: json, path: /abs/social.jsonl}
"""


def on_social(setting: str) -> str:
    """MINIMAL with `setting` (YAML flow text) added to its social source."""
    return MINIMAL.replace("path: /abs/social.jsonl", f"path: /abs/social.jsonl, {setting}")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "conf.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_minimal_config_gets_defaults_and_resolves_paths(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, MINIMAL))
    base = tmp_path.resolve()
    assert config.warehouse == str(base / "warehouse")
    assert config.sources == (
        SourceConfig("magazine", "registry", "csv", str(base / "data/registry_magazine.csv")),
        SourceConfig("magazine_orders", "orders", "csv", str(base / "data/orders.csv"),
                     registry="magazine"),
        SourceConfig("web", "online", "json", str(base / "data/online_profiles.jsonl")),
        SourceConfig("social", "social", "json", "/abs/social.jsonl"),
    )
    assert config.blocking == BlockingConfig()
    assert config.matching == MatchingConfig()
    assert config.clustering == ClusteringConfig()
    assert config.ground_truth is None
    assert config.spark == {}


def test_a_sources_columns_name_its_own_columns_by_contract_name(tmp_path: Path) -> None:
    text = MINIMAL.replace("path: data/registry_magazine.csv}",
                           "path: data/registry_magazine.csv, columns: {postal_code: ZIP, "
                           "subscriber_id: kundnummer}}")
    assert load_config(write(tmp_path, text)).sources[0].columns == {
        "postal_code": "ZIP", "subscriber_id": "kundnummer"}


def test_a_sources_default_country_is_kept_as_its_iso_code(tmp_path: Path) -> None:
    text = MINIMAL.replace("path: data/registry_magazine.csv}",
                           "path: data/registry_magazine.csv, default_country: Suomi}")
    config = load_config(write(tmp_path, text))
    assert [s.default_country for s in config.sources] == ["FI", None, None, None]


def test_an_orders_source_may_share_its_registrys_file(tmp_path: Path) -> None:
    text = MINIMAL.replace("path: data/orders.csv", "path: data/registry_magazine.csv")
    config = load_config(write(tmp_path, text))
    assert config.sources[0].path == config.sources[1].path


@pytest.mark.parametrize("written", ["file:///abs/web.jsonl", "/abs/../abs/web.jsonl"])
def test_one_file_written_two_ways_is_one_file(tmp_path: Path, written: str) -> None:
    text = MINIMAL.replace("path: data/online_profiles.jsonl", "path: /abs/web.jsonl") \
        .replace("path: /abs/social.jsonl", f"path: '{written}'")
    with pytest.raises(ConfigError) as error:
        load_config(write(tmp_path, text))
    assert (error.value.key, error.value.problem) == (
        "sources[3].path", f"{written} is read by sources[2] ('web') too: its rows would be "
        "taken in twice, as records of both")


def test_uris_are_kept_as_given(tmp_path: Path) -> None:
    text = MINIMAL.replace("./warehouse", "s3a://bucket/warehouse")
    assert load_config(write(tmp_path, text)).warehouse == "s3a://bucket/warehouse"


def test_sections_override_defaults(tmp_path: Path) -> None:
    text = (MINIMAL + "matching: {link_threshold: 0.9}\n"
            "blocking: {rules: [email_sha256, [last_name_norm, birth_date]]}\n")
    config = load_config(write(tmp_path, text))
    assert config.matching == MatchingConfig(link_threshold=0.9)
    assert config.blocking.rules == (("email_sha256",), ("last_name_norm", "birth_date"))


@pytest.mark.parametrize(
    ("text", "key", "problem"),
    [
        (MINIMAL + "colour: red\n", "colour", "unknown key"),
        # A misspelt key is named, not the key it was meant to be as missing.
        (MINIMAL.replace("format: csv, path: data/registry", "fromat: csv, path: data/registry"),
         "sources[0].fromat", "unknown key; did you mean 'format'?"),
        (MINIMAL.replace("kind: online", "kind: cookies"), "sources[2].kind", "'cookies'"),
        (MINIMAL.replace("format: csv, path: data/registry", "format: xls, path: data/registry"),
         "sources[0].format", "'xls'"),
        (MINIMAL.replace("registry: magazine, ", ""), "sources[1].registry", "orders need"),
        (MINIMAL.replace("registry: magazine", "registry: web"), "sources[1].registry",
         "not a registry"),
        (MINIMAL.replace("name: web", "name: magazine"), "sources[2].name", "used by two"),
        (MINIMAL + "matching: {link_threshold: high}\n", "matching.link_threshold",
         "expected float"),
        (MINIMAL + "matching: {threshold: 0.9}\n", "matching.threshold", "unknown key"),
        (MINIMAL + "matching: {link_threshold: 1.5}\n", "matching.link_threshold",
         "between 0 and 1"),
        (MINIMAL + "matching: {max_expected_namesakes: -0.1}\n",
         "matching.max_expected_namesakes", "0 (off) or more"),
        (MINIMAL + "matching: {max_namesakes_anywhere: -0.1}\n",
         "matching.max_namesakes_anywhere", "0 (off) or more"),
        (MINIMAL.replace("warehouse: ./warehouse\n", ""), "warehouse", "required"),
        ("warehouse: w\nsources: []\n", "sources", "non-empty list"),
        (MINIMAL.replace("path: /abs/social.jsonl", "paths: x"), "sources[3].paths",
         "did you mean 'path'?"),
        (MINIMAL.replace(", path: /abs/social.jsonl", ""), "sources[3].path", "required"),
        (MINIMAL + "blocking: {rules: [[email_sha256], [emial_sha256]]}\n", "blocking.rules[1]",
         "'emial_sha256' is no column of the standardized records"),
        (MINIMAL + "blocking: {max_block_size: 1}\n", "blocking.max_block_size",
         "expected at least 2, got 1"),
        (MINIMAL + "clustering: {max_cluster_size: -1}\n", "clustering.max_cluster_size",
         "expected at least 2, got -1"),
        (MINIMAL + "clustering: {max_iterations: 0}\n", "clustering.max_iterations",
         "expected at least 1, got 0"),
        (MINIMAL + "retention: {rejected_rows_days: 0}\n", "retention.rejected_rows_days",
         "expected at least 1, got 0"),
        (MINIMAL + "retention: {table_history_days: -1}\n", "retention.table_history_days",
         "expected at least 0, got -1"),
        (MINIMAL + "retention: {history_days: 3}\n", "retention.history_days", "unknown key"),
        (MINIMAL + "spark: {spark.jars: [a.jar, b.jar]}\n", "spark.spark.jars",
         "expected a single value"),
        (MINIMAL.replace("format: csv, path: data/registry", "format: csv, options: {sep: [';']},"
                         " path: data/registry"), "sources[0].options.sep",
         "expected a single value"),
        (on_social("date_order: us"), "sources[3].date_order",
         "'us': expected one of ['day_first', 'month_first']"),
        (on_social("columns: {username: user}"), "sources[3].columns.username",
         "no column of the social contract; expected one of ['platform', 'handle', "),
        (on_social("columns: {handle: [user]}"), "sources[3].columns.handle",
         "expected the source's name for the column (text), got ['user']"),
        (on_social("columns: {handle: user, display_name: user}"),
         "sources[3].columns.display_name",
         "'user' is already read as handle: a source column is read as one column"),
        (on_social("columns: user"), "sources[3].columns", "expected a mapping"),
        (on_social("default_country: Atlantis"), "sources[3].default_country",
         "'Atlantis': expected a country, as its ISO code (FI)"),
        (MINIMAL.replace("path: data/orders.csv", "path: data/orders.csv, default_country: FI"),
         "sources[1].default_country", "orders name no country"),
        (MINIMAL + "erasure_key: {secret: abc}\n", "erasure_key.secret",
         "the secret never goes in the repository"),
        (MINIMAL + "erasure_key: {secret_env: A, secret_file: b}\n", "erasure_key.secret_env",
         "give exactly one of secret_env, secret_file"),
        (MINIMAL + "erasure_key: {secret_env: 'no such name'}\n", "erasure_key.secret_env",
         "expected a variable name"),
        (MINIMAL + "erasure_key: {secret_envv: A}\n", "erasure_key.secret_envv", "unknown key"),
        (MINIMAL + "erasure_key: keyfile\n", "erasure_key", "expected a mapping"),
        (MINIMAL + "profiles: {survivorship: {city: most_recent}}\n",
         "profiles.survivorship.city", "is chosen as one, from one record: give its rule as "
         "`address: most_recent`"),
        (MINIMAL + "profiles: {survivorship: {phone: most_recent}}\n",
         "profiles.survivorship.phone", "unknown attribute; expected default or one of "
         "['first_name', 'last_name', 'birth_date', 'gender', 'phone_e164', 'email', 'address']"),
        (MINIMAL + "profiles: {source_priority: [magazine, wbe]}\n",
         "profiles.source_priority[1]", "'wbe' is not a configured source; expected one of "
         "['magazine', 'magazine_orders', 'web', 'social']"),
        (MINIMAL + "profiles: {source_priority: [web, magazine, web]}\n",
         "profiles.source_priority[2]", "'web' is listed twice"),
        (MINIMAL + "profiles: {source_priority: web}\n", "profiles.source_priority",
         "expected a list of configured source names"),
        # One file for two sources: its rows would be two sources' records, linked to themselves.
        (MINIMAL.replace("path: /abs/social.jsonl", "path: data/./online_profiles.jsonl"),
         "sources[3].path", "online_profiles.jsonl is read by sources[2] ('web') too: its rows "
         "would be taken in twice, as records of both"),
    ],
)
def test_errors_name_file_key_and_expectation(tmp_path: Path, text: str, key: str,
                                              problem: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert error.value.file == str(path)
    assert error.value.key == key
    assert problem in error.value.problem
    assert str(path) in str(error.value)


def test_the_erasure_key_is_named_not_held(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_config(write(tmp_path, MINIMAL)).erasure_key is None
    config = load_config(write(tmp_path, MINIMAL + "erasure_key: {secret_file: keys/erasure}\n"))
    assert config.erasure_key == SecretRef(file=str(tmp_path.resolve() / "keys/erasure"))
    with pytest.raises(SecretError, match=r"^erasure_key: secret file .*erasure cannot be read"):
        config.erasure_key.read("erasure_key")
    config = load_config(write(tmp_path, MINIMAL + "erasure_key: {secret_env: IDRES_EK}\n"))
    monkeypatch.setenv("IDRES_EK", "  " + "k" * 32 + "\n")
    assert config.erasure_key is not None and config.erasure_key.read("x") == b"k" * 32
    monkeypatch.setenv("IDRES_EK", "k" * 31)
    with pytest.raises(SecretError, match="^x: environment variable IDRES_EK holds fewer than "
                                          "32 characters$"):
        config.erasure_key.read("x")


def test_unreadable_and_invalid_yaml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot be read"):
        load_config(tmp_path / "absent.yaml")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(write(tmp_path, "warehouse: [unclosed\n"))


def test_shipped_demo_config_is_valid() -> None:
    config = load_config(Path(__file__).resolve().parent.parent / "conf" / "demo.yaml")
    assert [s.kind for s in config.sources].count("registry") == 2
    assert config.ground_truth is not None


def test_demo_configuration_shows_the_defaults() -> None:
    from pathlib import Path

    from jobs.config import (
        BlockingConfig,
        ClusteringConfig,
        MatchingConfig,
        RetentionConfig,
        load_config,
    )

    config = load_config(Path(__file__).resolve().parent.parent / "conf" / "demo.yaml")
    assert (config.blocking, config.matching, config.clustering, config.retention) == (
        BlockingConfig(), MatchingConfig(), ClusteringConfig(), RetentionConfig())
    from jobs.comparisons import DEFAULT_COMPARISONS

    assert config.comparisons == DEFAULT_COMPARISONS
    assert [s.name for s in config.sources] == [
        "magazine", "magazine_orders", "cable", "cable_orders", "web", "social"]


def test_comparisons_override_and_drop(tmp_path: Path) -> None:
    from jobs.comparisons import DEFAULT_COMPARISONS, Comparison, Condition, Level

    text = MINIMAL + ("comparisons:\n  gender: false\n  phone:\n"
                      "    - exact: exact\n    - close: [{levenshtein: 2}]\n")
    config = load_config(write(tmp_path, text))
    assert config.comparisons is not None
    by_name = {c.name: c for c in config.comparisons}
    assert "gender" not in by_name
    assert by_name["phone"] == Comparison("phone", (
        Level("exact", (Condition("exact"),)), Level("close", (Condition("levenshtein", 2.0),))))
    assert by_name["phone"].spec.levels == ("else", "close", "exact")
    assert [c.name for c in config.comparisons] == [
        c.name for c in DEFAULT_COMPARISONS if c.name != "gender"]


@pytest.mark.parametrize(
    ("body", "key", "problem"),
    [
        ("  colour:\n    - exact: exact\n", "comparisons.colour", "unknown key"),
        ("  phone:\n    - exact: [soundex]\n", "comparisons.phone", "unknown condition 'soundex'"),
        ("  first_name:\n    - fuzzy: [{jaro_winkler: 1.5}]\n", "comparisons.first_name",
         "needs a number in [0.5, 1.0]"),
        ("  first_name:\n    - fuzzy: [{jaro_winkler: high}]\n", "comparisons.first_name",
         "needs a number"),
        ("  email:\n    - exact: [{exact: 1}]\n", "comparisons.email", "takes no parameter"),
        ("  email:\n    - else: [exact]\n", "comparisons.email", "not 'else'"),
    ],
)
def test_bad_comparisons_name_the_key(tmp_path: Path, body: str, key: str, problem: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, MINIMAL + "comparisons:\n" + body))
    assert caught.value.key == key
    assert problem in caught.value.problem


@pytest.mark.parametrize("argv", [["-v", "run", "--conf", "nosuch.yaml"],
                                  ["run", "--conf", "nosuch.yaml", "-v"]])
def test_verbose_logs_the_jobs_own_steps_and_not_py4js_queries(argv: list[str]) -> None:
    """-v, before the command or after it, turns on the job's debug lines only: py4j's had
    quoted every query, names of people's records among the values some of them list."""
    import subprocess
    import sys

    probe = ("import logging, sys; from jobs import cli; code = cli.main(sys.argv[1:]); "
             "print(code, logging.getLogger('jobs.pipeline').isEnabledFor(logging.DEBUG), "
             "logging.getLogger('py4j').isEnabledFor(logging.DEBUG))")
    done = subprocess.run([sys.executable, "-c", probe, *argv], capture_output=True,
                          text=True, check=True)
    assert done.stdout.split() == ["2", "True", "False"], done.stderr


@pytest.mark.parametrize(("decisions", "key", "problem"), [
    ("[{records: [magazine/M1, web/p1], decision: must_link},"
     " {records: [web/p1, magazine/M1], decision: cannot_link}]", "link_decisions",
     "link_decisions[0] and link_decisions[1]: magazine/M1 and web/p1 are declared both "
     "must_link and cannot_link; keep one"),
    ("[{records: [magazine/M1, magazine/M1], decision: cannot_link}]", "link_decisions",
     "link_decisions[0]: 'magazine/M1' twice: a decision pairs two records"),
    ("[{records: [magazine_orders/O1, web/p1], decision: must_link}]",
     "link_decisions[0].records",
     "'magazine_orders/O1': 'magazine_orders' is a source of orders, which are no records; a "
     "decision pairs records of magazine, social, web"),
    ("[{records: [web/p1, nosuch/1], decision: must_link}]", "link_decisions[0].records",
     "'nosuch/1': 'nosuch' is no source; a decision pairs records of magazine, social, web"),
])
def test_link_decisions_that_cannot_all_hold_are_refused(tmp_path: Path, decisions: str,
                                                         key: str, problem: str) -> None:
    path = write(tmp_path, MINIMAL + f"link_decisions: {decisions}\n")
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert (raised.value.file, raised.value.key, raised.value.problem) == (str(path), key, problem)
    # The same decision twice, in either order, is one decision.
    same = ("[{records: [magazine/M1, web/p1], decision: must_link},"
            " {records: [web/p1, magazine/M1], decision: must_link}]")
    assert load_config(write(tmp_path, MINIMAL + f"link_decisions: {same}\n")).link_decisions \
        == (("magazine/M1", "web/p1", "must_link"), ("web/p1", "magazine/M1", "must_link"))


def test_a_warehouse_that_is_no_text_is_named_as_given(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        load_config(write(tmp_path, MINIMAL.replace("warehouse: ./warehouse", "warehouse: 5")))
    assert (raised.value.key, raised.value.problem) == (
        "warehouse", "5: expected the root folder of the tables as text (a path or URI)")
    with pytest.raises(ConfigError) as raised:
        load_config(write(tmp_path, MINIMAL.replace("warehouse: ./warehouse\n", "")))
    assert (raised.value.key, raised.value.problem) == (
        "warehouse", "required, expected the root folder of the tables")
