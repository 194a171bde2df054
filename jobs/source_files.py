"""What a source's files hold, looked at in Python before Spark reads them.

Mistakes a data team makes on its first day (a mistyped path, a Latin-1 export, a part file
whose columns come in another order, a spreadsheet left in the folder) would otherwise cost a
JVM start and end in a Java stack trace, or worse, in values read wrong without a word. Local
paths only: remote ones (s3a://, abfss://) are left to Spark.
"""

from __future__ import annotations

import bz2
import codecs
import csv
import glob
import gzip
import io
import json
import logging
import re
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any, TypeVar

from jobs.config import SourceConfig, local_path

log = logging.getLogger(__name__)

_T = TypeVar("_T")


class SourceReadError(ValueError):
    """A source's files cannot be found or read."""


# Characters that make a path a pattern for Spark (Hadoop's glob syntax); Python's glob reads
# these alike, but not Hadoop's {a,b} alternatives, which are left to Spark.
_GLOB_CHARACTERS = frozenset("*?[")


def check_local_sources(sources: Sequence[SourceConfig],
                        config_file: Path | str | None = None) -> None:
    """Raises SourceReadError naming every source whose local file, folder or pattern matches
    nothing, or whose files Spark would misread: a folder holding files of another format
    (_stray_files), CSV or JSON that is not UTF-8 (_encoding_problems), CSV parts with
    different headers (_header_problems). Checked before Spark starts, so a mistyped path
    costs a second, not a JVM start and a Java stack trace in the log. Remote paths (s3a://,
    abfss://) are left to Spark. With `config_file` (where `sources` were read from, in that
    order), a path that matches nothing is named as the key that gives it there."""
    problems = []
    for index, source in enumerate(sources):
        local = local_path(source.path)
        if local is None:
            continue
        text = str(local)
        if "{" in text:
            continue
        found = bool(glob.glob(text)) if _GLOB_CHARACTERS & set(text) else local.exists()
        if not found:
            where = f" (`sources[{index}].path` in {config_file})" if config_file else ""
            problems.append(f"source {source.name!r}: no such file or folder: {source.path}"
                            f"{where}")
        else:
            files = local_files(source.path)
            problems += (_stray_files(source, files) or _encoding_problems(source, files)
                         + _header_problems(source, files))
    if problems:
        raise SourceReadError("; ".join(problems))


# How much of each of a source's first files is sampled (for its dates' order), and how many
# files; the checks for bytes that are not UTF-8 and for quoted line breaks read every local
# file whole, since Spark would take either, anywhere in a file, without a word.
_ENCODING_SAMPLE_BYTES = 1 << 20
_ENCODING_SAMPLE_FILES = 5
# What a file is read in by those whole-file checks.
_CHUNK_BYTES = 1 << 22
# The most lines one record is looked for in: a quote opening a field with no quote closing it
# within these is a stray one (it would swallow the lines after it), not a field's line break.
_MAX_RECORD_LINES = 50


def local_files(path: str) -> list[str]:
    """Returns the files (in name order) Spark would read for a local `path` (a file, a folder
    or a pattern); none for a remote path. Spark skips names starting with _ or . (_SUCCESS)."""
    local = local_path(path)
    if local is None:
        return []
    text = str(local)
    if _GLOB_CHARACTERS & set(text):
        candidates = sorted(glob.glob(text))
    elif local.is_dir():
        candidates = sorted(str(f) for f in local.iterdir())
    else:
        candidates = [text]
    return [f for f in candidates
            if Path(f).is_file() and not Path(f).name.startswith(("_", "."))]


# File name endings a folder source's files may have, per format (after a compression's: .gz),
# besides none (part-00000) and Spark's own (.c000).
_DATA_SUFFIXES = {"csv": (".csv", ".tsv", ".txt"), "json": (".json", ".jsonl", ".ndjson", ".txt"),
                  "parquet": (".parquet",)}
_COMPRESSION_SUFFIXES = (".gz", ".bz2", ".deflate", ".snappy", ".lz4", ".zst")


def _stray_files(source: SourceConfig, files: Sequence[str]) -> list[str]:
    """Returns a problem for a local folder source holding files (`files`, see local_files) of
    another format than its own (an orders.xlsx beside the CSV parts): Spark would read each
    as data, and an Excel file's bytes became 203 rejected rows."""
    local = local_path(source.path)
    if source.format not in _DATA_SUFFIXES or local is None or not local.is_dir():
        return []
    stray = []
    for file in files:
        name = Path(file).name.lower()
        for compression in _COMPRESSION_SUFFIXES:
            name = name.removesuffix(compression)
        suffix = Path(name).suffix
        if suffix and suffix not in _DATA_SUFFIXES[source.format] \
                and not re.fullmatch(r"\.c\d+", suffix):
            stray.append(Path(file).name)
    if not stray:
        return []
    return [f"source {source.name!r}: its folder {source.path} holds files that are not "
            f"{source.format}: {', '.join(stray[:5])}{' ...' if len(stray) > 5 else ''}; move "
            "them out, or give a pattern of its data files as the path (data/part-*.csv)"]


