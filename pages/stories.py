"""Placeholder until the stories work lands; replaced by its author."""
import streamlit as st

st.title("Stories")
