"""Overview: portfolio KPI tiles, every engagement's health (click a row for its QBR), top findings,
data freshness."""
import streamlit as st

from analytics import kpis
from analytics.claims import CLAIM_KPIS, claim_check
from analytics.findings import compares_models, data_findings, findings
from analytics.formatting import delta_color, format_change, format_value, short_label
from analytics.periods import format_period
from analytics.health import health_scores, kpi_scores, latest_health
from analytics.premium import relationship_year_frames
from analytics.trends import data_freshness, kpi_tiles
from ui import coverage, drill, filters, state, tables
from ui.cached import Later, ahead, analysis
from ui.markdown import plain

state.open_page()  # first: runs this page inside app.py's frame when Streamlit ran it on its own

TILE_KPIS = ("contacts", "csat_pct", "nps", "fcr", "aht_seconds", "cost_per_contact", "quality_score",
             "sla_attainment")
SEVERITY_ICONS = {"warning": ":material/warning:", "good": ":material/thumb_up:", "info": ":material/info:"}
HEALTH_TABLE_KEY = "overview_health"

st.title("Portfolio overview")
if not state.has_data():
    st.stop()
current = filters.current()
drill.breadcrumbs(drill.OVERVIEW_PAGE)
st.caption(plain(" · ".join(current.describe())))  # filter values are user text: never Markdown


def scores_of(read):
    # The same cache entry as the Health page's scores at default weights; findings reuse it too.
    # The KPI scores are a cache entry of their own: the Health page's drivers read them too (read only
    # when the health scores are computed: the page's second read finds those cached).
    return read(health_scores, current, grain="quarter", weights=None,
                given={"scored": Later(read, kpi_scores, current, grain="quarter")})


def claims_of(read):
    # The claim check and the quality values are the Premium page's cache entries too (same filters).
    values = read(relationship_year_frames, CLAIM_KPIS, current)
    return values, read(claim_check, current, given={"values": values})


def data_findings_of(read):
    return read(data_findings, current)


# The health scores, the claim check and the findings' own reads start at once on threads of their own,
# while this thread reads the tiles and draws; each section below then reads them from the cache.
with ahead(scores_of, claims_of if compares_models(current) else None, data_findings_of):
    with state.section("the KPI tiles"):
        coverage.scorecard_filters_note(current, TILE_KPIS)
        tiles = analysis(kpi_tiles, TILE_KPIS, current, grain="quarter")
        tiles = tiles[tiles["available"]]
        if tiles.empty:
            st.info("No KPI has data within these filters — widen the date range or clear a filter.")
        columns = st.columns(4)
        for i, row in enumerate(tiles.itertuples()):
            k = kpis.kpi(row.kpi)
            quarter = format_period(row.period_start, "quarter")
            last_year = format_value(k, row.last_year_value)
            yoy = format_change(k, row.value, row.last_year_value) or "no data"
            # the short label fits a tile; the full one (e.g. CSAT's scale rule) is its help
            columns[i % 4].metric(
                short_label(k), format_value(k, row.value), delta=format_change(k, row.value, row.prior_value),
                delta_color=delta_color(k), border=True,
                help=(f"{k.label}. " if short_label(k) != k.label else "") +
                     f"{quarter} vs the prior quarter ({format_value(k, row.prior_value)}). "
                     f"Same quarter last year: {last_year} ({yoy}).",
            )
            columns[i % 4].caption(f"{quarter} · last year {last_year} ({yoy})")

    with state.section("engagement health"):
        st.subheader("Engagement health")
        scores = scores_of(analysis)
        health = latest_health(scores)
        if health.empty:
            st.info("No engagement has scored KPIs within these filters — widen the dates or clear a filter.")
        else:
            shown = tables.health_table(health)
            latest = ", ".join(dict.fromkeys(shown["Latest"]))
            st.caption(f"Each engagement's latest scored quarter ({latest}). Select a row to open that "
                       "engagement's QBR with these filters. Health is 0–100 against targets: healthy ≥ 70, "
                       "watch 50–70, at risk < 50.")
            rows = tables.show_health_table(shown, key=HEALTH_TABLE_KEY, trend="line",
                                            download="engagement-health.csv", download_key="dl_health_table_csv")
            if rows:
                chosen = shown.iloc[rows[0]]
                drill.open_qbr(str(chosen["Provider"]), str(chosen["Account"]))

    with state.section("the findings"):
        st.subheader("Top findings")
        shared = {"health": scores, "health_latest": health}
        if compares_models(current):
            claim_values, shared["claims"] = claims_of(analysis)
            shared["quality_values"] = claim_values["quality_score"]
        found = analysis(findings, current, limit=6, given={**shared, "data": data_findings_of(analysis)})
        if found.empty:
            st.caption("Nothing stands out within these filters.")
        columns = st.columns(2)
        for i, row in enumerate(found.itertuples()):
            columns[i % 2].markdown(
                f"{SEVERITY_ICONS.get(row.severity, ':material/info:')} {plain(row.headline)}")

with st.expander("Data freshness", icon=":material/schedule:"), state.section("data freshness"):
    tables.show_table(tables.freshness_table(analysis(data_freshness)), download=None)
