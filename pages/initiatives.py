"""You said, we did: initiatives against the themes customers raised, measured before and after."""
import streamlit as st

from voc import ui
from voc.loop import initiatives as ini
from voc.narrate import escape_markdown

user, filters, scope = ui.context()
end = filters.period.end
st.title("You said, we did")
days = st.select_slider("Days compared on each side of the start", [30, 60, 90, 180], value=ini.DAYS, key="in_days")
st.caption(f"Each initiative is measured in its org units (with their sub-units) over {days} days before it "
           f"started and {days} days from its start (to {end:%d %b %Y} at most), with the rest of the company "
           "beside it. A change is called a change only when it is significant at 95% with enough answers.")

listing = ui.cached(ini.initiatives)(scope=scope)
if listing.empty:
    st.info("No initiative is recorded for your units yet. Record one below once a fix is under way.",
            icon=":material/campaign:")
else:
    results = ui.cached(ini.outcomes)(end, days, scope=scope)
    labels = dict(zip(listing.initiative_id, listing.title + " (" + listing.started_at.astype(str) + ")"))
    chosen = st.selectbox("Initiative", list(labels), format_func=labels.get, key="in_pick")
    info = listing.set_index("initiative_id").loc[chosen]
    st.markdown(escape_markdown(info.where_when))
    if isinstance(info.description, str):
        st.markdown("> " + escape_markdown(info.description))
    outcome = results.get(chosen)
    if outcome is None:
        st.info("This initiative starts after the end of the selected period.", icon=":material/event_upcoming:")
    else:
        headline = ini.headline(info.title, str(info.theme).lower(), outcome)
        ui.chart(ini.share_chart(ini.share_frame(outcome), headline, str(info.theme).lower()),
                 ini.share_frame(outcome), key="in_share")
        st.dataframe(outcome.table(), hide_index=True, key="in_table")
    people = ui.cached(ini.customers)(chosen, days, scope=scope)
    st.subheader(f"Customers who raised {escape_markdown(str(info.theme).lower())} before it started "
                 f"({len(people):,})")
    st.caption("Tell them what was done: the list below (still customers first) can be downloaded, or a "
               "“you said, we did” message queued to each one still a customer (sent by e-mail when configured).")
    st.dataframe(people.sort_values("still_customer", ascending=False), hide_index=True, key="in_people")
    if user.role in ini.EDIT_ROLES and st.button("Queue the message to these customers", key="in_notify"):
        queued = ini.notify_customers(None, user, chosen, days)
        st.success(f"Queued {queued:,} new message(s); customers already told are not told twice.")

if user.role in ini.EDIT_ROLES:
    with st.expander("Record an initiative", icon=":material/add:"), st.form("in_new", clear_on_submit=True):
        themes = ui.cached(ini.theme_options)()
        units = [u.unit_id for u in ui.cached(ini.unit_options)(user)]
        title = st.text_input("What was done", key="in_title")
        theme = st.selectbox("Theme it answers", list(themes), format_func=themes.get, key="in_theme")
        where = st.multiselect("Org units", units, key="in_units")
        start = st.date_input("Started", value=end, key="in_start")
        finish = st.date_input("Ended (optional)", value=None, key="in_end")
        text = st.text_area("Description", key="in_description")
        if st.form_submit_button("Record"):
            try:
                new_id = ini.create(None, user, title, theme, where, start, finish, text)
                st.success(f"Recorded {new_id}.")
            except (ValueError, PermissionError) as exc:
                st.warning(escape_markdown(str(exc)))
