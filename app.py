"""Rapport: navigation and the shared filter panel — nothing else."""
from pathlib import Path

import streamlit as st

from ui import charts, drill, filters, state

# A local file, not a ":material/…:" icon: Streamlit fetches those favicons from a font CDN (fails offline).
ICON = Path(__file__).parent / "ui" / "assets" / "rapport-icon.png"
st.set_page_config(page_title="Rapport", layout="wide", page_icon=str(ICON))
charts.use_theme()

pages = {
    "Analysis": [
        st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True, url_path="home"),
        # /overview opens the overview too (the default page itself lives at the root URL).
        st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", url_path="overview",
                visibility="hidden"),
        st.Page("pages/trends.py", title="Trends", icon=":material/show_chart:"),
        st.Page("pages/health.py", title="Relationship Health", icon=":material/monitor_heart:"),
        st.Page("pages/insight.py", title="Customer Insight", icon=":material/groups:"),
        st.Page("pages/premium.py", title="Partnership Premium", icon=":material/handshake:"),
        st.Page("pages/qbr.py", title="QBR", icon=":material/co_present:"),
    ],
    "Data": [st.Page("pages/data.py", title="Data", icon=":material/database:")],
}
page = st.navigation(pages)
state.open_database()
if page.title != "Data":
    drill.apply_pending()
    filters.sidebar()
with state.app_frame():  # the page's state.open_page() sees the frame is drawn
    page.run()
