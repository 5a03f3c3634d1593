"""Overdue cases (managers): customers waiting past the escalation point, SLA compliance, what follow-up is worth."""
import streamlit as st
from streamlit.errors import StreamlitAPIException

from voc import audit_log, ui
from voc.loop import escalate, value
from voc.narrate import escape_markdown

user, filters, scope = ui.context()
now = audit_log.now().replace(second=0, microsecond=0)
st.title("Overdue cases")
st.caption("Open follow-up cases whose customer has not been reached, past their escalation point (a share of "
           "the SLA set by each case rule, 75% unless the rule says otherwise). Times are UTC.")

flagged_view = ui.view(escalate.flagged, now, scope=scope)
flagged = flagged_view.data
st.subheader(escape_markdown(flagged_view(escalate.summary_title, now)))
if flagged.empty:
    st.success("Nothing to chase: every customer waiting for a call back is still within the SLA.",
               icon=":material/task_alt:")
else:
    st.dataframe(flagged_view(escalate.table), hide_index=True, key="oc_flagged", column_config={
        "sla_used": st.column_config.ProgressColumn("SLA used", format="percent", min_value=0, max_value=1),
        "escalated_at": st.column_config.DatetimeColumn("Manager told (UTC)", format="D MMM, HH:mm"),
        "opened_at": st.column_config.DatetimeColumn("Opened (UTC)", format="D MMM, HH:mm"),
        "due_at": st.column_config.DatetimeColumn("Due (UTC)", format="D MMM, HH:mm")})
    pick = st.selectbox("Open a case", list(flagged.case_id), key="oc_pick")
    try:
        st.page_link("pages/follow_up_queue.py", label=f"Open case {pick}", icon=":material/open_in_new:",
                     query_params={"case": pick, **filters.to_url()})
    except StreamlitAPIException:  # the follow-up queue is not among this session's pages
        st.caption(f"Open it from the Follow-up queue page with ?case={pick}.")

st.header("SLA compliance", divider="gray")
monthly_view = ui.view(value.sla_by_month, now, scope=scope)
if monthly_view.data.in_time_pct.notna().any():
    ui.chart(*monthly_view.figure(value.sla_chart, frame=ui.itself), key="oc_sla",
             note="Share of cases due by now whose customer was reached by the due time, by month the case opened.")
else:
    st.info("Too few follow-up cases in any month (fewer than 30 due) to show SLA compliance.",
            icon=":material/visibility_off:")
hours_view = ui.view(value.contact_hours, filters.period, scope=scope)
ui.chart(*hours_view.figure(value.contact_hours_chart, frame=ui.itself), key="oc_hours", note=filters.period.label())

st.header("What following up is worth", divider="gray")
worth_view = ui.view(value.build, filters.period.end, scope=scope)
worth = worth_view.data
if not worth.cases:
    st.info("No detractor follow-up case has been watched for 90 days yet in your units: the comparison of "
            "contacted and not-contacted detractors needs that history.", icon=":material/hourglass_empty:")
    st.stop()
st.markdown(escape_markdown(worth_view(value.headline)))
ui.chart(*worth_view.figure(value.churn_chart, frame="groups"), key="oc_worth",
         note="An association in historical cases, not an experiment: customers reached in time may differ in "
              "other ways from those reached late.")
st.dataframe(worth_view(value.effect_table), hide_index=True, key="oc_effects")
for label, frame, key in (("By unit", worth.by_unit, "oc_units"), ("By agent", worth.by_agent, "oc_agents")):
    st.markdown(f"**{label}**: churn within {value.FOLLOW_DAYS} days, contacted in time against late or never")
    st.dataframe(frame, hide_index=True, key=key)