# How many of a CSV source's files have their header lines compared.
_HEADER_SAMPLE_FILES = 500


# Compressed files Python reads as Spark does; the others (.deflate: Hadoop's own framing,
# .snappy, .lz4, .zst) are left to Spark, unchecked.
_OPENERS: dict[str, Callable[..., IO[Any]]] = {".gz": gzip.open, ".bz2": bz2.open}


def _opener(file: str) -> Callable[..., IO[Any]] | None:
    """How to open a local source file as Spark reads it (decompressed), None when Python
    cannot (see _OPENERS)."""
    for suffix, opener in _OPENERS.items():
        if file.endswith(suffix):
            return opener
    if file.endswith(_COMPRESSION_SUFFIXES):
        return None
    return open


def declared_encoding(options: dict[str, str]) -> str | None:
    """The encoding a source's options name (`encoding`, or Spark's alias `charset`, in any
    case), None when they name none."""
    folded = {k.lower(): v for k, v in options.items()}
    return folded.get("encoding") or folded.get("charset") or None


def _header_problems(source: SourceConfig, files: Sequence[str]) -> list[str]:
    """Returns a problem for a local CSV source whose `files`' header lines differ: Spark reads
    every file by the columns of one header, by position, so a part whose columns come in
    another order (last_name before first_name) would be read with its values swapped."""
    if source.format != "csv":
        return []
    headers: dict[str, str] = {}
    for file, text in _read_texts(source, files[:_HEADER_SAMPLE_FILES],
                                  lambda handle: handle.readline()):
        line = text.lstrip("\ufeff").rstrip("\r\n")
        if line:
            headers[file] = line
    if len(set(headers.values())) < 2:
        return []
    first = next(iter(headers))
    other = next(file for file, header in headers.items() if header != headers[first])
    return [f"source {source.name!r}: its files' headers differ ({first}: "
            f"{headers[first][:200]!r}; {other}: {headers[other][:200]!r}): Spark matches every "
            "file's columns by position to one header; write every file with its columns in "
            "one order"]


def _encoding_problems(source: SourceConfig, files: Sequence[str]) -> list[str]:
    """Returns a problem for a local CSV or JSON source whose `files` are not UTF-8 where they
    must be: a CSV without an `encoding` option (Spark would read é in a Latin-1 file as U+FFFD,
    silently), and JSON with any (it is read as UTF-8, as RFC 8259 has it). Every local file
    is read whole: one Latin-1 row at the end of a large file would become U+FFFD too."""
    if source.format not in ("csv", "json"):
        return []
    declared = declared_encoding(source.options)
    if declared and source.format == "csv":
        return []
    if declared and declared.lower().replace("-", "") != "utf8":
        return [f"source {source.name!r}: a JSON source is read as UTF-8; its encoding option "
                f"{declared!r} is not applied: convert its files to UTF-8"]
    for file in files:
        opener = _opener(file)
        if opener is None:
            continue
        try:
            with opener(file, "rb") as handle:
                sample = handle.read(_ENCODING_SAMPLE_BYTES)
                wide = _utf16_guess(sample)  # zero bytes are UTF-8 too: looked for first
                bad = None if wide else _first_bad_byte(sample, handle)
        except (OSError, EOFError):  # unreadable here (a broken archive): Spark will say so
            continue
        if wide:
            hint = (f"set the source's options: {{encoding: {wide}}}" if source.format == "csv"
                    else "convert its files to UTF-8")
            return [f"source {source.name!r}: {file} is not UTF-8 (it looks {wide}): {hint}"]
        if bad is not None:
            hint = ("set the source's options: {encoding: ISO-8859-1} (or the files' encoding)"
                    if source.format == "csv" else "convert its files to UTF-8")
            return [f"source {source.name!r}: {file} is not UTF-8 (byte 0x{bad[1]:02x} at "
                    f"offset {bad[0]}): {hint}"]
    return []


