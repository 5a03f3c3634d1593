"""Listening audit: is the listening programme hearing enough customers, from enough sources, fairly?"""
import datetime as dt

import streamlit as st

from voc import listening_audit as aud
from voc import ui

user, filters, scope = ui.context()
st.title("Listening audit")
st.caption(f"{filters.period.label()} · coverage and freshness over the {aud.COVERAGE_DAYS} days to "
           f"{filters.period.end:%d %b %Y} · active customer = signed up and not churned by the period end.")
report = ui.view(aud.report, filters.period, dt.date.today(), scope=scope)
audit = report.data

st.header("Sources", divider="gray")
st.dataframe(report(aud.source_table), hide_index=True, key="la_sources")
for gap in audit.gaps:
    st.warning(gap, icon=":material/hearing_disabled:")
st.subheader("Imports")
loaded = ui.cached(aud.imports)(scope=scope)
if loaded.empty:
    st.info("No files have been imported into this database yet (the data was generated or loaded at build "
            "time). An admin imports data on the Data import page or with `python -m voc import`.",
            icon=":material/upload_file:")
else:
    st.dataframe(loaded, hide_index=True, key="la_imports")
for by in ("segment", "unit_name"):
    spec, frame, note = report.figure(aud.coverage_chart, by)
    if spec is None:
        st.info(note or "No active customers in this scope.")
    else:
        ui.chart(spec, frame, key=f"la_coverage_{by}", note=note)

st.header("Silent valuable customers", divider="gray")
st.markdown(aud.silent_sentence(audit))
if audit.silent_n:
    for by in ("unit_name", "segment"):
        spec, frame = report.figure(aud.silent_chart, by)
        ui.chart(spec, frame, key=f"la_silent_{by}")
    st.download_button("Download the silent customers (CSV: id, unit, segment, monthly revenue)",
                       lambda: aud.silent_customer_csv(filters.period, scope=scope),
                       file_name="silent_customers.csv", mime="text/csv", key="la_silent_list",
                       icon=":material/download:")

st.header("Who answers surveys", divider="gray")
st.markdown(aud.mix_sentence(audit))
for by in ("segment", "unit_name"):
    spec, frame = report.figure(aud.mix_chart, by)
    if spec is None:
        st.info("No NPS answers in this period and scope.")
    else:
        ui.chart(spec, frame, key=f"la_mix_{by}")

st.header("How insight is shared", divider="gray")
st.info(audit.stories, icon=":material/auto_stories:")

st.header("Programme maturity", divider="gray")
st.caption("Each dimension scores 0–5 by fixed rules from the measures above; the reasons say what earned "
           "each point and what would earn the next.")
for dimension in audit.maturity:
    st.markdown(f"**{dimension.name}: {dimension.score}/5.** {aud.md(dimension.because)}")
