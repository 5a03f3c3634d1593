"""What an import did or would do: counts per table, every rejected row and why, new themes.

``Report.rejects_csv()`` is the downloadable validation report (row, table, reasons, record);
``summary()`` is what the command line prints; ``to_dict()`` travels through the job inbox.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

from voc import csv_export

REJECT_SCHEMA = pa.schema([("row", pa.int64()), ("table", pa.string()), ("reasons", pa.string()),
                           ("record", pa.string())])


class ImportRejected(ValueError):
    """The file was refused (policy reject, or nothing valid to load); ``report`` says why, row by row."""

    def __init__(self, report: "Report"):
        self.report = report
        super().__init__(report.headline())


@dataclass
class Report:
    source: str
    file: str
    policy: str
    status: str = "checked"            # checked (dry run), loaded, partial, unchanged, rejected
    format: str = ""
    encoding: str | None = None
    delimiter: str | None = None
    rows_read: int = 0
    tables: dict = field(default_factory=dict)          # table -> {read, valid, rejected, new, changed, same}
    rejects: pa.Table = field(default_factory=lambda: REJECT_SCHEMA.empty_table())
    discovered: list = field(default_factory=list)
    enrichment: dict = field(default_factory=dict)
    latest_record: object = None
    import_id: int | None = None
    seconds: dict = field(default_factory=dict)
    rollups: list = field(default_factory=list)          # the rollups the load rebuilt (those reading what it wrote)

    @property
    def rows_rejected(self) -> int:
        """Source records with at least one problem (a line that could not be parsed counts once)."""
        rows = self.rejects["row"]
        unparsed = rows.null_count
        return len(set(r for r in rows.to_pylist() if r is not None)) + unparsed

    @property
    def rows_loaded(self) -> int:
        return max(self.rows_read - self.rows_rejected, 0) if self.status in ("loaded", "partial", "unchanged") else 0

    def headline(self) -> str:
        where = f"{self.file} ({self.source})"
        if self.status == "rejected":
            return (f"{where}: refused, {self.rows_rejected:,} of {self.rows_read:,} rows are invalid and the "
                    f"mapping says on_error: {self.policy}; nothing was written. First problems: "
                    + " | ".join(f"row {r['row']}: {r['reasons']}" for r in self.rejects.slice(0, 3).to_pylist()))
        if self.status == "unchanged":
            return f"{where}: already imported, nothing changed ({self.rows_read:,} rows identical)"
        if self.status == "checked":
            return (f"{where}: dry run, {self.rows_read:,} rows read, {self.rows_rejected:,} would be rejected; "
                    "nothing was written")
        return (f"{where}: import #{self.import_id} {self.status}, {self.rows_loaded:,} of {self.rows_read:,} rows "
                f"loaded" + (f", {self.rows_rejected:,} quarantined" if self.rows_rejected else ""))

    def summary(self, max_rejects: int = 20) -> str:
        lines = [self.headline(), f"  file: {self.format}" + (f", encoding {self.encoding}" if self.encoding else "")
                 + (f", delimiter {self.delimiter!r}" if self.delimiter else "")]
        for table, c in self.tables.items():
            changes = (f", {c.get('new', 0):,} new, {c.get('changed', 0):,} changed, {c.get('same', 0):,} unchanged"
                       if "new" in c else "")
            lines.append(f"  {table}: {c['read']:,} rows, {c['valid']:,} valid, {c['rejected']:,} rejected{changes}")
        if self.enrichment:
            e = self.enrichment
            lines.append(f"  enrichment: {e.get('verbatims', 0):,} verbatims, languages {e.get('languages')}, "
                         f"{e.get('tagged', 0):,} with a theme")
        for theme in self.discovered:
            lines.append(f"  possible new theme: '{theme['phrase']}' ({theme['language']}) in {theme['verbatims']} "
                         f"untagged verbatims, e.g. {theme['examples'][0][:80]!r}")
        for r in self.rejects.slice(0, max_rejects).to_pylist():
            lines.append(f"  row {r['row'] if r['row'] is not None else '?'} [{r['table']}]: {r['reasons']}")
        if self.rejects.num_rows > max_rejects:
            lines.append(f"  ... {self.rejects.num_rows - max_rejects:,} more; write them all with --report FILE")
        if self.seconds:
            lines.append("  time: " + ", ".join(f"{k} {v:.2f}s" for k, v in self.seconds.items()))
        return "\n".join(lines)

    def rejects_csv(self) -> bytes:
        return csv_export.frame_csv(self.rejects.to_pandas())

    def to_dict(self, max_rejects: int = 200) -> dict:
        return {"source": self.source, "file": self.file, "policy": self.policy, "status": self.status,
                "format": self.format, "encoding": self.encoding, "delimiter": self.delimiter,
                "rows_read": self.rows_read, "rows_loaded": self.rows_loaded, "rows_rejected": self.rows_rejected,
                "tables": self.tables, "rejects": self.rejects.slice(0, max_rejects).to_pylist(),
                "discovered": self.discovered, "enrichment": self.enrichment,
                "latest_record": None if self.latest_record is None else str(self.latest_record),
                "import_id": self.import_id, "seconds": self.seconds, "rollups": self.rollups,
                "headline": self.headline()}
