"""Rapport's analytics engine: pure Python + DuckDB, no Streamlit, no Altair."""
