"""Rendered reports: charts to PNG/SVG and the one-page QBR report (HTML, PDF). No Streamlit here."""
