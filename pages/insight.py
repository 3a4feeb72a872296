"""Customer Insight: channel mix, rising and falling reasons, segments, seasonality, repeat contacts."""
import streamlit as st

from analytics.insight import channel_mix, reason_movers, repeat_contacts, seasonality, segment_trends
from charts.insight import (build_channel_mix_chart, build_reason_movers_chart, build_repeat_chart,
                            build_seasonality_chart, build_segment_chart)
from ui import filters, state
from ui.cached import analysis
from ui.charts import draw_chart

state.open_page()  # first: runs this page inside app.py's frame when Streamlit ran it on its own

WINDOWS = [3, 6, 12]

st.title("Customer insight")
if not state.has_data():
    st.stop()
current = filters.current()
state.notify_dropped(state.dropped_params({"window": [f"{w} months" for w in WINDOWS]}))


def show(build, frame, empty_hint: str) -> None:
    if frame.empty:
        st.info(empty_hint)
    else:
        draw_chart(build, frame)


left, right = st.columns(2)
with left, state.section("the channel mix"):
    st.subheader("Channel mix")
    mix = analysis(channel_mix, current, grain="quarter")
    show(build_channel_mix_chart, mix, "No contacts with a channel within these filters.")
with right, state.section("the contact reasons"):
    st.subheader("Rising and falling contact reasons")
    window = st.segmented_control("Last months vs the same months a year earlier", WINDOWS, default=6,
                                  required=True, format_func=lambda w: f"{w} months", key="window",
                                  bind="query-params")
    movers = analysis(reason_movers, current, window_months=window, top=6)
    show(build_reason_movers_chart, movers,
         "Not enough history to compare two windows — widen the date range.")

left, right = st.columns(2)
with left, state.section("the customer segments"):
    st.subheader("Segments growing or shrinking")
    segments = analysis(segment_trends, current, grain="year")
    show(build_segment_chart, segments,
         "No customer segments in the loaded interactions.")
with right, state.section("the seasonality"):
    st.subheader("Seasonality, year over year")
    season = analysis(seasonality, current, kpi_id="contacts")
    show(build_seasonality_chart, season, "No contacts within these filters.")

with state.section("the repeat contacts"):
    st.subheader("Repeat contacts (same customer within 7 days)")
    repeats = analysis(repeat_contacts, current, days=7, grain="month")
    show(build_repeat_chart, repeats,
         "Repeat contacts need customer ids — upload interactions with a customer id column.")
