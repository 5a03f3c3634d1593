"""Story studio (analysts, admins): write a story with a live preview, save drafts, publish, export."""
import streamlit as st

from voc import narrate, story_export, story_store, story_studio, ui
from voc.story_format import AUDIENCES

user, filters, scope = ui.context()
esc, state = narrate.escape_markdown, st.session_state
st.title("Story studio")
if not story_store.may_edit(user.role):
    st.warning("Only analysts and admins write stories.", icon=":material/lock:")
    st.stop()

names = {slug: f"{title} ({slug})" for slug, title, _ in story_store.catalog()}
pick = st.selectbox("Story", ["__new__", *names], key="ss_pick", format_func=lambda s: names.get(s, "New story…"))
new = pick == "__new__"
slug = st.text_input("Name of the new story", key="ss_slug", placeholder="e.g. returns-in-canada") if new else pick
if state.get("ss_loaded") != pick:  # another story chosen: open its newest version
    opened = story_studio.open_story("" if pick == "__new__" else pick, user)
    state.update(ss_body=opened.text, ss_base=opened.base_version, ss_label=opened.label, ss_loaded=pick)


def write(publish: bool) -> None:  # a callback: reads the widgets' current values from the state
    name = state.ss_slug if state.ss_pick == "__new__" else state.ss_pick
    try:
        if state.ss_pick == "__new__" and (problem := story_studio.new_slug_problem(name)):
            raise ValueError(problem)
        saved = story_store.save(None, name, state.ss_body, state.ss_base, user, publish=publish)
        state.update(ss_base=saved.version, ss_label=saved.label, ss_flash=("ok", f"Saved: {saved.label}."),
                     ss_pick=name, ss_loaded=name)
    except story_store.StoryConflict as exc:
        state.ss_flash = ("conflict", str(exc), story_studio.diff(exc.latest.body, state.ss_body,
                                                                  theirs_name=f"version {exc.latest.version}"))
    except story_store.StoryError as exc:
        state.ss_flash = ("error", "Not published: fix these first. " + "; ".join(map(str, exc.problems)))
    except (PermissionError, ValueError, RuntimeError) as exc:
        state.ss_flash = ("error", str(exc))


def reopen(change: str) -> None:  # after a conflict: the newest version in the editor, the user's edits beside it
    name = state.ss_slug if state.ss_pick == "__new__" else state.ss_pick
    opened = story_studio.open_story(name, user)
    state.update(ss_body=opened.text, ss_base=opened.base_version, ss_label=opened.label, ss_pick=name, ss_loaded=name,
                 ss_flash=("merge", f"Opened {opened.label}. Your edits are below: apply them again and save.", change))


edit, show = st.columns(2, gap="large")
with edit:
    st.caption(f"Editing {esc(state.ss_label)}. Saving adds a new version; nobody's work is overwritten.")
    st.text_area("Story text (Markdown with front matter)", key="ss_body", height=640)
    left, right = st.columns(2)
    left.button("Save draft", key="ss_save", icon=":material/save:", on_click=write, args=(False,), width="stretch")
    right.button("Publish", key="ss_publish", type="primary", icon=":material/publish:", on_click=write,
                 args=(True,), width="stretch")
    flash = state.pop("ss_flash", None) or ("", "")
    if flash[0]:
        {"ok": st.success, "merge": st.info}.get(flash[0], st.error)(esc(flash[1]))
        if flash[0] == "conflict":
            st.button("Open the newest version", key="ss_reopen", on_click=reopen, args=(flash[2],))
        if flash[0] in ("conflict", "merge") and flash[2]:
            st.code(flash[2], language="diff")
with show:
    audience = st.segmented_control("Preview as", AUDIENCES, key="ss_audience", default="executive") or "executive"
    found = ui.cached(story_studio.preview)(state.ss_body, slug or "new-story", audience, scope=user.scope)
    for p in found.problems:
        st.error(f"**Line {p.line}:** {esc(p.message)}", icon=":material/error:")
        st.code(p.source or " ", language="markdown")
    for i, block in enumerate(found.rendered.blocks if found.rendered else ()):
        if block.kind in ("markdown", "sentence"):
            st.markdown(block.text if block.kind == "markdown" else block.sentence.markdown)
        elif block.kind == "chart":
            ui.chart(block.chart, block.data, key=f"ss_{i}_{block.key}", note=block.note)
        elif block.kind == "evidence":
            st.markdown(f"**{block.title}**\n\n" + "\n\n".join(f"> {q.markdown}" for q in block.quotes))
        else:
            st.info(esc(block.text), icon=":material/info:")

if slug and story_store.SLUG.match(slug):
    with st.expander("History", icon=":material/history:"):
        st.dataframe(story_studio.history_table(slug), hide_index=True, key="ss_history")
    current, allowed = story_store.current(slug), story_studio.exportable(slug, user)
    with st.expander("Export the published version", icon=":material/download:"):
        if audience not in allowed:
            st.caption(f"No published version of this story for {audience}s: preview another audience.")
        else:
            st.caption(f"{esc(current.label)}, for {audience}s, as you may see it.")
            for fmt in story_export.FORMATS:
                st.download_button(f"Download {fmt.upper()}", key=f"ss_export_{fmt}", on_click="ignore",
                                   data=lambda f=fmt, s=slug, a=audience: story_export.export(s, a, {}, user, f).data,
                                   file_name=f"{slug}-{audience}.{fmt}", mime=story_export.FORMATS[fmt])
