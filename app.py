"""Entry point: `streamlit run app.py`. Opens (or on first start builds) the warehouse, then routes."""
import streamlit as st

from voc import ui

st.set_page_config(page_title="Customer insight", page_icon=":material/forum:", layout="wide")
ui.ensure_database()
ui.navigation().run()
