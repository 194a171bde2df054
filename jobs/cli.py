"""Command line: `python -m jobs <command>`. Argument parsing and the human summary only."""

from __future__ import annotations

import argparse
import logging
import re
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from jobs.config import Config, ConfigError, load_config, local_path

log = logging.getLogger("jobs")

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2
EXIT_INTERRUPTED = 130  # as a shell reports a command stopped by Ctrl-C
EXIT_TERMINATED = 143  # and one stopped by SIGTERM
STAGE_COMMANDS = ("run", "ingest", "resolve", "profiles", "segments", "exports", "train")


def _run_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected YYYY-MM-DD, got {text!r}") from exc


# Run ids name folders and files (reports/run-<id>.html, exports/<partner>/<id>/).
_RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def _run_id(text: str) -> str:
    if not _RUN_ID.match(text):
        raise argparse.ArgumentTypeError(
            f"{text!r}: expected letters, digits, '.', '_' or '-', starting with a letter or "
            "digit (it names files and folders)")
    return text


def _add_identifier_options(parser: argparse.ArgumentParser,
                            group: argparse._MutuallyExclusiveGroup) -> None:
    """The identifiers a customer is found by (lookup, erase): exactly one is given."""
    group.add_argument("--email")
    group.add_argument("--phone", help="any format; a national number (040 1234567) needs "
                                       "--country where it fits several countries")
    parser.add_argument("--country", help="country of a --phone written without its country "
                                          "code: ISO code or name (FI, Finland, DE, ...)")
    group.add_argument("--handle", help="platform:handle (lookup: a handle alone is looked up "
                                        "on every platform)")
    group.add_argument("--cookie", help="an online profile id")
    group.add_argument("--subscriber", help="registry source:subscriber_id")


def _demo_persons(text: str) -> int:
    """argparse type: a number of demo persons, at least demo_data.MIN_PERSONS (100)."""
    from jobs.demo_data import MIN_PERSONS

    try:
        persons = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if persons < MIN_PERSONS:
        raise argparse.ArgumentTypeError(f"at least {MIN_PERSONS} persons, got {persons}")
    return persons


DESCRIPTION = ("Identity resolution: links registries, online profiles and social accounts "
               "into customers (Fellegi-Sunter matching on Spark), written to Delta tables. "
               "`python -m jobs <command> -h` tells each command's options.")
VERBOSE_HELP = ("debug logging of the job's own steps (py4j's and Spark's stay at their usual "
                "level: their debug lines quote the queries, values of people's records among "
                "them)")


