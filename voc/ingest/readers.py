"""Reading a source file (CSV, Parquet, Excel) into an Arrow table, with clear errors.

CSV is parsed by ``pyarrow.csv`` (multi-threaded, fields with quoted newlines allowed) with every
column read as text, so that types are decided by the mapping and checked row by row in SQL.
The encoding is the mapping's or detected: a UTF-8 or UTF-16 byte-order mark, else strict
UTF-8, else ``charset_normalizer``'s best guess (GBK/GB18030, cp1252, ...). Files in other
encodings are transcoded to UTF-8 with Python's codecs before pyarrow sees them. The delimiter
is the mapping's or the one among , ; TAB | that splits the first lines most consistently.
Rows with the wrong number of fields are set aside (reported and quarantined, never guessed).
Every table gets ``_row``: the spreadsheet row number of the record (header rows included).
"""
from __future__ import annotations

import codecs
import csv
import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from voc.ingest.mapping import Mapping

BLOCK_SIZE = 16 << 20          # a single field may be up to this many bytes
DELIMITERS = (",", ";", "\t", "|")
EXTENSIONS = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".parquet": "parquet", ".pq": "parquet",
              ".xlsx": "excel", ".xlsm": "excel"}


class FileError(ValueError):
    """The file cannot be read as the mapping says; the message says what to change."""


@dataclass
class Source:
    table: pa.Table                      # the records, ``_row`` first
    columns: list[str]                   # the file's column names
    sha256: str
    format: str
    encoding: str | None = None
    delimiter: str | None = None
    bad_rows: list[dict] = field(default_factory=list)   # {row, reason, record}


def file_format(path: Path, declared: str | None) -> str:
    if declared:
        return declared
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise FileError(f"{path.name}: old binary .xls files are not read; save it as .xlsx or CSV")
    if suffix not in EXTENSIONS:
        raise FileError(f"{path.name}: cannot tell the format from '{suffix}'; set format: csv, parquet or excel")
    return EXTENSIONS[suffix]


def read(path: str | Path, mapping: Mapping) -> Source:
    path = Path(path)
    if not path.is_file():
        raise FileError(f"no file at {path}")
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    fmt = file_format(path, mapping.format)
    if fmt == "parquet":
        try:
            table = pq.read_table(io.BytesIO(data))
        except Exception as exc:  # noqa: BLE001 - pyarrow raises several types for a damaged file
            raise FileError(f"{path.name} is not a readable Parquet file ({exc})") from None
        source = Source(_row_numbers(table, 1), table.column_names, digest, fmt)
    elif fmt == "excel":
        source = _read_excel(data, path.name, mapping, digest)
    else:
        source = _read_csv(data, path, mapping, digest)
    if not source.columns:
        raise FileError(f"{path.name} has no columns")
    return source


def _row_numbers(table: pa.Table, first: int) -> pa.Table:
    import numpy as np
    return table.add_column(0, "_row", pa.array(np.arange(first, first + table.num_rows, dtype=np.int64)))


# ---- CSV ------------------------------------------------------------------------------------

def _decode(data: bytes, declared: str | None, name: str) -> tuple[str, bytes]:
    """(encoding, the bytes as UTF-8 without a byte-order mark)."""
    if declared is None:
        if data.startswith(codecs.BOM_UTF8):
            declared = "utf-8-sig"
        elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            declared = "utf-16"
        else:
            try:
                data.decode("utf-8")
                return "utf-8", data
            except UnicodeDecodeError:
                declared = _guess(data, name)
    try:
        text = data.decode(declared)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise FileError(
            f"{name} is not valid {declared}: byte 0x{data[exc.start]:02x} on line {line} cannot be decoded. "
            "Set csv.encoding in the mapping to the file's encoding (for example utf-8, gbk, cp1252).") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return declared, text.encode("utf-8")


def _guess(data: bytes, name: str) -> str:
    from charset_normalizer import from_bytes

    best = from_bytes(data[: 1 << 20]).best()
    if best is None:
        raise FileError(f"{name}: cannot tell its text encoding (it may not be a text file). "
                        "Set csv.encoding in the mapping (for example gbk or cp1252).")
    encoding = best.encoding
    if encoding in ("big5", "cp950", "big5hkscs"):  # short GBK text often scores as Big5; mainland exports are GBK
        try:
            data.decode("gb18030")
            encoding = "gb18030"
        except UnicodeDecodeError:
            pass
    # GB2312 and GBK are subsets of GB18030; decode with the superset so rare characters survive.
    return "gb18030" if encoding in ("gb2312", "gbk", "gb18030") else encoding


