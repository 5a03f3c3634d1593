"""What the data import page (pages/data_import.py) needs, without streamlit.

An uploaded file is saved under ``<db folder>/uploads/`` with a safe name; ``suggest`` reads its
first rows and returns the mapping assistant's proposal as editable YAML; ``check`` is a dry run
(the preview of the first transformed rows and the validation report); ``run`` imports it as the
signed-in admin. Everything goes through ``voc.ingest.load``, so the page's import is the same
single transaction as the command line's.
"""
from __future__ import annotations

import re
import time
from pathlib import Path

import pandas as pd

from voc import db as dbmod
from voc.ingest import assistant, load, readers
from voc.ingest import mapping as mp

PREVIEW_ROWS = 20


def save_upload(name: str, data: bytes, database: dbmod.Database | None = None) -> Path:
    database = database or dbmod.get()
    folder = database.path.parent / "uploads"
    folder.mkdir(exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(name).name)[-120:] or "upload"
    path = folder / f"{time.strftime('%Y%m%d-%H%M%S')}-{safe}"
    path.write_bytes(data)
    return path


def suggest(path: Path, header_rows: int = 1) -> str:
    """The assistant's mapping for the file at ``path``, as YAML."""
    probe = mp.parse({"source": "upload", "csv": {"header_rows": 1}, "tables": {"org_units": {
        "unit_id": "x", "name": "x", "level": "x"}}})
    source = readers.read(path, probe)
    table = source.table
    questions = {}
    if header_rows > 1 and table.num_rows:
        questions = {c: str(table[c][0].as_py() or "") for c in source.columns}
        table = table.slice(header_rows - 1)
    target, suggestions = assistant.suggest(table.slice(0, 2000), questions)
    stem = re.sub(r"[^a-z0-9_]+", "_", path.stem.lower().split("-", 2)[-1]).strip("_") or "upload"
    return assistant.to_yaml(stem, target, suggestions, path.name, header_rows)


def check(path: Path, mapping_text: str, database: dbmod.Database | None = None):
    """A dry run: (report, preview of the first rows of the file)."""
    mapping = mp.loads(mapping_text, path.parent)
    report = load.run(mapping, database or dbmod.get(), file=path, dry_run=True)
    source = readers.read(path, mapping)
    return report, source.table.slice(0, PREVIEW_ROWS).to_pandas()


def run(path: Path, mapping_text: str, actor: str, database: dbmod.Database | None = None):
    return load.run(mp.loads(mapping_text, path.parent), database or dbmod.get(), file=path, actor=actor)


def rejects_frame(report) -> pd.DataFrame:
    return report.rejects.to_pandas()
