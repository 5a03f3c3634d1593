"""Region view (a manager's home): the unit in focus against the company and its in-scope peers,
its journey stages, operations beside NPS by month, top themes with verbatims, open follow-up cases."""
import datetime as dt

import streamlit as st

from voc import config, ui, unit_view
from voc.narrate import escape_markdown

user, filters, scope = ui.context()
period = filters.period


def show(view, key: str) -> None:
    """A section's chart with its data download, or its helpful empty message."""
    section = view.data
    if section.empty:
        st.info(section.empty, icon=":material/info:")
    elif section.chart is not None:
        ui.chart(*view.figure("chart", frame="frame"), key=key, note=escape_markdown(section.note) or None)


versus_view = ui.view(unit_view.comparison, period, scope=scope)
versus = versus_view.data
st.title("Region view")
st.caption(f"**{escape_markdown(versus.unit_name)}** · {period.label()}. A difference is called out only when it "
           f"is statistically significant at 95%; groups with fewer than {config.MIN_GROUP_SIZE} answers are not "
           "drawn as a number.")

st.subheader(versus.heading)
if versus.too_small:
    ui.too_small(*versus.too_small)
show(versus_view, "uv_compare")
st.dataframe(versus.frame, hide_index=True, key="uv_compare_table", column_config={
    "nps": "NPS", "nps_low": "NPS low (95%)", "nps_high": "NPS high (95%)", "nps_n": "NPS n",
    "csat_pct": "CSAT %", "csat_n": "CSAT n", "ces": "CES (1–7)", "ces_n": "CES n",
    "vs_company": "Against the company"})

st.subheader("Journey stages")
stages_view = ui.view(unit_view.journey_stages, period, scope=scope)
stages = stages_view.data
show(stages_view, "uv_stages")
if len(stages.frame):
    st.dataframe(stages.frame, hide_index=True, key="uv_stages_table", column_config={
        "journey_stage": "Journey stage", "feedback_n": "Feedback", "nps": "NPS", "nps_low": None, "nps_high": None,
        "nps_n": "NPS n", "csat": "CSAT %", "csat_low": None, "csat_high": None, "csat_n": "CSAT n", "flag": "Note"})

st.subheader("Operations beside NPS")
show(ui.view(unit_view.operations, period, scope=scope), "uv_operations")

st.subheader("Top themes")
themes_view = ui.view(unit_view.top_themes, period, scope=scope)
themes = themes_view.data
show(themes_view, "uv_themes")
for index, (label, quotes) in enumerate(themes.quotes.items()):
    with st.expander(f"What customers say: {escape_markdown(label)}", expanded=index == 0):
        for quote in quotes or ["*No verbatim with text in this period.*"]:
            st.markdown(quote)

st.subheader("Open follow-up cases")
now = dt.datetime.now().replace(second=0, microsecond=0)
cases = ui.cached(unit_view.open_cases)(now, scope=scope)
if cases.empty:
    st.info(cases.empty, icon=":material/assignment:")
else:
    st.markdown(escape_markdown(cases.title))
    st.dataframe(cases.frame, hide_index=True, key="uv_cases_table", column_config={
        "case_id": "Case", "opened_at": st.column_config.DatetimeColumn("Opened", format="D MMM YYYY, HH:mm"),
        "due_at": st.column_config.DatetimeColumn("Due", format="D MMM YYYY, HH:mm"), "overdue": "Overdue"})
    if cases.note:
        st.caption(cases.note)