def _sniff(head: str) -> str:
    lines = [ln for ln in head.splitlines()[:20] if ln.strip()]
    best, best_score = ",", 0.0
    for d in DELIMITERS:
        counts = [len(next(csv.reader([ln], delimiter=d), [])) - 1 for ln in lines]
        if not counts or max(counts) == 0:
            continue
        consistent = sum(c == counts[0] for c in counts) / len(counts)
        score = consistent * counts[0]
        if score > best_score:
            best, best_score = d, score
    return best


def _header(utf8: bytes, delimiter: str, quote: str) -> list[str]:
    head = utf8[: 1 << 20].decode("utf-8", errors="replace")
    row = next(csv.reader(io.StringIO(head), delimiter=delimiter, quotechar=quote), [])
    names = [n.strip() for n in row]
    seen = set()
    for i, n in enumerate(names):
        if not n:
            names[i] = n = f"column_{i + 1}"
        if n in seen:
            raise FileError(f"the column name '{n}' appears twice in the header; rename one of them")
        seen.add(n)
    return names


def _read_csv(data: bytes, path: Path, mapping: Mapping, digest: str) -> Source:
    opts = mapping.csv
    encoding, utf8 = _decode(data, opts.encoding, path.name)
    if not utf8.strip():
        raise FileError(f"{path.name} is empty")
    delimiter = opts.delimiter or ("\t" if path.suffix.lower() == ".tsv" else _sniff(
        utf8[: 1 << 16].decode("utf-8", errors="replace")))
    names = _header(utf8, delimiter, opts.quote)
    bad: list[dict] = []

    def on_invalid(row) -> str:
        bad.append({"line": row.number, "reason": f"{row.actual_columns} fields where the header has "
                    f"{row.expected_columns}", "record": (row.text or "")[:2000]})
        return "skip"

    try:
        table = pcsv.read_csv(
            io.BytesIO(utf8),
            read_options=pcsv.ReadOptions(block_size=BLOCK_SIZE, column_names=names, skip_rows=1,
                                          skip_rows_after_names=opts.header_rows - 1),
            parse_options=pcsv.ParseOptions(delimiter=delimiter, quote_char=opts.quote, newlines_in_values=True,
                                            invalid_row_handler=on_invalid),
            convert_options=pcsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                strings_can_be_null=False, quoted_strings_can_be_null=False))
    except pa.ArrowInvalid as exc:
        message = str(exc)
        if "straddling" in message or "block size" in message:
            message = f"a field is larger than {BLOCK_SIZE >> 20} MB or a quote is never closed"
        raise FileError(f"{path.name} cannot be parsed as CSV with delimiter {delimiter!r}: {message}") from None
    if len(names) == 1 and table.num_rows and any(d in names[0] for d in DELIMITERS if d != delimiter):
        pass  # reported by the column check, which knows which columns the mapping expected
    rows = [{"row": None, "reason": b["reason"] + (f" (line {b['line']})" if b["line"] else ""),
             "record": b["record"]} for b in bad]
    return Source(_row_numbers(table, opts.header_rows + 1), names, digest, "csv", encoding, delimiter, rows)


# ---- Excel ----------------------------------------------------------------------------------

def _cell_text(value) -> str | None:
    import datetime as dt

    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    return str(value)


def _read_excel(data: bytes, name: str, mapping: Mapping, digest: str) -> Source:
    import zipfile

    from openpyxl import load_workbook

    try:
        # data_only=False: a formula arrives as its text ("=HYPERLINK(...)") and is rejected by validation
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise FileError(f"{name} is not a readable .xlsx workbook ({exc})") from None
    try:
        if mapping.sheet is None:
            sheet = book.worksheets[0]
        elif isinstance(mapping.sheet, int):
            sheet = book.worksheets[mapping.sheet]
        elif mapping.sheet in book.sheetnames:
            sheet = book[mapping.sheet]
        else:
            raise FileError(f"{name} has no sheet '{mapping.sheet}'; its sheets are {', '.join(book.sheetnames)}")
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise FileError(f"{name}: the sheet is empty")
        names = [(_cell_text(h) or f"column_{i + 1}").strip() for i, h in enumerate(header)]
        if len(set(names)) != len(names):
            raise FileError(f"{name}: a column name appears twice in the header row; rename it")
        for _ in range(mapping.csv.header_rows - 1):
            next(rows, None)
        columns: list[list] = [[] for _ in names]
        for record in rows:
            for i in range(len(names)):
                columns[i].append(_cell_text(record[i]) if i < len(record) else None)
    finally:
        book.close()
    table = pa.table({n: pa.array(c, pa.string()) for n, c in zip(names, columns)})
    return Source(_row_numbers(table, mapping.csv.header_rows + 1), names, digest, "excel")
