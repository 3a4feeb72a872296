"""Partnership Premium: partnership vs transactional by relationship year, and the claim check."""
import streamlit as st

from analytics import kpis
from analytics.claims import claim_check
from analytics.premium import calendar_yoy, model_curves, premium_by_relationship_year, trajectory
from charts.premium import (build_calendar_yoy_chart, build_model_curves_chart, build_premium_chart,
                            build_trajectory_chart)
from ui import coverage, filters, state
from ui.cached import analysis
from ui.charts import draw

KPI_CHOICES = [k.id for k in kpis.KPIS if k.direction != 0]
VERDICT_COLORS = {"supported": "green", "contradicted": "red", "inconclusive": "orange", "insufficient": "gray"}

st.title("Partnership premium")
if not state.has_data():
    st.stop()
current = filters.current()
state.notify_dropped(state.dropped_params({"premium_kpi": [kpis.kpi(i).label for i in KPI_CHOICES]}))
kpi_id = st.selectbox("KPI", KPI_CHOICES, index=KPI_CHOICES.index("quality_score"),
                      format_func=lambda i: kpis.kpi(i).label, key="premium_kpi", bind="query-params")
k = kpis.kpi(kpi_id)
st.caption("Engagements are aligned on their relationship year (year 1 = the first 12 months of the contract). "
           "The premium is signed so that positive means the partnership is better.")
coverage.unknown_model_note()

left, right = st.columns(2)
with left, state.section("the model curves"):
    st.subheader(f"{k.label} by relationship year")
    curves = analysis(model_curves, kpi_id, current)
    if curves.empty:
        st.info("No engagements with this KPI and a relationship model — check the engagement register on Data.")
    else:
        draw(build_model_curves_chart(curves, k))
with right, state.section("the premium per year"):
    st.subheader("Partnership premium per year")
    premium = analysis(premium_by_relationship_year, kpi_id, current)
    if premium.empty:
        st.info("Needs both partnership and transactional engagements within the filters.")
    else:
        draw(build_premium_chart(premium))
        st.caption("Grey bars: too few engagements on one side to trust the figure; lines show the 95% CI.")

left, right = st.columns(2)
with left, state.section("the calendar year-over-year view"):
    st.subheader("Calendar year over year")
    yoy = analysis(calendar_yoy, kpi_id, current)
    if yoy.dropna(subset=["yoy_change_pct"]).empty:
        st.info("Needs at least two calendar years of data.")
    else:
        draw(build_calendar_yoy_chart(yoy))
with right, state.section("the trajectory after year three"):
    st.subheader("Trajectory after year three")
    path = analysis(trajectory, kpi_id, current)
    if path.empty:
        st.info("Needs engagements older than three years.")
    else:
        draw(build_trajectory_chart(path))

with state.section("the claim check"):
    st.subheader("Do the published claims hold on this data?")
    for row in analysis(claim_check, current).itertuples():
        with st.container(border=True):
            a, b = st.columns([1, 5])
            a.badge(row.verdict.capitalize(), color=VERDICT_COLORS.get(row.verdict, "gray"))
            b.markdown(f"**{row.claim}** (expected {row.expected})  \n{row.detail}")
