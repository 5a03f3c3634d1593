"""Overview: headline KPIs for the last 90 days against the 90 days before."""
import streamlit as st

from voc import kpis, ui

st.title("Customer insight overview")
period = ui.cached(kpis.latest_period)(90, scope=ui.current_scope())
if period is None:
    st.info("No feedback has been loaded yet. Build the demo with `python -m voc demo` or import your data.")
    st.stop()

st.caption(
    f"Last 90 days of data ({period.label()}) compared with the 90 days before "
    f"({period.previous().label()}). A change is called better or worse only when it is statistically "
    "significant at 95%."
)
tiles = ui.cached(kpis.headline)(period, scope=ui.current_scope())
for row_start in range(0, len(tiles), 3):
    columns = st.columns(3)
    for column, kpi in zip(columns, tiles[row_start:row_start + 3]):
        ui.kpi_tile(column, kpi)
