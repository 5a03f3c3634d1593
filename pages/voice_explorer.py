"""Placeholder until this page's issue work lands; replaced by its author."""
import streamlit as st

st.title("voice_explorer")
