"""Settings read from the environment, with their defaults, in one place."""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUERIES_DIR = ROOT / "queries"
STORIES_DIR = ROOT / "stories"
DEFAULT_DB = ROOT / "data" / "voc.duckdb"

# Groups smaller than this are suppressed or flagged, never shown as a precise figure.
MIN_GROUP_SIZE = int(os.environ.get("VOC_MIN_GROUP", "30"))
# DuckDB memory limit of the app's connection (keeps the server's footprint bounded).
MEMORY_LIMIT = os.environ.get("VOC_DUCKDB_MEMORY", "1GB")
# Two-sided significance level used for every "did it change" test.
ALPHA = 0.05


def db_path() -> Path:
    """The warehouse file: ``VOC_DB`` if set, else ``data/voc.duckdb``."""
    return Path(os.environ.get("VOC_DB") or DEFAULT_DB)
