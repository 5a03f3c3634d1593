"""Executive summary: headline KPIs for the chosen period against the previous one."""
import streamlit as st

from voc import kpis, ui

user, filters, scope = ui.context()
st.title("Executive summary")
st.caption(
    f"{filters.period.label()} compared with {filters.period.previous().label()}. A change is called better "
    "or worse only when it is statistically significant at 95%."
)
tiles = ui.cached(kpis.headline)(filters.period, scope=scope)
for row_start in range(0, len(tiles), 3):
    columns = st.columns(3)
    for column, kpi in zip(columns, tiles[row_start:row_start + 3]):
        ui.kpi_tile(column, kpi)