def _first_bad_byte(start: bytes, handle: IO[bytes]) -> tuple[int, int] | None:
    """(offset, byte) of the first byte that is not UTF-8 in `start` followed by the rest of
    `handle`, None when there is none (a character cut short at the end is one)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset, chunk = 0, start
    while True:
        held = decoder.getstate()[0]  # the bytes of a character cut at the last chunk's end
        try:
            decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as exc:
            return offset - len(held) + exc.start, (held + chunk)[exc.start]
        if not chunk:
            return None
        offset += len(chunk)
        chunk = handle.read(_CHUNK_BYTES)


def _utf16_guess(sample: bytes) -> str | None:
    """UTF-16 (with a byte order mark), UTF-16LE or UTF-16BE when `sample` looks written in it
    (a mark, or a zero byte beside nearly every ASCII character), else None."""
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "UTF-16"
    pairs = len(sample) // 2
    if pairs < 8:
        return None
    if sum(sample[i] == 0 for i in range(1, 2 * pairs, 2)) > 0.9 * pairs:
        return "UTF-16LE"
    if sum(sample[i] == 0 for i in range(0, 2 * pairs, 2)) > 0.9 * pairs:
        return "UTF-16BE"
    return None


def first_file(path: str) -> str | None:
    """Returns the first file (in name order) Spark would read for a local `path` (a file, a
    folder or a pattern), None for a remote path or when there is none."""
    files = local_files(path)
    return files[0] if files else None


def starts_as_json_array(path: str) -> bool | None:
    """Whether the first local file of `path` starts as a JSON array (`[`, after a byte-order
    mark and blanks); None for a remote path (or no file), False for a broken archive (Spark
    then says what is wrong with it)."""
    first = first_file(path)
    if first is None:
        return None
    opener = _opener(first)
    if opener is None:  # Spark looks
        return None
    try:
        with opener(first, "rt", encoding="utf-8", errors="replace") as handle:
            start = handle.read(4096).lstrip("\ufeff \t\r\n")
    except (OSError, EOFError):
        return False
    return start.startswith("[")


def nanosecond_columns(source: SourceConfig) -> list[str]:
    """Returns the columns of a local Parquet source's (first) file that hold nanosecond
    timestamps, read from its footer with pyarrow; none for other formats and remote paths."""
    if source.format != "parquet":
        return []
    first = first_file(source.path)
    if first is None:
        return []
    import pyarrow as pa
    import pyarrow.parquet as pq

    return [field.name for field in pq.read_schema(first)
            if pa.types.is_timestamp(field.type) and field.type.unit == "ns"]


def _read_texts(source: SourceConfig, files: Sequence[str],
                read: Callable[[IO[str]], _T]) -> Iterator[tuple[str, _T]]:
    """(file, what `read` takes from it) of each of `files` Python can open as Spark reads it
    (decompressed, in the source's encoding, undecodable bytes replaced); a file that cannot
    be read here (a broken archive, an unknown encoding) is passed over: Spark will say so."""
    for file in files:
        opener = _opener(file)
        if opener is None:
            continue
        try:
            with opener(file, "rt", encoding=declared_encoding(source.options) or "utf-8",
                        errors="replace", newline="") as handle:
                yield file, read(handle)
        except (OSError, EOFError, LookupError):
            continue


def _text_samples(source: SourceConfig) -> Iterator[tuple[str, bool]]:
    """The first _ENCODING_SAMPLE_BYTES characters of each of a local source's first
    _ENCODING_SAMPLE_FILES files (a byte-order mark left out), each with whether it was cut
    from a longer file (its last record may then be cut short)."""
    files = local_files(source.path)[:_ENCODING_SAMPLE_FILES]
    for _file, sample in _read_texts(source, files,
                                     lambda handle: handle.read(_ENCODING_SAMPLE_BYTES)):
        yield sample.lstrip("\ufeff"), len(sample) == _ENCODING_SAMPLE_BYTES


def _csv_records(sample: str, options: dict[str, str], cut: bool) -> list[list[str]]:
    """The records of a CSV sample, header first, as the source's options (sep, quote; keys
    lower-cased) have them read; the last left out when the sample is `cut`; none when the
    options or the text cannot be read so."""
    separator = options.get("sep") or options.get("delimiter") or ","
    quote = options.get("quote", '"')
    if len(separator) != 1 or len(quote) != 1:
        return []
    try:
        records = list(csv.reader(io.StringIO(sample), delimiter=separator, quotechar=quote,
                                  doublequote=True))
    except csv.Error:
        return []
    return records[:-1] if cut and len(records) > 1 else records


def has_quoted_line_breaks(source: SourceConfig) -> bool:
    """True when a local CSV source, read line by line (no `multiLine` option of its own, not
    UTF-16), has a quoted field holding a line break anywhere in one of its files, in a record
    as wide as the header. A stray quote that swallows the lines after it makes a record of
    another width, or none within _MAX_RECORD_LINES lines: not counted, so such a file is
    still read line by line (one line lost, not the rest of the file). Decided once per
    source and run, and said in the log."""
    key = _source_key(source)
    if key not in _quoted_line_breaks:
        _quoted_line_breaks[key] = _finds_quoted_line_breaks(source)
        if _quoted_line_breaks[key]:
            log.info("source %s: quoted fields hold line breaks: read with multiLine",
                     source.name)
    return _quoted_line_breaks[key]


def _finds_quoted_line_breaks(source: SourceConfig) -> bool:
    folded = _folded_options(source)
    quote = folded.get("quote", '"')
    if source.format != "csv" or "multiline" in folded or len(quote) != 1:
        return False
    return any(found for _file, found in _read_texts(
        source, local_files(source.path), lambda handle: _spans_lines(handle, folded, quote)))


def _spans_lines(handle: IO[str], options: dict[str, str], quote: str) -> bool:
    """Whether a CSV file (`handle`, read with newline="") holds a record as wide as its header
    with a quoted field that holds a line break. A line with an odd number of quotes opens such
    a field; the lines up to the next such line are read as one record."""
    header = _csv_records(handle.readline().lstrip("\ufeff"), options, cut=False)
    if not header:
        return False
    pending: list[str] = []
    for line in handle:
        odd = line.count(quote) % 2 == 1
        if not pending:
            if odd:
                pending.append(line)
            continue
        pending.append(line)
        if odd:  # the field closes here
            records = _csv_records("".join(pending), options, cut=False)
            if len(records) == 1 and len(records[0]) == len(header[0]) \
                    and any("\n" in f or "\r" in f for f in records[0]):
                return True
            pending = []
        elif len(pending) > _MAX_RECORD_LINES:  # a stray quote: look on after it
            pending = []
    return False


# What the two decisions above and below found, per source (_source_key), in this process.
_quoted_line_breaks: dict[tuple[str, str | None, tuple[tuple[str, str], ...]], bool] = {}
_month_first: dict[tuple[str, str | None, tuple[tuple[str, str], ...]], bool] = {}


def _source_key(source: SourceConfig) -> tuple[str, str | None, tuple[tuple[str, str], ...]]:
    return source.path, source.date_order, tuple(sorted(source.options.items()))


def _folded_options(source: SourceConfig) -> dict[str, str]:
    """The source's options, names lower-cased (Spark reads them in any case)."""
    return {k.lower(): v for k, v in source.options.items()}


