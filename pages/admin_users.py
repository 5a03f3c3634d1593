"""Users (admins): every account with its role, scope and state; add, change, disable, enable, unlock."""
import streamlit as st

from voc import audit_log, auth, db, ui
from voc import filters as flt
from voc.narrate import escape_markdown
from voc.navigation import ROLES

user, filters, scope = ui.context()
st.title("Users")
st.caption("Accounts of the local user store. A scope limits a user to org units (each with its sub-units); "
           f"passwords need at least {auth.MIN_PASSWORD_LENGTH} characters. Every change is written to the audit log.")
if user.role != "admin":
    st.warning("Only admins manage users.", icon=":material/lock:")
    st.stop()
database = db.get()
units = {u.unit_id: u.name for u in ui.cached(flt.options)(user).units}
state = st.session_state
SECRETS = ("au_new_password", "au_new_repeat", "au_pw_password", "au_pw_repeat")


def attempt(done: str, change, clear: tuple = ()) -> None:
    """Button callback: run ``change()`` (one ``voc.auth`` call as this admin); the outcome shows on the next run."""
    try:
        change()
        state["au_flash"] = ("success", done)
        for key in clear:
            state[key] = ""
    except (ValueError, PermissionError) as exc:
        state["au_flash"] = ("error", f"Not done: {exc}")
    for key in SECRETS:  # typed passwords never survive a submit
        state[key] = ""


def password(prefix: str) -> str:
    if state.get(f"{prefix}_password") != state.get(f"{prefix}_repeat"):
        raise ValueError("the two passwords differ")
    return state.get(f"{prefix}_password") or ""


def chosen_units(prefix: str):
    """None (whole company) when ticked; else the picked units, refused when there are none."""
    if state.get(f"{prefix}_all"):
        return None
    if not state.get(f"{prefix}_units"):
        raise ValueError("choose at least one org unit, or tick 'Whole company'")
    return list(state[f"{prefix}_units"])


level, message = state.pop("au_flash", (None, None))
if level:
    getattr(st, level)(escape_markdown(message))

accounts = {a.user.username: a for a in auth.list_users(database)}
now = audit_log.now()
locked = {name: a.locked_until is not None and a.locked_until > now for name, a in accounts.items()}
if accounts:
    st.dataframe([{"username": name, "name": a.user.display_name, "role": a.user.role,
                   "scope": "whole company" if a.user.units is None else ", ".join(sorted(a.user.units)),
                   "disabled": a.disabled, "locked": locked[name],
                   "locked until (UTC)": a.locked_until if locked[name] else None,
                   "failed sign-ins": a.failed_attempts, "updated (UTC)": a.updated_at}
                  for name, a in accounts.items()], hide_index=True, key="au_table")
else:
    st.info("No accounts yet: add the first one below.", icon=":material/person_add:")

with st.expander("Add a user", icon=":material/person_add:", expanded=not accounts):
    a, b, c = st.columns(3)
    a.text_input("Username", key="au_new_username", max_chars=64)
    b.text_input("Display name", key="au_new_name", max_chars=200)
    c.selectbox("Role", ROLES, key="au_new_role")
    st.checkbox("Whole company", key="au_new_all")
    st.multiselect("Org units (when not the whole company)", list(units), format_func=units.get, key="au_new_units")
    a, b = st.columns(2)
    a.text_input("Password", type="password", key="au_new_password", autocomplete="new-password")
    b.text_input("Repeat password", type="password", key="au_new_repeat", autocomplete="new-password")
    st.button("Add user", key="au_add", type="primary", on_click=lambda: attempt(
        f"Added {auth.normalize(state.get('au_new_username'))}.", lambda: auth.create_user(
            database, user, state.get("au_new_username"), state.get("au_new_name"), state.get("au_new_role"),
            password("au_new"), chosen_units("au_new")), clear=("au_new_username", "au_new_name")))

if not accounts:
    st.stop()
st.subheader("Change a user")
pick = st.selectbox("User", list(accounts), key="au_pick")
account = accounts[pick]
st.markdown(escape_markdown(f"{account.user.display_name} · {account.user.role} · "
                            + ("disabled" if account.disabled else "enabled") + (" · locked" if locked[pick] else "")))
left, right = st.columns(2)
left.selectbox("Role", ROLES, index=ROLES.index(account.user.role), key=f"au_role_{pick}")
left.button("Save role", key="au_save_role", on_click=lambda: attempt(
    f"{pick} is now {state[f'au_role_{pick}']}.", lambda: auth.set_role(database, user, pick, state[f"au_role_{pick}"])))
right.checkbox("Whole company", value=account.user.units is None, key=f"au_edit_{pick}_all")
right.multiselect("Org units", list(units), default=[u for u in sorted(account.user.units or ()) if u in units],
                  format_func=units.get, key=f"au_edit_{pick}_units")
right.button("Save scope", key="au_save_scope", on_click=lambda: attempt(
    f"Scope of {pick} saved.", lambda: auth.set_scope(database, user, pick, chosen_units(f"au_edit_{pick}"))))
one, two, three = st.columns(3)
if account.disabled:
    one.button("Enable", key="au_enable", on_click=lambda: attempt(
        f"{pick} enabled.", lambda: auth.enable_user(database, user, pick)))
else:
    one.button("Disable", key="au_disable", on_click=lambda: attempt(
        f"{pick} disabled.", lambda: auth.disable_user(database, user, pick)))
two.button("Unlock", key="au_unlock", disabled=not locked[pick], on_click=lambda: attempt(
    f"{pick} unlocked.", lambda: auth.unlock_user(database, user, pick)))
with three.popover("Set a new password", icon=":material/password:"):
    st.text_input("New password", type="password", key="au_pw_password", autocomplete="new-password")
    st.text_input("Repeat password", type="password", key="au_pw_repeat", autocomplete="new-password")
    st.button("Save password", key="au_pw_save", on_click=lambda: attempt(
        f"Password of {pick} changed.", lambda: auth.set_password(database, user, pick, password("au_pw"))))
