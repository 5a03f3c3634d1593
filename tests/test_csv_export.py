"""Every CSV the app offers defuses spreadsheet formulas and leaves numbers alone."""
import io

import pandas as pd
import pyarrow as pa

from voc import csv_export
from voc.ingest.report import REJECT_SCHEMA, Report


def read(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)


def test_formula_cells_get_an_apostrophe_and_other_cells_do_not():
    frame = pd.DataFrame({
        "text": ['=HYPERLINK("http://evil.example","x")', "+1 555 0100", "-sum(A1)", "@cmd", "\tx", "fine, thanks"],
        "score": [-3, 4, 5, 6, 7, 8],
    })
    out = read(csv_export.frame_csv(frame))
    assert list(out["text"]) == ["'=HYPERLINK(\"http://evil.example\",\"x\")", "'+1 555 0100", "'-sum(A1)",
                                 "'@cmd", "'\tx", "fine, thanks"]
    assert list(out["score"]) == ["-3", "4", "5", "6", "7", "8"]  # numbers are not text: untouched


def test_column_names_and_byte_order_mark():
    frame = pd.DataFrame({"=evil": ["a"]})
    data = csv_export.frame_csv(frame, excel_bom=True)
    assert data.startswith("\ufeff".encode("utf-8"))
    assert data.decode("utf-8-sig").splitlines()[0] == "'=evil"
    assert not csv_export.frame_csv(frame).startswith("\ufeff".encode("utf-8"))


def test_the_rejected_rows_report_is_defused():
    rejects = pa.Table.from_pylist([{"row": 4, "table": "feedback", "reasons": "=1+1 is not a score",
                                     "record": '{"Q2": "=HYPERLINK(1)"}'}], schema=REJECT_SCHEMA)
    report = Report(source="s", file="f.csv", policy="reject", rejects=rejects)
    out = read(report.rejects_csv())
    assert out.loc[0, "reasons"] == "'=1+1 is not a score"
    assert out.loc[0, "record"] == '{"Q2": "=HYPERLINK(1)"}'  # JSON text starts with a brace: inert


def test_production_settings_leave_export_to_the_apps_own_buttons():
    """Streamlit's production settings are on (issue 5): no tracebacks or developer menu for viewers,
    XSRF protection, and no table-toolbar CSV export that would bypass the formula guard above."""
    import tomllib

    from voc import config

    settings = tomllib.loads((config.ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert settings["client"]["showErrorDetails"] == "none"
    assert settings["client"]["toolbarMode"] == "viewer"
    assert settings["client"]["disableDataExport"] is True
    assert settings["server"]["enableXsrfProtection"] is True
    assert settings["browser"]["gatherUsageStats"] is False
