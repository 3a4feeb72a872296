"""Streamlit glue between pages and the analytics engine."""
