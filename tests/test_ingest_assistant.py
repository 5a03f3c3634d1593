"""The mapping assistant on known headers, and reading files: encodings, delimiters, Excel."""
from pathlib import Path

import pyarrow as pa
import pytest

from voc import db
from voc.ingest import admin, assistant, load, mapping, readers

DATA = Path(__file__).resolve().parent / "data"
TELCO = Path(__file__).resolve().parent.parent.parent / "shared" / "datasets" / "telco_churn" / "Telco-Customer-Churn.csv"


def test_suggestions_for_a_qualtrics_export():
    yaml_text = admin.suggest(DATA / "survey_fixture.csv", header_rows=3)
    proposal = mapping.loads(yaml_text.replace("file: survey_fixture.csv", "file: x.csv"), DATA)
    table = proposal.targets[0]
    chosen = {c.target: c.source for c in table.columns}
    assert table.table == "feedback"
    assert chosen["feedback_id"] == "ResponseId" and chosen["customer_id"] == "ExternalReference"
    assert chosen["nps"] == "Q1" and chosen["csat"] == "Q3" and chosen["text"] == "Q2"
    assert chosen["submitted_at"] == "EndDate" and chosen["language"] == "UserLanguage"
    assert "unit_id" not in chosen                         # empty location columns fill nothing
    assert proposal.csv.header_rows == 3


def test_suggestions_for_the_telco_headers():
    names = ["customerID", "gender", "SeniorCitizen", "tenure", "Contract", "InternetService", "PhoneService",
             "MonthlyCharges", "Churn"]
    values = [["7590-VHVEG", "5575-GNVDE"], ["Female", "Male"], ["0", "0"], ["1", "34"],
              ["Month-to-month", "One year"], ["DSL", "DSL"], ["No", "Yes"], ["29.85", "56.95"], ["No", "No"]]
    table = pa.table({n: pa.array(v) for n, v in zip(names, values)})
    target, suggestions = assistant.suggest(table)
    chosen = {s.target: s.source for s in suggestions}
    assert target == "customers"
    assert chosen == {"customer_id": "customerID", "segment": "Contract", "plan": "InternetService",
                      "signup_at": "tenure"}


def _csv_mapping(**csv):
    return mapping.parse({"source": "t", "csv": csv, "tables": {"org_units": {
        "unit_id": "id", "name": "name", "level": {"value": "region"}}}})


@pytest.mark.parametrize("encoding,declared", [("utf-8-sig", None), ("gbk", None), ("gbk", "gbk"),
                                               ("utf-16", None), ("cp1252", "cp1252")])
def test_encodings_are_read_or_detected(tmp_path, encoding, declared):
    text = "id;name\nsh;上海 Shanghai\nbj;北京 Beijing\n" if encoding != "cp1252" else "id;name\nqc;Québec\n"
    path = tmp_path / "units.csv"
    path.write_bytes(text.encode(encoding))
    source = readers.read(path, _csv_mapping(**({"encoding": declared} if declared else {})))
    assert source.delimiter == ";"
    assert source.table["name"].to_pylist() == [line.split(";")[1] for line in text.splitlines()[1:]]


def test_rows_with_the_wrong_number_of_fields_are_set_aside(tmp_path):
    path = tmp_path / "units.csv"
    path.write_text('id,name\na,"Alpha, Inc"\nb,Beta,extra\nc,"multi\nline"\n', encoding="utf-8")
    source = readers.read(path, _csv_mapping())
    assert source.table["name"].to_pylist() == ["Alpha, Inc", "multi\nline"]
    assert len(source.bad_rows) == 1 and "3 fields where the header has 2" in source.bad_rows[0]["reason"]


def test_excel_files_are_read_and_formulas_are_refused(private_db_path, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Unit", "Name", "Level"])
    sheet.append(["north", "North", "region"])
    sheet.append(["south", '=HYPERLINK("http://evil.example","South")', "region"])
    book.save(tmp_path / "units.xlsx")
    (tmp_path / "units.yaml").write_text(
        "source: units\nfile: units.xlsx\non_error: quarantine\ntables:\n  org_units:\n"
        "    unit_id: Unit\n    name: Name\n    level: Level\n    parent_id: {value: lumen}\n", encoding="utf-8")
    report = load.run(tmp_path / "units.yaml", db.get(private_db_path))
    assert report.status == "partial" and report.rows_loaded == 1
    assert "spreadsheet formula" in report.rejects.to_pylist()[0]["reasons"]


def test_the_telco_file_is_read_with_its_blank_total_charges():
    if not TELCO.exists():
        pytest.skip(f"the shared Telco dataset is not available at {TELCO}")
    source = readers.read(TELCO, _csv_mapping())
    assert source.table.num_rows == 7043 and source.encoding == "utf-8"
    blanks = [v for v in source.table["TotalCharges"].to_pylist() if not v.strip()]
    assert len(blanks) == 11