def _days(n: float) -> str:
    return f"{n:g} day" if n == 1 else f"{n:g} days"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m jobs", description=DESCRIPTION)
    parser.add_argument("-v", "--verbose", action="store_true", help=VERBOSE_HELP)
    # Also after the command (`run --conf X -v`); SUPPRESS keeps a -v given before it.
    verbose = argparse.ArgumentParser(add_help=False)
    verbose.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                         help=VERBOSE_HELP)
    commands = parser.add_subparsers(dest="command", required=True)
    helps = {
        "run": "run the whole pipeline: ingest, resolve, profiles, evaluate against the ground "
               "truth (when configured), then segments and exports (when segments.yaml and "
               "partners.yaml sit beside the configuration)",
        "ingest": "read, validate and standardize the sources",
        "resolve": "block, compare, score and cluster the standardized records",
        "profiles": "build customer profiles and the identifier index",
        "segments": "evaluate the segment rules (segments.yaml beside the configuration)",
        "exports": "export consented segment members to partners (partners.yaml beside it)",
        "train": "re-estimate the matching model (u, m by EM) and store it, then resolve "
                 "and build the profiles",
    }
    for name in STAGE_COMMANDS:
        command = commands.add_parser(name, help=helps[name], parents=[verbose])
        command.add_argument("--conf", required=True, type=Path, help="configuration YAML")
        command.add_argument("--run-date", type=_run_date, default=None,
                             help="logical date of the run, YYYY-MM-DD (default: today, UTC)")
        command.add_argument("--run-id", type=_run_id, default=None,
                             help="run id (default: the run date, so a re-run replaces itself)")
        command.add_argument("--allow-empty", "--allow-shrink", action="append", default=[],
                             metavar="SOURCE", dest="allow_empty",
                             help="a source that may read no rows, or under half the rows, the "
                                  "previous run accepted (repeat for several)")
        command.add_argument("--allow-unfinished", action="store_true",
                             help="go on although the run that last wrote the crosswalk "
                                  "stopped before its id events (they stay unrecorded)")
        command.add_argument("--allow-earlier-date", action="store_true",
                             help="run a date before the warehouse's latest run (its tables go "
                                  "back to that date's state)")
        command.add_argument("--mode", choices=("full", "incremental"), default="full",
                             help="incremental: compare only pairs with a new or changed record "
                                  "and reuse the previous run's stored pairs (default: full)")
    explain = commands.add_parser("explain", help="why two records are (not) linked",
                                  parents=[verbose])
    explain.add_argument("record_a", help="source/source_record_id, e.g. magazine/M000123")
    explain.add_argument("record_b")
    explain.add_argument("--conf", required=True, type=Path, help="configuration YAML")
    look = commands.add_parser("lookup", parents=[verbose],
                               help="a customer's profile by any identifier (JSON)")
    look.add_argument("--conf", required=True, type=Path, help="configuration YAML")
    by = look.add_mutually_exclusive_group(required=True)
    _add_identifier_options(look, by)
    by.add_argument("--customer-id", help="a customer id, followed to the one it was merged "
                                          "into where it was")
    erase = commands.add_parser(
        "erase", help="erase a customer from every table and file on request (GDPR Art. 17)",
        parents=[verbose])
    erase.add_argument("--conf", required=True, type=Path, help="configuration YAML")
    whom = erase.add_mutually_exclusive_group(required=True)
    _add_identifier_options(erase, whom)
    whom.add_argument("--customer-id", help="a customer id (also completes an interrupted "
                                            "erasure of that customer)")
    erase.add_argument("--request-id", default=None,
                       help="the erasure's id (default: erase-<UTC time>)")
    maintain = commands.add_parser(
        "maintain", help="retention: delete old rejected rows, vacuum old table versions",
        parents=[verbose])
    maintain.add_argument("--conf", required=True, type=Path, help="configuration YAML")
    maintain.add_argument("--run-date", type=_run_date, default=None,
                          help="the date retention counts back from, YYYY-MM-DD (default: "
                               "today, UTC)")
    demo = commands.add_parser("demo-data", help="generate the synthetic demo sources",
                               parents=[verbose])
    demo.add_argument("--out", required=True, type=Path)
    demo.add_argument("--persons", type=_demo_persons, default=10_000,
                      help="how many persons (at least 100; default 10000)")
    demo.add_argument("--seed", type=int, default=42)
    demo.add_argument("--name-variety", type=int, default=1,
                      help="times as many first names and surnames per country (default 1)")
    demo.add_argument("--personal-ips", action="store_true",
                      help="visits from home come from the person's own IP, not the household's")
    return parser


def _first_ten(columns: list[str]) -> str:
    """The first ten of a source's columns, and " ..." where there are more."""
    return ", ".join(columns[:10]) + (" ..." if len(columns) > 10 else "")


