"""Longitudinal customer-insight charts."""
from __future__ import annotations

import altair as alt
import pandas as pd

from charts.theme import BAND_RANGE, PALETTE


_MONTH_NAMES = "['Jan','Feb','Mar','Apr','May','Jun','Jul','Aug','Sep','Oct','Nov','Dec'][datum.value - 1]"


def build_channel_mix_chart(frame: pd.DataFrame) -> alt.Chart:
    """Stacked area of each channel's share of contacts, from (period, channel, contacts, share)."""
    return alt.Chart(frame).mark_area(opacity=0.9).encode(
        x=alt.X("period:T", title=None),
        y=alt.Y("share:Q", title="Share of contacts (%)", stack="normalize", axis=alt.Axis(format=".0%")),
        color=alt.Color("channel:N", title=None),
        order=alt.Order("channel:N"),
        tooltip=[alt.Tooltip("period:T", title="Period"), alt.Tooltip("channel:N", title="Channel"),
                 alt.Tooltip("contacts:Q", title="Contacts", format=",.0f"),
                 alt.Tooltip("share:Q", title="Share", format=".1%")],
    ).properties(height=300)


def build_reason_movers_chart(frame: pd.DataFrame) -> alt.Chart:
    """Diverging bars of the change in contacts per reason, from `reason_movers` rows."""
    return alt.Chart(frame).mark_bar().encode(
        # the title ends at the axis' right end: centred, it ran past a half-width column at 1280 px
        x=alt.X("change:Q", title="Change in contacts vs a year earlier",
                axis=alt.Axis(format="+,.0f", titleAnchor="end", titleAlign="right")),
        y=alt.Y("contact_reason:N", title=None, sort=alt.EncodingSortField("change", order="descending")),
        color=alt.Color("direction:N", title=None,
                        scale=alt.Scale(domain=["rising", "falling"], range=[BAND_RANGE[0], PALETTE[0]])),
        tooltip=[alt.Tooltip("contact_reason:N", title="Reason"),
                 alt.Tooltip("recent_contacts:Q", title="Recent", format=",.0f"),
                 alt.Tooltip("prior_contacts:Q", title="Prior", format=",.0f"),
                 alt.Tooltip("change:Q", title="Change", format="+,.0f"),
                 alt.Tooltip("change_pct:Q", title="Change (%)", format="+.1f")],  # a volume: relative %
    ).properties(height=alt.Step(30))


def build_segment_chart(frame: pd.DataFrame) -> alt.Chart:
    """Each segment's share of contacts per period, from `segment_trends` rows."""
    return alt.Chart(frame).mark_line(point=True).encode(
        x=alt.X("period:T", title=None, axis=alt.Axis(format="%Y", tickCount="year")),
        y=alt.Y("share:Q", title="Share of contacts (%)", axis=alt.Axis(format=".0%")),
        color=alt.Color("customer_segment:N", title=None),
        tooltip=[alt.Tooltip("period:T", title="Period"), alt.Tooltip("customer_segment:N", title="Segment"),
                 alt.Tooltip("contacts:Q", title="Contacts", format=",.0f"),
                 alt.Tooltip("share:Q", title="Share", format=".1%"),
                 alt.Tooltip("share_change:Q", title="Change in share (pp)", format="+.1f")],
    ).properties(height=300)


def build_seasonality_chart(frame: pd.DataFrame, *, value_title: str = "Contacts") -> alt.Chart:
    """Month on x, one line per year, from `seasonality` rows (year, month, value, index)."""
    return alt.Chart(frame).mark_line(point=True).encode(
        x=alt.X("month:O", title=None, axis=alt.Axis(labelAngle=0, labelExpr=_MONTH_NAMES)),
        y=alt.Y("value:Q", title=f"{value_title} per month", axis=alt.Axis(format=",.0f")),
        # Okabe–Ito colours, not a sequential ramp: its darkest or lightest end vanishes on one of the themes
        color=alt.Color("year:O", title="Year", scale=alt.Scale(range=PALETTE)),
        tooltip=[alt.Tooltip("year:O", title="Year"), alt.Tooltip("month:O", title="Month"),
                 alt.Tooltip("value:Q", title=value_title, format=",.0f"),
                 alt.Tooltip("index:Q", title="Seasonal index", format=".2f")],
    ).properties(height=300)


def build_repeat_chart(frame: pd.DataFrame) -> alt.Chart:
    """Repeat-contact rate over time, from `repeat_contacts` rows."""
    return alt.Chart(frame).mark_line(point=alt.OverlayMarkDef(color=PALETTE[3]), color=PALETTE[3]).encode(
        x=alt.X("period:T", title=None),
        y=alt.Y("repeat_rate:Q", title="Repeat-contact rate (%)", axis=alt.Axis(format=".0%")),
        tooltip=[alt.Tooltip("period:T", title="Period"),
                 alt.Tooltip("repeat_rate:Q", title="Repeat rate", format=".1%"),
                 alt.Tooltip("repeat_contacts:Q", title="Repeat contacts", format=",.0f"),
                 alt.Tooltip("contacts:Q", title="Contacts", format=",.0f")],
    ).properties(height=300)
