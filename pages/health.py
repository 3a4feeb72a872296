"""Relationship Health: scorecard, pillar breakdown, adjustable weights, trend, drivers."""
import streamlit as st

from analytics.health import PILLAR_COLUMNS, health_drivers, health_scores, kpi_scores, latest_health
from analytics.kpis import PILLARS
from charts.health import build_drivers_waterfall, build_health_trend_chart, build_pillar_chart
from analytics.formatting import format_band, format_points
from analytics.periods import format_period
from ui import coverage, drill, filters, state, tables
from ui.cached import analysis
from ui.charts import draw_chart
from ui.markdown import plain

state.open_page()  # first: runs this page inside app.py's frame when Streamlit ran it on its own

GRAIN = "quarter"
WEIGHT_KEYS = {p: "w_" + c.removeprefix("score_") for p, c in zip(PILLARS, PILLAR_COLUMNS)}

st.title("Relationship health")
if not state.has_data():
    st.stop()
current = filters.current()
drill.breadcrumbs(drill.HEALTH_PAGE)
coverage.scorecard_filters_note(current)

with st.expander("Pillar weights — equal by default; drag to see the scores update", expanded=False):
    columns = st.columns(len(PILLARS))
    weights = {p: col.slider(p.capitalize(), 0.0, 3.0, 1.0, 0.25, key=WEIGHT_KEYS[p], bind="query-params")
               for p, col in zip(PILLARS, columns)}
if not any(weights.values()):
    st.warning("All pillar weights are zero — equal weights are used until one is raised.")
    weights = None
elif all(w == 1.0 for w in weights.values()):
    weights = None  # the default: the same cached scores as the Overview's

with state.section("the scorecard"):
    # The KPI scores are read once: the scorecard and the drivers both start from them (and the
    # Overview shares both cache entries at default weights).
    scored = {"scored": analysis(kpi_scores, current, grain=GRAIN)}
    scores = analysis(health_scores, current, grain=GRAIN, weights=weights, given=scored)
    overview = latest_health(scores)
    if overview.empty:
        st.info("No engagement has scored KPIs within these filters — widen the dates or clear a filter.")
        st.stop()
    engagements = overview["engagement"].tolist()
    state.notify_dropped(state.dropped_params({"focus": engagements}))
    st.subheader("Scorecard")
    st.caption("Select a row to open that engagement's QBR with these filters. Health is 0–100 against "
               "targets: healthy ≥ 70, watch 50–70, at risk < 50.")
    table = tables.health_table(overview)
    rows = tables.show_health_table(table, key="scorecard", trend="bar", download="engagement-health-scorecard.csv")
    if rows:
        drill.open_qbr(str(table.iloc[rows[0]]["Provider"]), str(table.iloc[rows[0]]["Account"]))

focus = st.selectbox("Engagement", engagements, key="focus", bind="query-params",
                     help="Lowest score first. The charts below follow this engagement.")
mine = scores[scores["engagement"] == focus]
focus_row = overview[overview["engagement"] == focus].iloc[0]
if st.button(f"Open the QBR of {plain(focus)}", icon=":material/co_present:", key="focus_qbr"):
    drill.open_qbr(str(focus_row["provider"]), str(focus_row["account"]))
left, right = st.columns(2)
with left, state.section("the pillar breakdown"):
    latest = mine.tail(1)
    st.subheader(f"Pillars, {format_period(latest['period'].iloc[0], GRAIN)}")
    st.metric("Health score", format_band(latest["score"].iloc[0], decimals=1),
              delta=format_points(latest["trend"].iloc[0]), border=True,
              help="Pillars used: " + ", ".join(latest["pillars_used"].iloc[0]))
    draw_chart(build_pillar_chart, latest, {c: p.capitalize() for c, p in zip(PILLAR_COLUMNS, PILLARS)})
with right, state.section("the health trend"):
    st.subheader("Health over time")
    draw_chart(build_health_trend_chart, mine)

with state.section("the drivers"):
    st.subheader("What moved the score")
    periods = [p.date().isoformat() for p in mine["period"]]
    shown = [format_period(p, GRAIN) for p in periods]  # the URL carries what the widget shows
    state.notify_dropped(state.dropped_params({"compare_from": shown, "compare_to": shown}))
    a, b = st.columns(2)
    start = a.selectbox("From quarter", periods, index=max(len(periods) - 5, 0), key="compare_from",
                        format_func=lambda p: format_period(p, GRAIN), bind="query-params")
    end = b.selectbox("To quarter", periods, index=len(periods) - 1, key="compare_to",
                      format_func=lambda p: format_period(p, GRAIN), bind="query-params")
    drivers = analysis(health_drivers, focus, start, end, current, grain=GRAIN, weights=weights, given=scored)
    drivers = drivers.dropna(subset=["contribution"])
    if drivers.empty or start == end:
        st.info("Pick two different quarters with scores to see what moved the score.")
    else:
        score_from = mine.loc[mine["period"] == start, "score"].iloc[0]
        draw_chart(build_drivers_waterfall, drivers, score_from=score_from, label_from=format_period(start, GRAIN),
                   label_to=format_period(end, GRAIN))
        tables.show_table(tables.drivers_table(drivers, label_from=format_period(start, GRAIN),
                                               label_to=format_period(end, GRAIN)), download=None,
                          column_config={"Contribution": st.column_config.TextColumn(
                              "Contribution", help="Points of the health score this KPI added or removed.")})