def _summary(ctx: object) -> str:
    from jobs.pipeline import RunContext

    assert isinstance(ctx, RunContext)
    lines = [f"Run {ctx.run_id} (run date {ctx.run_date}), warehouse {ctx.warehouse}", ""]
    sources = [s.name for s in ctx.config.sources]
    if ctx.value("ingest", "read", sources[0]) is not None:
        lines.append(f"{'source':<20}{'read':>10}{'accepted':>10}{'rejected':>10}  top reasons")
        for name in sources:
            read = ctx.value("ingest", "read", name) or 0
            accepted = ctx.value("ingest", "accepted", name) or 0
            rejected = ctx.value("ingest", "rejected", name) or 0
            reasons = sorted(
                ((m.split(":", 1)[1], v) for s, src, m, v in ctx.metrics
                 if s == "ingest" and src == name and m.startswith("rejected:")),
                key=lambda item: -item[1],
            )[:3]
            top = ", ".join(f"{r} {v:.0f}" for r, v in reasons)
            lines.append(f"{name:<20}{read:>10.0f}{accepted:>10.0f}{rejected:>10.0f}  {top}")
        for name in sources:
            for stage, what in (("ingest", "records kept without an unreadable value"),
                                ("standardize", "values left out (not usable)")):
                dropped = sorted(((m.split(":", 1)[1], v) for s, src, m, v in ctx.metrics
                                  if s == stage and src == name and m.startswith("dropped:")),
                                 key=lambda item: -item[1])
                if dropped:
                    lines.append(f"  {name}: {what}: "
                                 + ", ".join(f"{r} {v:.0f}" for r, v in dropped))
        missing = ctx.notes.get("missing_columns", {})
        assert isinstance(missing, dict)
        for name in ctx.notes.get("month_first", []):  # type: ignore[attr-defined]
            lines.append(f"  {name}: dates like 03/04/1985 read month first (its date_order, "
                         "or its files show only that order)")
        unused = ctx.notes.get("unused_columns", {})
        assert isinstance(unused, dict)
        for name, columns in missing.items():
            if columns:
                others = unused.get(name) or []
                hint = (f" (its columns the job does not read: {_first_ten(others)}; "
                        "the source's `columns` can read one as a contract column)"
                        if others else "")
                lines.append(f"  {name}: columns absent, read as empty: {', '.join(columns)}"
                             f"{hint}")
        for name, others in unused.items():
            if others and not missing.get(name):  # with a column absent, said above
                lines.append(f"  {name}: columns the job does not read: {_first_ten(others)}")
        lines.append("")
    for stage, metric, label in (
        ("block", "records", "standardized records"),
        ("block", "candidate_pairs", "candidate pairs compared anew"
         if ctx.value("block", "changed_records") is not None else "candidate pairs"),
        ("block", "oversized_blocks", "blocking values too common to use"),
        ("score", "links", "links above threshold"),
        ("cluster", "clusters", "clusters (customers)"),
        ("cluster", "ids_created", "customer ids created (split ones too)"
         if ctx.value("cluster", "ids_split") else "customer ids created"),
        ("cluster", "ids_merged", "customer ids merged into another"),
        ("cluster", "ids_split", "customers split off"),
        ("cluster", "ids_retired", "customer ids retired (records gone)"),
    ):
        value = ctx.value(stage, metric)
        if value is not None:
            lines.append(f"{label:<36}{value:>12,.0f}")
    contacts = ctx.notes.get("contact_sources")
    if isinstance(contacts, list):
        lines.append("household veto (sources with contact details): "
                     + (", ".join(contacts) if contacts else "none, the score decides"))
    if ctx.value("cluster", "birth_date_guard") == 0.0:
        lines.append("birth-date cluster guard: off (matches often disagree on birth dates)")
    sharing = ctx.notes.get("ip_sharing")
    if isinstance(sharing, tuple) and sharing[0]:
        ips, shared, personal = sharing
        lines.append(f"IPs seen with two logins: {ips:,}, {shared:,} of them two people's: "
                     + ("a shared IP links" if personal else "a shared IP does not link alone"))
    sizes = ctx.notes.get("cluster_sizes")
    if isinstance(sizes, list) and sizes:
        shown = ", ".join(f"{size}: {count}" for size, count in sizes[:8])
        more = f" ... largest {sizes[-1][0]}" if len(sizes) > 8 else ""
        lines.append(f"cluster sizes (size: clusters)  {shown}{more}")
    precision = ctx.value("evaluate", "precision")
    if precision is not None:
        lines.append("")
        lines.append(
            f"accuracy vs ground truth: precision {precision:.4f}  recall "
            f"{ctx.value('evaluate', 'recall'):.4f}  F1 {ctx.value('evaluate', 'f1'):.4f}"
        )
    by_pair = ctx.notes.get("accuracy_by_source_pair")
    if isinstance(by_pair, list) and by_pair:
        lines.append(f"  {'sources':<24}{'precision':>10}{'recall':>9}{'true pairs':>12}")
        for pair, p, r, n in by_pair:
            shown_p = "-" if p is None else f"{p:.4f}"
            shown_r = "-" if r is None else f"{r:.4f}"
            lines.append(f"  {pair:<24}{shown_p:>10}{shown_r:>9}{n:>12,}")
    segments = ctx.notes.get("segments")
    if isinstance(segments, list) and segments:
        lines.append("")
        lines.append(f"{'segment':<44}{'members':>10}{'change':>10}")
        for item in segments:
            change = "new" if item.change is None else f"{item.change:+,}"
            lines.append(f"{item.segment:<44}{item.size:>10,}{change:>10}")
    exports = ctx.notes.get("exports")
    if isinstance(exports, list) and exports:
        lines.append("")
        for export in exports:
            sent = ", ".join(f"{k} {v:,}" for k, v in export.exported.items()) or "nothing"
            held = ", ".join(f"{k} ({v})" for k, v in export.withheld.items())
            lines.append(f"partner {export.partner}: {sent}"
                         + (f"; withheld under k: {held}" if held else "")
                         + f"; withdrawals {export.withdrawals}")
    report = ctx.notes.get("report")
    if report:
        lines.append("")
        lines.append(f"run report: {report}")
    lines.append("")
    lines.append("time per stage: " + ", ".join(f"{k} {v:.1f}s" for k, v in ctx.timings.items()))
    return "\n".join(lines)


