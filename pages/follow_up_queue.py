"""Follow-up queue (an agent's home): my open cases, most urgent first; one case in full with ?case=<id>."""
import streamlit as st

from voc import audit_log, ui
from voc.loop import casepage, cases
from voc.narrate import escape_markdown

user, filters, scope = ui.context()
rights = user.scope.rights()  # a case is shown whatever the sidebar filters say, within the user's rights
now = audit_log.now().replace(second=0, microsecond=0)
case_id = st.query_params.get("case")


def submit(kind: str, version: int, fields: dict) -> None:
    """Form callback: ``version`` is the one this user saw when the form was drawn."""
    values = {name: st.session_state.get(key) for name, key in fields.items()}
    level, message = casepage.submit(kind, user, case_id, version, values)
    st.session_state["fq_flash"] = (level, message)
    if level == "success":
        for key in fields.values():
            if key.endswith("_text"):
                st.session_state[key] = ""


def go(target: str | None) -> None:
    if target:
        st.query_params["case"] = target
    else:
        st.query_params.pop("case", None)


if not case_id:
    st.title("Follow-up queue")
    st.caption(f"Cases assigned to {escape_markdown(user.display_name)}: customers not reached yet first, soonest "
               "due first. The SLA is first contact with the customer by the due time. Times are UTC.")
    mine = ui.cached(cases.queue)(user.username, now, scope=rights)
    open_n, overdue, soon = casepage.queue_counts(mine)
    for column, (label, value) in zip(st.columns(3), (("Open cases", open_n), ("Overdue, not reached", overdue),
                                                      ("Due within 4 hours", soon))):
        column.metric(label, f"{value:,}", border=True)
    pool = ui.cached(cases.queue)("", now, unassigned=True, scope=rights)
    if mine.empty:
        st.info("No open case is assigned to you. Take an unassigned one below, or check back after the next "
                "rules run.", icon=":material/inbox:")
    else:
        st.dataframe(casepage.queue_table(mine), hide_index=True, key="fq_queue", column_config={
            **casepage.QUEUE_LABELS,
            "sla_used": st.column_config.ProgressColumn("SLA used", format="%d%%", min_value=0, max_value=100),
            "due_at": st.column_config.DatetimeColumn("Due (UTC)", format="D MMM, HH:mm")})
    if len(pool):
        st.subheader(f"Unassigned cases in your units ({len(pool):,})")
        st.dataframe(casepage.queue_table(pool), hide_index=True, key="fq_pool", column_config=casepage.QUEUE_LABELS)
    choices = {**casepage.pick_label(mine), **casepage.pick_label(pool)}
    if choices:
        pick = st.selectbox("Open a case", list(choices), key="fq_pick", format_func=choices.get)
        st.button("Open case", key="fq_open", on_click=go, args=(pick,), type="primary")
    st.stop()

case = ui.cached(cases.get)(case_id, scope=rights)
st.button("Back to my queue", key="fq_back", on_click=go, args=(None,), icon=":material/arrow_back:")
if case is None:
    st.title("Case not available")
    st.warning(f"There is no case “{escape_markdown(case_id[:64])}” that you may see: it does not exist or "
               "belongs to an org unit outside your access.", icon=":material/block:")
    st.stop()
st.title(f"Case {case.case_id}")
st.markdown(casepage.state_line(case, now))
level, message = st.session_state.pop("fq_flash", (None, None))
if level:
    {"success": st.success, "conflict": st.warning, "error": st.warning}[level](escape_markdown(message))

left, right = st.columns([3, 2])
with left:
    st.subheader("What the customer said")
    for line in casepage.feedback_lines(case, user.role) + casepage.customer_lines(case, user.role):
        st.markdown(line)
with right, st.container(border=True):
    v = case.version
    if case.closed:
        st.text_area("Why reopen?", key="fq_reopen_text")
        st.button("Reopen", key="fq_reopen", on_click=submit, args=("reopen", v, {"note": "fq_reopen_text"}))
    else:
        attempt, resolve, note, assign = st.tabs(["Contact attempt", "Resolve & close", "Note", "Owner"],
                                                 key="fq_tabs", on_change="rerun")
        with attempt:
            st.selectbox("Channel", cases.CHANNELS, key="fq_att_channel")
            st.selectbox("Outcome", list(cases.ATTEMPT_OUTCOMES), key="fq_att_outcome",
                         format_func=cases.ATTEMPT_OUTCOMES.get)
            st.text_input("Note (optional)", key="fq_att_text")
            st.button("Log attempt", key="fq_att_save", on_click=submit, args=("attempt", v, {
                "channel": "fq_att_channel", "outcome": "fq_att_outcome", "note": "fq_att_text"}))
        with resolve:
            causes = ui.cached(cases.root_causes)()
            labels = dict(zip(causes.root_cause_id, causes.category + " · " + causes.label))
            st.selectbox("Root cause", list(labels), key="fq_res_cause", format_func=labels.get,
                         index=list(labels).index(case.row["root_cause"]) if case.row["root_cause"] in labels else None)
            st.text_area("Action taken", key="fq_res_text", placeholder=case.row["action_taken"] or "")
            st.radio("Was the customer told the outcome?", [True, False], key="fq_res_informed", horizontal=True,
                     format_func={True: "Yes", False: "No"}.get, index=None)
            st.button("Save resolution", key="fq_res_save", on_click=submit, args=("resolution", v, {
                "root_cause": "fq_res_cause", "action": "fq_res_text", "informed": "fq_res_informed"}))
            st.selectbox("Closing outcome", list(cases.CLOSE_OUTCOMES), key="fq_close_outcome",
                         format_func=cases.CLOSE_OUTCOMES.get)
            st.button("Close case", key="fq_close", type="primary", on_click=submit,
                      args=("close", v, {"outcome": "fq_close_outcome"}))
        with note:
            st.text_area("Note", key="fq_note_text")
            st.button("Add note", key="fq_note_save", on_click=submit, args=("note", v, {"note": "fq_note_text"}))
        with assign:
            st.button("Take this case", key="fq_take", on_click=submit, args=("take", v, {}),
                      disabled=case.row["owner"] == user.username)
            if user.role in ("manager", "admin"):
                st.text_input("Assign to (username)", key="fq_assign_text")
                st.button("Assign", key="fq_assign", on_click=submit, args=("assign", v, {"owner": "fq_assign_text"}))

st.subheader("Case history")
st.dataframe(casepage.events_table(case, user.role), hide_index=True, key="fq_events")
st.subheader("Customer history across every source")
st.dataframe(casepage.history_table(ui.cached(cases.history)(case.row["customer_id"], scope=rights), user.role),
             hide_index=True, key="fq_history")
