"""Overview: portfolio KPI tiles, every engagement's health, top findings, data freshness."""
import streamlit as st

from analytics import kpis
from analytics.findings import findings
from analytics.health import health_overview
from analytics.trends import data_freshness, kpi_tiles
from ui import filters, state
from ui.cached import analysis
from ui.formatting import change_text, delta_color, period_text
from ui.markdown import plain

TILE_KPIS = ("contacts", "csat_pct", "nps", "fcr", "aht_seconds", "cost_per_contact", "quality_score",
             "sla_attainment")
SEVERITY_ICONS = {"warning": ":material/warning:", "good": ":material/thumb_up:", "info": ":material/info:"}

st.title("Portfolio overview")
if not state.has_data():
    st.stop()
current = filters.current()
st.caption(" · ".join(current.describe()))

with state.section("the KPI tiles"):
    tiles = analysis(kpi_tiles, TILE_KPIS, current, grain="quarter")
    tiles = tiles[tiles["available"]]
    if tiles.empty:
        st.info("No KPI has data within these filters — widen the date range or clear a filter.")
    columns = st.columns(4)
    for i, row in enumerate(tiles.itertuples()):
        k = kpis.kpi(row.kpi)
        last_year = kpis.format_value(k, row.last_year_value)
        yoy = change_text(row.yoy_change) or "no data"
        columns[i % 4].metric(
            row.label, kpis.format_value(k, row.value), delta=change_text(row.prior_change),
            delta_color=delta_color(k), border=True,
            help=f"{period_text(row.period_start, 'quarter')} vs the prior quarter "
                 f"({kpis.format_value(k, row.prior_value)}). Same quarter last year: {last_year} ({yoy}).",
        )
        columns[i % 4].caption(f"{period_text(row.period_start, 'quarter')} · last year {last_year} ({yoy})")

with state.section("engagement health"):
    st.subheader("Engagement health")
    health = analysis(health_overview, current, grain="quarter")
    st.dataframe(
        health[["engagement", "relationship_model", "score", "band", "trend", "history", "period"]],
        hide_index=True, width="stretch",
        column_config={
            "engagement": st.column_config.TextColumn("Engagement", width="large"),
            "relationship_model": st.column_config.TextColumn("Model"),
            "score": st.column_config.ProgressColumn("Health", min_value=0, max_value=100, format="%.0f"),
            "band": st.column_config.TextColumn("Status"),
            "trend": st.column_config.NumberColumn("Δ vs prior", format="%+.1f"),
            "history": st.column_config.LineChartColumn("Last 8 quarters", y_min=0, y_max=100, width="small"),
            "period": st.column_config.DateColumn("Quarter", format="YYYY-[Q]Q"),
        },
    )
with state.section("the findings"):
    st.subheader("Top findings")
    found = analysis(findings, current, limit=6)
    if found.empty:
        st.caption("Nothing stands out within these filters.")
    columns = st.columns(2)
    for i, row in enumerate(found.itertuples()):
        columns[i % 2].markdown(f"{SEVERITY_ICONS.get(row.severity, ':material/info:')} {plain(row.headline)}")

with st.expander("Data freshness", icon=":material/schedule:"), state.section("data freshness"):
    st.dataframe(analysis(data_freshness), hide_index=True, width="stretch",
                 column_config={"rows": st.column_config.NumberColumn("Rows", format="localized")})