def _stage_command(args: argparse.Namespace, config: Config) -> int:
    from jobs.erasure_keys import check_erasure_key
    from jobs.exports import exports_stage, partners_file
    from jobs.pipeline import (
        RunContext,
        evaluate_stage,
        ingest_stage,
        link_decisions,
        profiles_stage,
        record_metrics,
        resolve_stage,
        stored_model,
    )
    from jobs.run_history import (
        earlier_runs_sorting_after,
        later_runs,
        unfinished_run,
        vacuumed_before_run,
    )
    from jobs.segments import check_conditions, segments_file, segments_stage
    from jobs.source_files import check_local_sources
    from jobs.spark import get_spark

    if args.command in ("run", "ingest"):
        check_local_sources(config.sources, config.file)
    truth = local_path(config.ground_truth) if config.ground_truth else None
    if truth is not None and not truth.is_file():
        # Read after the crosswalk is written: found missing then, it left profiles unwritten.
        raise ConfigError(config.file, "ground_truth", f"no such file: {config.ground_truth}")
    run_date = args.run_date or datetime.now(UTC).date()
    run_id = args.run_id or run_date.isoformat()
    unknown = sorted(set(args.allow_empty) - {s.name for s in config.sources})
    if unknown:
        raise ConfigError(config.file, "sources",
                          f"--allow-empty/--allow-shrink {unknown[0]}: no such source")
    later = later_runs(config.warehouse, run_id, run_date)
    if later and not args.allow_earlier_date:
        latest, when = later[-1]
        raise ConfigError(config.file, "warehouse", (
            f"holds run {latest} of {when}, after {run_date}: this run would put its "
            f"crosswalk, profiles and customer ids back to {run_date}; run dates in order, "
            "or add --allow-earlier-date"))
    unfinished = unfinished_run(config.warehouse)
    if unfinished is not None and unfinished != run_id and args.command in (
            "run", "ingest", "resolve", "train") and not args.allow_unfinished:
        raise ConfigError(config.file, "warehouse", (
            f"run {unfinished} wrote the crosswalk and stopped before it recorded its metrics "
            f"(its customer id events may be missing too): run it again first (--run-id "
            f"{unfinished} with its --run-date), or its merges and splits may never be "
            "recorded; add --allow-unfinished to go on without them"))
    if args.command in ("run", "resolve", "train"):
        gone = vacuumed_before_run(config.warehouse, run_id)
        if gone:
            raise ConfigError(config.file, "warehouse", (
                f"run {run_id} cannot run again: {', '.join(gone)} as it was before the run "
                "is gone, vacuumed by maintain (retention.table_history_days); its results "
                "stand. To change them, run the next date"))
    misordered = earlier_runs_sorting_after(config.warehouse, run_id, run_date)
    if misordered:
        other, when = misordered[-1]
        raise ConfigError(config.file, "warehouse", (
            f"holds run {other} of {when}, whose id sorts after {run_id!r}: runs are ordered "
            f"by their ids (which customer id is older, which export a withdrawal follows), so "
            f"ids must sort as their dates do; give --run-id one that sorts after {other!r}"
            + (f" (such as {run_date.isoformat()}, the default)"
               if run_date.isoformat() > other else "")))
    _check_segments_and_partners(args.command, config)
    if args.command in ("run", "resolve"):
        stored_model(config)  # raises StaleModelError before anything changes
    keying = None
    if args.command in ("run", "ingest"):
        keying = check_erasure_key(config)  # its secret read, the stored keys' checked
    spark = get_spark("idres-" + args.command, config.spark)
    ctx = RunContext(spark=spark, config=config, run_date=run_date, run_id=run_id,
                     allow_empty=tuple(args.allow_empty), erasure_keying=keying)
    if args.command == "run" and segments_file(ctx).is_file():
        check_conditions(spark, segments_file(ctx))  # before any stage writes
    if args.command in ("run", "resolve", "train"):
        link_decisions(spark, config)  # the table's rows checked, before any stage writes
    if args.command in ("run", "ingest"):
        ingest_stage(ctx)
    if args.command in ("run", "resolve", "train"):
        resolve_stage(ctx, retrain=args.command == "train",
                      incremental=args.mode == "incremental", on_its_own=args.command == "resolve")
    if args.command in ("run", "profiles", "train"):
        # After `train` too: profiles of the crosswalk before it would not match the new one.
        profiles_stage(ctx, on_its_own=args.command == "profiles")
    if args.command in ("run", "resolve", "train"):
        evaluate_stage(ctx)
    # `run` includes segments and exports when their files sit beside the configuration.
    if args.command == "segments" or (args.command == "run" and segments_file(ctx).is_file()):
        segments_stage(ctx)
    if args.command == "exports" or (args.command == "run" and partners_file(ctx).is_file()):
        exports_stage(ctx)
    record_metrics(ctx)
    print(_summary(ctx))
    return EXIT_OK


