"""Voice explorer: every source side by side, emerging themes, and a search across all verbatims."""
import streamlit as st

from voc import emerging, search, ui, voice
from voc import voice_charts as vc

user, filters, scope = ui.context()
period = filters.period
st.title("Voice explorer")
st.caption(f"{period.label()}. Every source of feedback, the themes on the rise, and what customers wrote.")

overview = ui.view(voice.overview, period, scope=scope)
found = overview.data
if not found.total:
    st.info("No feedback in this period and scope: choose a longer period or another org unit.")
    st.stop()

st.subheader("All sources side by side")
st.caption(found.solicited_note)
st.dataframe(overview(voice.table_for_display), hide_index=True, column_config={
    "share_pct": st.column_config.NumberColumn("share %", format="%.1f"),
    "vs_previous": st.column_config.TextColumn("vs previous period", help="Poisson test of the volume change"),
    "negative_pct": st.column_config.NumberColumn("negative %", format="%.1f"),
    "negative_moe": st.column_config.NumberColumn("± (95%)", format="%.1f"),
    "top_themes": st.column_config.TextColumn("top themes (% of texts)", width="large")},
    key="vx_sources_table")
ui.chart(*overview.figure(vc.volume_chart, frame="trend"), key="vx_volume_chart")
ui.chart(*overview.figure(vc.sentiment_chart, frame="trend"), key="vx_sentiment_chart")
if found.themes.empty:
    st.info(found.themes_title, icon=":material/label_off:")
else:
    ui.chart(*overview.figure(vc.themes_chart, frame="themes"), key="vx_themes_chart")

st.subheader("Emerging themes")
emerging_view = ui.view(emerging.emerging, period, scope=scope)
rising = emerging_view.data
st.caption(rising.method())
if rising.risers:
    ui.chart(*emerging_view.figure(vc.rise_chart, frame=vc.rise_frame), key="vx_emerging_chart")
    ui.chart(*emerging_view.figure(vc.emerging_trend_chart, frame="trend"), key="vx_emerging_trend_chart")
else:
    st.info(rising.verdict(), icon=":material/trending_flat:")

st.subheader("What customers wrote")
reset = lambda: st.session_state.update(vx_page=1)  # noqa: E731
term = st.text_input("Search verbatims (any language, not case-sensitive)", key="vx_search", max_chars=200,
                     placeholder="e.g. late, refund, 快递", on_change=reset)
cols = st.columns(4)
themes = cols[0].multiselect("Theme", list(rising.labels), format_func=rising.labels.get, key="vx_theme",
                             placeholder="Any", on_change=reset)
bands = cols[1].multiselect("Sentiment", list(search.BANDS), format_func=search.BANDS.get, key="vx_sentiment",
                            placeholder="Any", on_change=reset)
sources = cols[2].multiselect("Source", list(found.sources), key="vx_source", placeholder="Any", on_change=reset)
languages = cols[3].multiselect("Language", list(found.languages), key="vx_language", placeholder="Any",
                                on_change=reset)
criteria = search.Criteria.of(term, themes, bands, sources, languages)
results = ui.cached(search.search)(period, criteria, scope=scope)
st.markdown(search.escape_markdown(results.summary(criteria.term)))
if results.total:
    st.download_button("Download these verbatims (CSV)", key="vx_download", on_click="ignore",
                       data=lambda: search.csv_bytes(period, criteria, scope=scope),
                       file_name=f"verbatims_{period.start}_{period.end}.csv", mime="text/csv")
    st.caption(search.csv_note(results.total))
if st.session_state.get("vx_page", 1) > results.pages():
    reset()
if results.pages() > 1:
    number = st.number_input(f"Page (of {results.pages()}, {search.PAGE_SIZE} per page)", min_value=1,
                             max_value=results.pages(), key="vx_page")
else:
    number = 1
for row in results.page(number).itertuples():
    with st.container(border=True):
        st.caption(search.meta_line(row, rising.labels))
        st.markdown(search.highlight(row.text, criteria.term))
