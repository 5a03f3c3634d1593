"""Audit log (admins): who did what to which object, and whether it worked; newest first."""
import streamlit as st

from voc import audit_log, db, ui
from voc.scope import Scope

user, filters, scope = ui.context()
st.title("Audit log")
st.caption("Sign-ins, user changes, refused or run SQL, case work and imports, newest first (times in UTC). "
           "Rows are never changed or deleted by the application."
           + ("" if user.units is None else " Limited to users inside your org units."))
if user.role != "admin":
    st.warning("Only admins read the audit log.", icon=":material/lock:")
    st.stop()
database = db.get()
# The admin's org units alone: ``user.scope`` is masked (admins do not see contact details), and
# audit_log.recent would then treat even a company-wide admin as limited to some units.
rights = Scope(user.units)
recent = audit_log.recent(database, 2_000, scope=rights)  # the choices offered below
a, b, c = st.columns([2, 2, 1])
action = a.selectbox("Action", sorted(set(recent.action)), index=None, placeholder="Any action", key="al_action",
                     accept_new_options=True, help="Pick one, or type an exact action name")
actor = b.selectbox("Who", sorted(set(recent.actor)), index=None, placeholder="Anyone", key="al_actor",
                    accept_new_options=True, help="Pick one, or type an exact username")
limit = c.selectbox("Rows", [50, 200, 1_000, 10_000], index=1, key="al_limit")
rows = audit_log.recent(database, limit, scope=rights, action=action or None, actor=actor or None)
if rows.empty:
    st.info("No audit rows match these filters." if action or actor else "The audit log is empty.",
            icon=":material/receipt_long:")
    st.stop()
refused = int((rows.outcome != "ok").sum())
st.markdown(f"**{len(rows):,}** row{'s' if len(rows) != 1 else ''}, newest first"
            + (f" (the latest {limit:,}; raise *Rows* for more)" if len(rows) == limit else "")
            + f"; **{refused:,}** refused, failed or in error.")
st.dataframe(rows, hide_index=True, key="al_table", column_config={
    "id": st.column_config.NumberColumn("#", format="%d"),
    "occurred_at": st.column_config.DatetimeColumn("When (UTC)", format="YYYY-MM-DD HH:mm:ss"),
    "actor": "Who", "action": "Action", "target": "On what",
    "detail": st.column_config.TextColumn("Detail (JSON)", width="large"), "outcome": "Outcome"})
