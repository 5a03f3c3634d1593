"""Data import (admin): upload a file, let the assistant draft a mapping, preview and validate, import."""
import streamlit as st

from voc import ui

from voc.ingest import admin
from voc.ingest.mapping import MappingError
from voc.ingest.readers import FileError
from voc.ingest.report import ImportRejected

user, filters, scope = ui.context()
st.title("Data import")
st.caption("CSV (any delimiter and encoding), Parquet or Excel → canonical tables, through a mapping. "
           "Nothing is written until the whole file has been checked; a load is one transaction.")
if user.role != "admin":
    st.warning("Only admins can import data.", icon=":material/lock:")
    st.stop()

upload = st.file_uploader("File", type=["csv", "tsv", "txt", "parquet", "xlsx"], key="di_upload")
header_rows = st.number_input("Header rows (3 for a Qualtrics export)", 1, 20, 1, key="di_header_rows")
if upload is None:
    st.info("Upload a file to start. Example mappings: `voc/ingest/examples/`.", icon=":material/upload_file:")
    st.stop()
if st.session_state.get("di_file_name") != (upload.name, upload.size):
    st.session_state["di_path"] = admin.save_upload(upload.name, upload.getvalue())
    st.session_state["di_file_name"] = (upload.name, upload.size)
    st.session_state.pop("di_mapping", None)
path = st.session_state["di_path"]
try:
    if "di_mapping" not in st.session_state:
        st.session_state["di_mapping"] = admin.suggest(path, int(header_rows))
except FileError as exc:
    st.error(str(exc), icon=":material/error:")
    st.stop()

st.subheader("Mapping")
st.caption("Drafted by the mapping assistant from the column names and sample values: review every line.")
mapping_text = st.text_area("Mapping (YAML)", key="di_mapping", height=320)
check, load = st.columns(2)
if check.button("Preview and validate", key="di_check", icon=":material/rule:"):
    try:
        report, preview = admin.check(path, mapping_text)
        st.session_state["di_report"] = report
        st.dataframe(preview, hide_index=True, key="di_preview")
    except (MappingError, FileError) as exc:
        st.error(str(exc), icon=":material/error:")
if load.button("Import", type="primary", key="di_import", icon=":material/database_upload:"):
    try:
        st.session_state["di_report"] = admin.run(path, mapping_text, user.username)
    except ImportRejected as exc:
        st.session_state["di_report"] = exc.report
    except (MappingError, FileError) as exc:
        st.error(str(exc), icon=":material/error:")

report = st.session_state.get("di_report")
if report is not None:
    st.subheader("Validation report")
    (st.success if report.status in ("loaded", "unchanged", "checked") and not report.rows_rejected
     else st.warning)(report.headline())
    st.code(report.summary(max_rejects=0), language=None)
    if report.rejects.num_rows:
        st.dataframe(admin.rejects_frame(report), hide_index=True, key="di_rejects")
        st.download_button("Download every rejected row (CSV)", report.rejects_csv(), file_name="rejected_rows.csv",
                           mime="text/csv", key="di_rejects_download", icon=":material/download:")
