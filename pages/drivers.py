"""Drivers: why, not just what — what moves NPS, what exposure to problems costs, and a what-if."""
import streamlit as st

from voc import config, drivers, exposure, ui, whatif

user, filters, scope = ui.context()
period = filters.period
st.title("Drivers: why, not just what")
st.caption(f"{period.label()}. A difference is called real only when it is statistically significant at 95% "
           f"with at least {config.MIN_GROUP_SIZE} answers on each side; grey means the data cannot tell yet.")
wait = st.slider("A long wait is more than (minutes)", 1, 30, drivers.LONG_WAIT_MINUTES, key="dr_wait")
analysis_view = ui.view(drivers.key_drivers, period, wait, scope=scope)
result_view = ui.view(exposure.outcomes, period, wait, scope=scope)
analysis, result = analysis_view.data, result_view.data

st.subheader("What moves the score")
left, right = st.columns(2)
score = left.segmented_control("Score", list(drivers.SCORES), default="nps", key="dr_score",
                               format_func=lambda k: drivers.SCORES[k][0]) or "nps"
kind = right.segmented_control("Drivers", list(drivers.KINDS), default="operational", key="dr_kind",
                               format_func=drivers.KINDS.get) or "operational"
if not analysis.operational_loaded:
    st.info("No operational data loaded: driver analysis needs orders or contacts. Only themes can be analysed.",
            icon=":material/database_off:")
if message := drivers.empty_message(analysis, kind):
    st.info(message, icon=":material/block:")
elif not analysis.testable(score, kind):
    ui.too_small(f"Every {drivers.KINDS[kind].lower()} driver group ({drivers.SCORES[score][0]})",
                 max((d.change(score).current.n for d in analysis.of_kind(kind)), default=0))
else:
    ui.chart(*analysis_view.figure(drivers.effect_chart, score, kind), key="dr_effects", note=drivers.METHOD)
if analysis.of_kind(kind):
    st.dataframe(analysis_view(drivers.table, score, kind), hide_index=True)
if note := drivers.unanswered_note(analysis, score, kind):
    st.caption(note)

st.subheader("What exposure costs")
st.caption("Customers of the period exposed to a problem against comparable customers who were not (see "
           "“compares”). NPS: latest answer in the period; churn: left between the start of "
           f"the period and {result.churn_until or 'the end of the data'} ({exposure.CHURN_DAYS} days after the "
           "period, or the last day with data); revenue: average monthly revenue in the period.")
if result.exposures:
    st.dataframe(result_view(exposure.exposure_table), hide_index=True)
    if note := exposure.absent_note(result):
        st.caption(note)
else:
    st.info("No orders, contacts or incidents in this period and scope: nothing to compare.",
            icon=":material/database_off:")

st.subheader("Return on experience")
if result.by_nps_group and result.churn_loaded:
    spec, frame = result_view.figure(exposure.roe_chart, period)
    if spec is not None:
        ui.chart(spec, frame, key="dr_roe", note=exposure.roe_sentence(result))
        st.dataframe(result_view(exposure.roe_table), hide_index=True)
    else:
        ui.too_small("Each NPS group", max(g.customers for g in result.by_nps_group.values()))
else:
    st.info(exposure.roe_sentence(result) if not result.churn_loaded else "No NPS answers in this period and scope.",
            icon=":material/database_off:")

st.subheader("What if")
options = {d.label: d for d in whatif.candidates(analysis.drivers)}
if not options:
    st.info("No operational problem significantly lowers NPS in this period, so there is nothing reliable to "
            "project.", icon=":material/science:")
else:
    left, right = st.columns(2)
    choice = left.selectbox("Driver", list(options), key="dr_driver")
    cut = right.slider("Reduce exposure by (%)", 5, 100, 25, step=5, key="dr_cut")
    projection = whatif.what_if(options[choice], cut, result)
    for column, (label, value) in zip(st.columns(3), whatif.tiles(projection)):
        column.metric(label, value, border=True)
    st.markdown(whatif.summary(projection))
    st.markdown(whatif.assumptions_markdown(projection))
