"""Customer insight storytelling: the logic behind the app (no streamlit here, except voc.ui)."""