def _check_segments_and_partners(command: str, config: Config) -> None:
    """Reads the segment rules and partners (and each partner's secret) that the command will
    use, before Spark starts: a missing secret or a broken rule had stopped `run` only at its
    last stage, after it had replaced the crosswalk and profiles."""
    from jobs.exports import PARTNERS_FILE, load_partners, read_secret
    from jobs.segments import SEGMENTS_FILE, load_segments

    folder = Path(config.file).resolve().parent
    segments, partners = folder / SEGMENTS_FILE, folder / PARTNERS_FILE
    if command == "segments" or (command == "run" and segments.is_file()):
        load_segments(segments)
    if command == "exports" or (command == "run" and partners.is_file()):
        rules = load_segments(segments)
        for partner in load_partners(partners, {rule.name for rule in rules}):
            read_secret(partner)


def _unknown_registry(args: argparse.Namespace, config: Config) -> str | None:
    """What is wrong with a `--subscriber` whose source is no registry of the configuration
    (None when it is one, or none is given): told as bad input, not as nobody found."""
    if getattr(args, "subscriber", None) is None:
        return None
    registries = sorted(s.name for s in config.sources_of("registry"))
    text = args.subscriber.strip()
    named = text.partition(":" if ":" in text else "/")[0].strip()
    if not named or named.lower() in registries:
        return None  # a value without a source: normalize_identifier says what it expects
    return (f"--subscriber: {named!r} is no registry source of the configuration "
            f"({', '.join(registries)})")


