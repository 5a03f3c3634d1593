"""Stories: the gallery (no ``story`` in the URL), or one story for the reader's role with its parameters."""
import datetime as dt

import streamlit as st

from voc import story_store
from voc import narrate, stories, ui

user, filters, scope = ui.context()
rights = user.scope  # a story brings its own period and unit; the reader's rights always apply
esc = narrate.escape_markdown
back = filters.to_url()  # keeps the global filters in the links

if not st.query_params.get("story"):
    st.title("Stories")
    st.caption("Findings told as stories, each in the version written for your role.")
    cards = stories.gallery(user.role)
    if not cards:
        st.info("No story is published for your role yet.", icon=":material/auto_stories:")
    for i, card in enumerate(cards):
        with st.container(border=True, key=f"st_card_{i}"):
            st.markdown(f"**{esc(card.title)}**" + ("" if card.status == "published" else f" · *{esc(card.status)}*"))
            st.markdown(esc(card.summary))
            st.caption(esc("; ".join(card.problems) if card.problems else card.byline))
            if card.status != "error":
                st.page_link("pages/stories.py", label="Read the story", icon=":material/arrow_forward:",
                             query_params={**back, "story": card.slug})
    st.stop()

entry = stories.readable(user.role, st.query_params.get("story"))
if entry is None:
    st.warning("This story does not exist or is not published for your role.", icon=":material/link_off:")
    st.page_link("pages/stories.py", label="All stories", query_params=back)
    st.stop()
story = entry.story
audience = stories.choose_audience(user.role, story, st.query_params.get("audience"))
raw = stories.from_url(st.query_params.to_dict())
found = ui.cached(stories.show)(story.slug, audience, tuple(sorted(raw.items())), entry.digest, scope=rights)
story_store.record_read(None, story.slug, entry.version, user)

st.page_link("pages/stories.py", label="All stories", icon=":material/arrow_back:", query_params=back)
st.title(esc(story.title))
st.caption(esc(story.summary) + " Stories have their own period and unit (below); the sidebar filters do not apply.")
for message in found.messages:
    st.warning(esc(message), icon=":material/link_off:")
for key, value in stories.url_fixes(raw, found.params).items():  # the URL keeps only valid values
    if value is None:
        del st.query_params[key]
    else:
        st.query_params[key] = value


def to_url(name):
    value = st.session_state[f"st_p_{name}"]
    st.query_params[stories.URL_PREFIX + name] = value.isoformat() if isinstance(value, dt.date) else str(value or "")


with st.expander("Parameters", icon=":material/tune:"):
    if user.role == "analyst":
        st.session_state["st_audience"] = audience
        st.segmented_control("Version for", stories.audiences_for(user.role, story), key="st_audience",
                             on_change=lambda: st.query_params.update(audience=st.session_state["st_audience"]))
    controls = stories.controls(story, ui.cached(stories.options)(scope=rights))
    for column, c in zip(st.columns(max(len(controls), 1)), controls):
        key, value = f"st_p_{c.name}", found.params.get(c.name, "")
        st.session_state[key] = dt.date.fromisoformat(value) if c.type == "date" else (
            value if not c.choices or value in dict(c.choices) else c.choices[0][0])
        if c.type == "date":
            column.date_input(c.label, key=key, on_change=to_url, args=(c.name,))
        elif c.choices:
            column.selectbox(c.label, [v for v, _ in c.choices], key=key, format_func=dict(c.choices).get,
                             on_change=to_url, args=(c.name,))
        else:
            column.text_input(c.label, key=key, on_change=to_url, args=(c.name,))

for i, block in enumerate(found.blocks):
    if block.kind == "markdown":
        st.markdown(block.text)
    elif block.kind == "sentence":
        text, source = st.columns([12, 1], vertical_alignment="center")
        text.markdown(block.sentence.markdown)
        with source.popover("", icon=":material/info:", type="tertiary", key=f"st_source_{i}", help="Source"):
            for line in block.sentence.provenance:
                st.markdown("- " + esc(line.describe()))
    elif block.kind == "chart":
        ui.chart(block.chart, block.data, key=block.key, note=block.note)
    elif block.kind == "evidence":
        st.markdown(f"**{block.title}**")
        for quote in block.quotes:
            st.markdown("> " + quote.markdown)
            st.caption(esc(quote.meta))
        st.caption(esc(block.note or ""))
    else:
        st.info(esc(block.text), icon=":material/info:")