# A date written with its day and month as numbers before a four-digit year (03/04/1985,
# 13.02.2026 21:48): which comes first shows only where one of them is above 12.
_NUMERIC_DATE = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-]\d{4}(?:[ T].*)?$")


def reads_month_first(source: SourceConfig) -> bool:
    """Whether the source's dates like 03/04/1985 are read month first: as its `date_order`
    says, else as its files show. A local CSV or JSON lines source whose sampled values
    (the first _ENCODING_SAMPLE_BYTES of its first _ENCODING_SAMPLE_FILES files) hold dates
    that can only be month first (10/20/1965) and none that can only be day first is read
    month first; one holding both is read day first, with a warning. Decided once per source
    and run, and said in the log."""
    key = _source_key(source)
    if key not in _month_first:
        if source.date_order is not None:
            _month_first[key] = source.date_order == "month_first"
        else:
            day_first, month_first = date_order_evidence(source)
            _month_first[key] = bool(month_first) and not day_first
            if _month_first[key]:
                log.warning("source %s: dates read month first: %d sampled values such as "
                            "10/20/1965 can only be month first, none only day first (set "
                            "the source's date_order to say otherwise)", source.name,
                            month_first)
            elif month_first:
                log.warning("source %s: dates written both day first (%d sampled values) and "
                            "month first (%d): read day first where both can be read; set the "
                            "source's date_order: month_first if that is its order",
                            source.name, day_first, month_first)
    return _month_first[key]


def date_order_evidence(source: SourceConfig) -> tuple[int, int]:
    """Counts the sampled values of a local CSV or JSON lines source that can only be read
    day first (13/02/2026) and those that can only be read month first (02/13/2026)."""
    day_first = month_first = 0
    if source.format not in ("csv", "json"):
        return 0, 0
    folded = _folded_options(source)
    for sample, cut in _text_samples(source):
        for value in _sampled_values(sample, source.format, folded, cut):
            found = _NUMERIC_DATE.match(value)
            if found:
                first, second = int(found.group(1)), int(found.group(2))
                day_first += first > 12 >= second
                month_first += second > 12 >= first
    return day_first, month_first


def _sampled_values(sample: str, file_format: str, options: dict[str, str], cut: bool
                    ) -> list[str]:
    """The text values of a sample of a CSV file (options: sep, quote) or JSON lines file,
    its last record left out when the sample is `cut` from a longer file."""
    if file_format == "csv":
        return [value for record in _csv_records(sample, options, cut)[1:] for value in record]
    values: list[str] = []
    lines = sample.splitlines()
    for line in lines[:-1] if cut else lines:
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict):
            values += [v for v in record.values() if isinstance(v, str)]
    return values