def _lookup_command(args: argparse.Namespace, config: Config) -> int:
    from jobs.lookup import (
        IDENTIFIER_TYPES,
        LookupError_,
        current_customer_ids,
        customer_profiles,
        lookup,
        to_json,
    )

    if args.customer_id is not None:
        try:
            ids, note = current_customer_ids(config.warehouse, args.customer_id)
        except LookupError_ as exc:
            print(f"lookup error: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
        print(f"customer id {note}", file=sys.stderr)
        if not ids:
            return EXIT_FAILED
        print(to_json(customer_profiles(config.warehouse, ids)))
        return EXIT_OK
    kind = next(k for k in IDENTIFIER_TYPES if getattr(args, k) is not None)
    unknown = _unknown_registry(args, config)
    if unknown:
        print(f"lookup error: {unknown}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        profiles = lookup(config.warehouse, kind, getattr(args, kind), args.country)
    except LookupError_ as exc:
        print(f"lookup error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if not profiles:
        print(f"no customer holds that {kind}", file=sys.stderr)
        return EXIT_FAILED
    if len(profiles) > 1 and kind == "handle" and ":" not in args.handle:
        print(f"{len(profiles)} customers hold that handle, on one platform or another: each "
              "is another person; give platform:handle for one", file=sys.stderr)
    elif len(profiles) > 1:
        print(f"{len(profiles)} customers hold that {kind} (a household's, shared): each is "
              "another person", file=sys.stderr)
    print(to_json(profiles))
    return EXIT_OK


def _erase_command(args: argparse.Namespace, config: Config) -> int:
    from jobs.config import SecretError
    from jobs.erasure_keys import ErasureKeyError, check_erasure_key, erasures_of
    from jobs.lookup import IDENTIFIER_TYPES, LookupError_, normalize_identifier
    from jobs.privacy import (
        ErasureError,
        erase,
        find_customers,
        known_customers,
        rejected_rows_holding,
    )
    from jobs.spark import get_spark

    requested_at = datetime.now(UTC).replace(microsecond=0)
    request_id = args.request_id or f"erase-{requested_at:%Y%m%dT%H%M%SZ}"
    if "/" in request_id or request_id in ("", ".", ".."):
        print(f"erase: request id {request_id!r} cannot name a folder", file=sys.stderr)
        return EXIT_BAD_INPUT
    identifier = None
    unknown = _unknown_registry(args, config)
    if unknown:
        print(f"erase: {unknown}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        if args.customer_id is not None:
            kind = "customer id"
        else:  # read before Spark starts: an identifier that cannot be one stops at once
            kind = next(k for k in IDENTIFIER_TYPES if getattr(args, k) is not None)
            identifier = normalize_identifier(kind, getattr(args, kind), country=args.country)
        keying = check_erasure_key(config)
        spark = get_spark("idres-erase", config.spark)
        if identifier is None:
            customers = known_customers(spark, config.warehouse, [args.customer_id.strip()])
        else:
            customers = find_customers(spark, config.warehouse, identifier)
    except (LookupError_, ErasureError, SecretError, ErasureKeyError) as exc:
        print(f"erase: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    held = 0
    if not customers and identifier is not None:
        # A person none of whose rows was accepted: only rejected rows hold them.
        held = rejected_rows_holding(spark, config.warehouse, identifier, keying)
    if not customers and not held:
        print(f"no customer and no rejected row holds that {kind}: nothing erased",
              file=sys.stderr)
        return EXIT_FAILED
    registries = {s.name: s.registry or "" for s in config.sources_of("orders")}
    try:
        result = erase(spark, config.warehouse, customers, request_id, requested_at,
                       registries, identifier, keying)
    except Exception as exc:  # Spark, Delta or the file system: say how to finish the work
        first_line = (str(exc).splitlines() or [type(exc).__name__])[0][:300]
        print(f"erase {request_id} failed: {first_line}", file=sys.stderr)
        for customer in customers:
            print(f"  finish it with: python -m jobs erase --conf {args.conf} --customer-id "
                  f"{customer}", file=sys.stderr)
        return EXIT_FAILED
    removed_nothing = not (result.records or result.orders or result.identifiers
                           or any(result.rows_removed.values()) or result.notices
                           or result.partner_files_rewritten or result.files_vacuumed)
    if removed_nothing and result.customers:
        # Asked again: an earlier erasure removed it all, and this one found nothing left.
        earlier = erasures_of(config.warehouse, keying, customer_ids=result.customers)
        print("\n".join(f"Erasure {result.request_id}: customer {c} was erased before"
                        + (f" (erasure {earlier[c]})" if c in earlier else "")
                        + "; nothing of theirs was left to remove" for c in result.customers))
        return EXIT_OK
    whom = (f"{len(result.customers)} customer(s) ({', '.join(result.customers)})"
            if result.customers else f"no customer holds that {kind}; {held} rejected row(s) did")
    lines = [f"Erasure {result.request_id}: {whom}, {result.records} records, "
             f"{result.orders} orders, {result.identifiers} identifier key(s)",
             "rows removed: " + (", ".join(f"{t} {n:,}" for t, n in result.rows_removed.items()
                                           if n) or "none")]
    for partner, (file, keys) in result.notices.items():
        lines.append(f"partner {partner}: {keys} match key(s) to delete, listed in {file}")
    if result.partner_files_rewritten:
        lines.append(f"partner file sets rewritten without the keys: "
                     f"{result.partner_files_rewritten}")
    lines.append(f"old table files removed (vacuum): {result.files_vacuumed:,}")
    lines.append("later runs reject these records as `erased` while a source still holds "
                 "them, and keep no raw text of a rejected row holding these identifiers")
    if keying.secret is None:
        lines.append("warning: no erasure_key is configured, so the erasures table holds "
                     "unkeyed SHA-256 keys: whoever reads the warehouse can test whether a given "
                     "record id or phone number was erased (README \"Erasure on request\")")
    print("\n".join(lines))
    return EXIT_OK


def _maintain_command(args: argparse.Namespace, config: Config) -> int:
    from jobs.maintenance import maintain
    from jobs.spark import get_spark

    as_of = args.run_date or datetime.now(UTC).date()
    spark = get_spark("idres-maintain", config.spark)
    result = maintain(spark, config.warehouse, as_of, config.retention)
    retention = config.retention
    lines = [f"Maintenance as of {as_of}",
             f"rejected rows of runs dated before {result.cutoff} "
             f"({_days(retention.rejected_rows_days)}): {result.rejected_rows_deleted:,} deleted, "
             f"of {len(result.runs_pruned)} run(s)"
             + (f" ({', '.join(result.runs_pruned)})" if 0 < len(result.runs_pruned) <= 5
                else ""),
             f"segment memberships and partner exports of runs dated before "
             f"{result.segment_cutoff} ({_days(retention.segment_history_days)}, the latest kept): "
             f"{result.membership_rows_deleted:,} membership rows of "
             f"{len(result.membership_runs_pruned)} run(s), {result.export_rows_deleted:,} export "
             f"rows and {result.export_folders_removed} partner file set(s) of "
             f"{len(result.export_runs_pruned)} partner run(s) deleted",
             f"old table files removed (vacuum, {_days(retention.table_history_days)} of history "
             f"kept): {result.files_removed:,}"]
    if result.undated_runs:
        lines.append(f"kept: rejected rows of {len(result.undated_runs)} run(s) with no date "
                     f"(no run_metrics, a run id that is no date): "
                     f"{', '.join(result.undated_runs[:5])}")
    print("\n".join(lines))
    return EXIT_OK


def record_id_of(text: str, sources: set[str]) -> str | None:
    """Returns the record id (source/source_record_id) a user wrote as `source/id` or, as
    `lookup` and `erase` take a subscriber, `source:id`; None unless its source is one of
    `sources` and an id follows."""
    source, key = _source_and_key(text)
    return f"{source}/{key}" if source in sources and key else None


def _source_and_key(text: str) -> tuple[str, str]:
    """The source and the source's record id a user wrote as `source/id` or `source:id`."""
    text = text.strip()
    source, _, key = text.partition("/" if "/" in text else ":")
    return source.strip(), key.strip()


def _account(source_record_id: str) -> tuple[str, str]:
    """A social record id's platform and handle as the platforms read them (lookup's)."""
    from jobs.lookup import account_parts

    platform, _, handle = source_record_id.partition(":")
    return account_parts(platform, handle)


def _social_record(stored: Any, record: str) -> str | None:
    """The record id of the social account `record` (source/platform:handle) names, written
    otherwise (case, a leading @); None unless exactly one stored record is that account."""
    import pyarrow.compute as pc

    source, _, key = record.partition("/")
    ids = stored.to_table(filter=pc.field("source") == source,
                          columns=["record_id"]).column("record_id").to_pylist()
    same = [r for r in ids if _account(r.partition("/")[2]) == _account(key)]
    return same[0] if len(same) == 1 else None


def _explain_command(args: argparse.Namespace, config: Config) -> int:
    import pyarrow.compute as pc

    from jobs import table_names as tables
    from jobs.config import SecretError
    from jobs.erasure_keys import ErasureKeyError, configured_keying, erasures_of
    from jobs.pipeline import (
        RunContext,
        StaleModelError,
        explain_records,
        no_standardized_record,
        stored_model,
    )
    from jobs.run_history import table_dataset
    from jobs.spark import get_spark

    # Orders are no records: they follow their registry record.
    sources = {s.name for s in config.sources if s.kind != "orders"}
    orders = {s.name: s.registry for s in config.sources_of("orders")}
    records = [record_id_of(record, sources) for record in (args.record_a, args.record_b)]
    for given, record in zip((args.record_a, args.record_b), records, strict=True):
        if record is None:  # told before Spark starts
            order_source = (record_id_of(given, set(orders)) or "").partition("/")[0]
            named, key = _source_and_key(given)
            if order_source:
                why = (f"an order of {order_source} is no record; name its subscriber's record "
                       f"in {orders[order_source]}")
            elif named and key and named not in sources:
                # A source taken out of the configuration, or a mistyped one.
                why = (f"{named!r} is no source of {config.file} (its sources of "
                       f"records: {', '.join(sorted(sources))})")
            else:
                why = ("expected source/source_record_id (or source:source_record_id) with a "
                       f"source of records ({', '.join(sorted(sources))})")
            print(f"explain: {given!r} is no record id: {why}", file=sys.stderr)
            return EXIT_BAD_INPUT
    first, second = records
    assert first is not None and second is not None
    record_a, record_b = first, second
    if record_a == record_b:
        print(f"explain: {record_a!r} twice: name two records", file=sys.stderr)
        return EXIT_BAD_INPUT
    def missing(problem: str) -> int:
        try:
            erased = erasures_of(config.warehouse, configured_keying(config),
                                 [record_a, record_b])
        except (SecretError, ErasureKeyError) as exc:  # the key cannot be read: say so
            print(f"explain: {problem}; whether it was erased cannot be told: {exc}",
                  file=sys.stderr)
            return EXIT_BAD_INPUT
        if erased:  # nothing of an erased record is kept to explain
            print("explain: " + "; ".join(f"{record!r} was erased (erasure {request})"
                                          for record, request in sorted(erased.items())),
                  file=sys.stderr)
        else:
            print(f"explain: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT

    # Looked for before Spark starts (delta-rs), where the warehouse can be read so.
    stored = table_dataset(config.warehouse, tables.STANDARDIZED_RECORDS)
    if stored is not None:
        found = set(stored.to_table(filter=pc.field("record_id").isin([record_a, record_b]),
                                    columns=["record_id"]).column("record_id").to_pylist())
        # A social account as its platform reads it (Instagram:@Aino is instagram:aino), as
        # `lookup --handle` takes it: the record id keeps its source's own writing.
        social = {s.name for s in config.sources_of("social")}
        def as_stored(record: str) -> str:
            if record in found or record.partition("/")[0] not in social:
                return record
            account = _social_record(stored, record)
            if account is None:
                return record
            found.add(account)  # a stored record's id
            return account

        record_a, record_b = as_stored(record_a), as_stored(record_b)
        absent = [record for record in (record_a, record_b) if record not in found]
        if absent:
            return missing(no_standardized_record(absent[0]))
        if record_a == record_b:
            print(f"explain: {record_a!r} twice: name two records", file=sys.stderr)
            return EXIT_BAD_INPUT
    try:  # the pair is weighed with the stored model: checked before Spark starts
        stored_model(config)
    except StaleModelError as exc:
        print(f"explain: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    spark = get_spark("idres-explain", config.spark)
    ctx = RunContext(spark=spark, config=config, run_date=datetime.now(UTC).date(), run_id="")
    try:
        print(explain_records(ctx, record_a, record_b))
    except KeyError as exc:
        return missing(exc.args[0])
    except ConfigError as exc:  # the link_decisions table's rows
        print(f"explain: input error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Runs one command; returns the process exit code (0 ok, 1 failed, 2 bad input)."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if args.verbose:
        # The job's own loggers only: py4j's debug lines quote every query, with the names
        # and other values of people's records that some of them list (VERBOSE_HELP).
        logging.getLogger("jobs").setLevel(logging.DEBUG)
    if args.command == "demo-data":
        from jobs.demo_data import generate_demo_data

        files = generate_demo_data(args.out, persons=args.persons, seed=args.seed,
                                   name_variety=args.name_variety,
                                   personal_ips=args.personal_ips)
        print(f"demo data for {args.persons} persons written to {args.out}")
        print(f"ground truth: {files.ground_truth}")
        return EXIT_OK
    try:
        config = load_config(args.conf)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.command == "lookup":
        return _lookup_command(args, config)
    if args.command == "explain":
        return _explain_command(args, config)
    from jobs.spark import Terminated, handle_termination, interruption, quiet_after_interrupt
    from jobs.warehouse_lock import WarehouseBusyError, WarehouseUnusableError, warehouse_lock

    # One writing command at a time per warehouse (see jobs.warehouse_lock).
    handle_termination()
    try:
        with warehouse_lock(config.warehouse, args.command):
            try:
                return _writing_command(args, config)
            except Exception as error:
                raised = interruption()  # py4j's error of the call the interrupt cut short
                if raised is None:
                    raise
                raise raised from error
    except KeyboardInterrupt as exc:
        quiet_after_interrupt()
        how = "terminated (SIGTERM)" if isinstance(exc, Terminated) else "interrupted"
        print(f"{args.command}: {how}. Each table keeps its last complete Delta commit; "
              "run the command again to finish (the lock is released)", file=sys.stderr)
        return EXIT_TERMINATED if isinstance(exc, Terminated) else EXIT_INTERRUPTED
    except WarehouseBusyError as exc:
        print(f"{args.command}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except WarehouseUnusableError as exc:
        print(f"{args.command}: {exc} (configuration {args.conf})", file=sys.stderr)
        return EXIT_BAD_INPUT


def _writing_command(args: argparse.Namespace, config: Config) -> int:
    if args.command == "erase":
        return _erase_command(args, config)
    if args.command == "maintain":
        return _maintain_command(args, config)
    from jobs.config import SecretError
    from jobs.erasure_keys import ErasureKeyError
    from jobs.ingest import MissingColumnError
    from jobs.model import ModelError
    from jobs.pipeline import StaleModelError
    from jobs.source_files import SourceReadError

    try:
        return _stage_command(args, config)
    except (MissingColumnError, SourceReadError, SecretError, ErasureKeyError,
            ConfigError, StaleModelError) as exc:
        print(f"input error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (RuntimeError, ModelError) as exc:
        print(f"failed: {exc}", file=sys.stderr)
        return EXIT_FAILED
