"""Case rules (admins): which feedback opens a follow-up case, who owns it, and the notifications outbox."""
import streamlit as st

from voc import ui
from voc.loop import outbox, owners, rules
from voc.narrate import escape_markdown

user, filters, scope = ui.context()
st.title("Case rules")
st.caption("Rules are checked in rank order; the first one a piece of feedback matches opens its case. Each case "
           "goes to an agent of its org unit (round robin) unless the rule names an owner; its SLA is first "
           "contact within the rule's hours, on the clock or in the unit's business hours.")
if user.role != "admin":
    st.warning("Only admins edit case rules.", icon=":material/lock:")
    st.stop()

NEW = "(new rule)"


def save(rule_id: str, version) -> None:
    """Form callback; ``version`` is the one this admin saw (None for a new rule)."""
    get = lambda field: st.session_state.get(f"cr_{rule_id}_{field}")  # noqa: E731
    try:
        rule = rules.Rule(get("id") if rule_id == NEW else rule_id, get("name"), get("kind"), get("threshold"),
                          get("priority"), get("sla_hours"), get("business_hours"), get("escalate") / 100,
                          get("rank"), get("enabled"), get("unit"), get("segment"), get("owner"))
        st.session_state["cr_flash"] = ("success", f"Saved rule {rule.rule_id} (version "
                                                   f"{rules.save(None, user, rule, version)}).")
    except (ValueError, PermissionError, rules.RuleChanged) as exc:
        st.session_state["cr_flash"] = ("warning", f"Not saved: {exc}")


level, message = st.session_state.pop("cr_flash", (None, None))
if level:
    getattr(st, level)(escape_markdown(message))
table = ui.cached(rules.rules)()
st.dataframe(table, hide_index=True, key="cr_table")
pick = st.selectbox("Edit a rule", [NEW] + list(table.rule_id), key="cr_pick")
r = table.set_index("rule_id").loc[pick] if pick != NEW else None
with st.form(f"cr_form_{pick}"):
    if r is None:
        st.text_input("Rule id (lower-case letters, digits, _)", key=f"cr_{pick}_id")
    st.text_input("Name", value="" if r is None else r["name"], key=f"cr_{pick}_name")
    kinds = list(rules.KINDS)
    kind = st.selectbox("Kind", kinds, index=0 if r is None else kinds.index(r.kind), key=f"cr_{pick}_kind",
                        format_func=lambda k: f"{k}: {rules.KINDS[k][0]}")
    st.number_input("Threshold", value=6.0 if r is None else float(r.threshold), key=f"cr_{pick}_threshold")
    left, right = st.columns(2)
    left.selectbox("Priority", rules.PRIORITIES, index=1 if r is None else rules.PRIORITIES.index(r.priority),
                   key=f"cr_{pick}_priority")
    left.number_input("SLA (hours to first contact)", min_value=0.25, max_value=720.0,
                      value=24.0 if r is None else float(r.sla_hours), key=f"cr_{pick}_sla_hours")
    left.checkbox("Count business hours only", value=False if r is None else bool(r.business_hours),
                  key=f"cr_{pick}_business_hours")
    left.slider("Escalate to the manager at this share of the SLA (%)", 10, 100,
                75 if r is None else int(round(100 * r.escalate_share)), key=f"cr_{pick}_escalate")
    right.number_input("Rank (lower is checked first)", value=100 if r is None else int(r["rank"]), step=1,
                       key=f"cr_{pick}_rank")
    right.checkbox("Enabled", value=True if r is None else bool(r.enabled), key=f"cr_{pick}_enabled")
    right.text_input("Only org unit (blank: all)", value="" if r is None or r.unit_filter is None else r.unit_filter,
                     key=f"cr_{pick}_unit")
    right.text_input("Only segment (blank: all)", value="" if r is None or r.segment_filter is None
                     else r.segment_filter, key=f"cr_{pick}_segment")
    right.text_input("Fixed owner (blank: round robin)", value="" if r is None or r.owner is None else r.owner,
                     key=f"cr_{pick}_owner")
    st.form_submit_button("Save rule", on_click=save, args=(pick, None if r is None else int(r.version)))

st.header("Who owns cases", divider="gray")
st.dataframe(ui.cached(owners.roster)(scope=user.scope), hide_index=True, key="cr_staff")
with st.form("cr_person", clear_on_submit=True):
    a, b, c, d = st.columns(4)
    name, unit = a.text_input("Username", key="cr_p_name"), b.text_input("Org unit", key="cr_p_unit")
    role, email = c.selectbox("Role", owners.ROLES, key="cr_p_role"), d.text_input("E-mail", key="cr_p_email")
    active = st.checkbox("Active", value=True, key="cr_p_active")
    if st.form_submit_button("Add or update"):
        try:
            owners.save_person(None, user, name, unit, role, email=email, active=active)
            st.success(f"Saved {name} as {role} of {unit}.")
        except (ValueError, PermissionError) as exc:
            st.warning(escape_markdown(str(exc)))

st.header("Notifications outbox", divider="gray")
smtp = outbox.smtp_settings()
st.caption(f"Sent through {smtp.host}:{smtp.port}." if smtp else
           "No SMTP server configured (VOC_SMTP_HOST): notifications wait here, unsent.")
st.dataframe(outbox.messages().drop(columns=["body"]), hide_index=True, key="cr_outbox")
