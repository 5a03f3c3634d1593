"""Executive summary: what changed in the period, where, why, what it is worth, and the follow-up."""
import streamlit as st

from voc import narrate, summary, ui

user, filters, scope = ui.context()
st.title("Executive summary")
st.caption(
    f"{filters.period.label()} compared with {filters.period.previous().label()}. A change is called a change "
    "only when it is statistically significant at 95% with enough answers."
)
view = ui.view(summary.build, filters.period, scope=scope)
s = view.data
if not s.has_data:
    st.info("No feedback in this period or the previous one for your selection. Widen the period or the filters.",
            icon=":material/search_off:")
    st.stop()

st.subheader("What happened")
for i, sentence in enumerate(s.sentences):
    ui.sentence(sentence, key=f"ex_source_{i}")

for start in range(0, len(s.kpis), 3):
    for column, kpi in zip(st.columns(3), s.kpis[start:start + 3]):
        ui.kpi_tile(column, kpi)

if s.trend.enough_answers.any():
    ui.chart(*view.figure(summary.trend_chart, frame="trend"), key="ex_trend",
             note="Months with fewer than 30 NPS answers are left blank.")
else:
    st.info("Too few NPS answers in any month to draw a reliable trend.", icon=":material/visibility_off:")

left, right = st.columns(2)
with left:
    ranked = view(summary.ranked_units)
    if ranked.empty:
        st.info("No region has enough NPS answers in this period to rank.", icon=":material/visibility_off:")
    else:
        ui.chart(*view.figure(summary.units_chart, frame=summary.ranked_units), key="ex_units",
                 note=summary.small_units_note(s))
with right:
    st.markdown(f"**{narrate.escape_markdown(summary.themes_title(s))}**")
    if s.themes.empty:
        st.info("No theme was found in detractor feedback in this period.", icon=":material/category:")
    else:
        st.dataframe(view(summary.themes_table), hide_index=True, key="ex_themes", column_config={
            "Revenue at risk (annualised)": st.column_config.NumberColumn(format="localized")})
        st.caption("Revenue at risk: 12 × monthly revenue of detractor customers (latest answer 0–6) who have "
                   "not left. A customer who mentions several themes counts under each.")

st.subheader("Closed-loop follow-up")
if not s.cases.cases_total:
    st.info("Follow-up cases are not tracked yet: once detractor follow-ups are logged as cases, their open "
            "count, SLA and time to first contact appear here.", icon=":material/assignment_late:")
else:
    for column, (label, value, help_text) in zip(st.columns(3), summary.case_tiles(s.cases)):
        column.metric(label, value, help=help_text, border=True)
    if s.follow_up_value is not None:
        ui.sentence(s.follow_up_value, key="ex_source_follow_up")
