"""Partnership Premium: partnership vs transactional by relationship year, and the claim check."""
from pathlib import Path

import streamlit as st

from analytics import kpis
from analytics.claims import CLAIM_KPIS, claim_check
from analytics.kpi_frames import available_kpis
from analytics.premium import (ADJUSTED_TEXT, MIN_UNITS, NO_RELATIVE, calendar_yoy, model_curves,
                               premium_by_relationship_year, premium_report, premium_table,
                               relationship_year_frames, relationship_year_values, trajectory)
from charts.premium import (build_calendar_yoy_chart, build_model_curves_chart, build_premium_chart,
                            build_trajectory_chart)
from ui import coverage, filters, state, tables
from ui.cached import analysis
from ui.charts import draw_chart

state.open_page()  # first: runs this page inside app.py's frame when Streamlit ran it on its own

KPI_CHOICES = [k.id for k in kpis.KPIS if k.direction != 0]
# Neutral colours on purpose: a verdict places an interval against a claimed band, it is not a pass/fail.
VERDICT_COLORS = {"within": "blue", "above": "violet", "below": "orange", "imprecise": "gray",
                  "no difference": "gray", "insufficient data": "gray"}
METHODS = Path(__file__).resolve().parents[1] / "docs" / "METHODS.md"

st.title("Partnership premium")
if not state.has_data():
    st.stop()
current = filters.current()
state.notify_dropped(state.dropped_params({"premium_kpi": [kpis.kpi(i).label for i in KPI_CHOICES]}))
# Default: quality score when the data has it, else the first KPI it has (a call-center file has no scorecard).
available = analysis(available_kpis, current)
with_data = set(available.loc[available["available"], "kpi"])  # once, not once per choice
have = [i for i in KPI_CHOICES if i in with_data]
default = "quality_score" if "quality_score" in have or not have else have[0]
kpi_id = st.selectbox("KPI", KPI_CHOICES, index=KPI_CHOICES.index(default),
                      format_func=lambda i: kpis.kpi(i).label, key="premium_kpi", bind="query-params")
k = kpis.kpi(kpi_id)
st.caption("Engagements are aligned on their relationship year (year 1 = the first 12 months from the contract "
           "start day). The premium is signed so that positive means the partnership is better. "
           "**Observational**: the unadjusted premium compares deals as they are; the adjusted one "
           "(table below) removes provider, tenure, calendar-year and volume differences, nothing more. "
           "See *How the premium is computed* at the bottom of the page (docs/METHODS.md).")
coverage.unknown_model_note()
# Read once: the claim check's KPIs in one statement per source (interactions, scorecards); the curves, the
# premium, its table and the trajectory all start from this KPI's values (among them for the default KPI).
claim_values = analysis(relationship_year_frames, CLAIM_KPIS, current)
shared = {"values": claim_values[kpi_id] if kpi_id in claim_values else
          analysis(relationship_year_values, kpi_id, current)}

left, right = st.columns(2)
with left, state.section("the model curves"):
    st.subheader(f"{k.label} by relationship year")
    curves = analysis(model_curves, kpi_id, current, given=shared)
    if curves.empty:
        st.info("No engagements with this KPI and a relationship model — check the engagement register on Data.")
    else:
        draw_chart(build_model_curves_chart, curves, k)
with right, state.section("the premium per year"):
    st.subheader("Partnership premium per year")
    premium = analysis(premium_by_relationship_year, kpi_id, current, given=shared)
    if premium.empty:
        st.info("Needs both partnership and transactional engagements within the filters.")
    else:
        absolute = k.unit == "fraction" or kpi_id in NO_RELATIVE
        unit = "points" if absolute and k.unit in ("fraction", "points") else premium["diff_unit"].iloc[0]
        draw_chart(build_premium_chart, premium, measure="absolute" if absolute else "relative", unit=unit)
        st.caption(f"Unadjusted, observational. Lines show the 95% interval over independent provider/account groups; "
                   f"years with fewer than {MIN_UNITS} groups on a side are too few to estimate."
                   + (" Rates and NPS are compared as a difference in points." if absolute else ""))

with state.section("the premium table"):
    st.subheader("Premium per relationship year: unadjusted, adjusted and balanced cohort")
    report = analysis(premium_report, kpi_id, current, given=shared)
    if report:
        window = next((y["balanced"]["window"] for y in report if y.get("balanced")), None)
        tables.show_table(premium_table(report), download=None)
        left_years = [y["relationship_year"] for y in report if y["left_partnership"] + y["left_transactional"]]
        st.caption(f"Adjusted: {ADJUSTED_TEXT} Balanced cohort: only engagements observed in every year of "
                   f"{window or 'the window'}, so no year moves because deals ended. "
                   + (f"Engagements left the comparison in relationship years {', '.join(map(str, left_years))}: "
                      "later years hold survivors." if left_years else "No engagement left while the data went on."))

left, right = st.columns(2)
with left, state.section("the calendar year-over-year view"):
    st.subheader("Calendar year over year")
    yoy = analysis(calendar_yoy, kpi_id, current)
    if yoy.dropna(subset=["yoy_change_pct"]).empty:
        st.info("Needs at least two calendar years of data.")
    else:
        draw_chart(build_calendar_yoy_chart, yoy)
with right, state.section("the trajectory after year three"):
    st.subheader("Trajectory after year three")
    path = analysis(trajectory, kpi_id, current, given=shared)
    if path.empty:
        st.info("Needs engagements older than three years.")
    else:
        draw_chart(build_trajectory_chart, path)

with state.section("the claim check"):
    st.subheader("Do the published claims hold on this data?")
    st.caption("Each verdict places the claim's interval against the claimed band: within, above, below, "
               "imprecise (overlaps the band without fitting in it), no difference, or insufficient data. "
               "p-values are Holm-adjusted across the four claims.")
    # the claim check's KPIs were read above (`claim_values`): it only computes
    for row in analysis(claim_check, current, given={"values": claim_values}).itertuples():
        with st.container(border=True):
            a, b = st.columns([1, 5])
            a.badge(row.verdict.capitalize(), color=VERDICT_COLORS.get(row.verdict, "gray"))
            p_text = "" if row.p_adjusted != row.p_adjusted else f" Holm-adjusted p = {row.p_adjusted:.3g}."
            b.markdown(f"**{row.claim}** (expected {row.expected})  \n{row.detail}{p_text}")

with st.expander("How the premium is computed (docs/METHODS.md)"):
    st.markdown(METHODS.read_text(encoding="utf-8") if METHODS.exists() else "docs/METHODS.md is missing.")
