"""Filling a `QbrReport` from the analytics layer: tiles, the quarter's story, charts, ledger, agenda."""
from __future__ import annotations

import contextvars
import copy
from concurrent.futures import Future, ThreadPoolExecutor

import altair as alt
import duckdb
import numpy as np
import pandas as pd

from analytics import actions, gainshare, health, kpis, premium, qbr
from analytics.filters import Filters
from analytics.formatting import (delta_number, delta_unit, display_value, format_band, format_change, format_value,
                                  label_with_unit, value_decimals)
from analytics.periods import format_date, format_period
from charts.datasets import SpecStore, column_values, dataset_name, swap_datasets
from charts.qbr import BASELINE_GROUPS, LEDGER_SERIES, build_baseline_chart, build_health_trend_chart, \
    build_ledger_chart
from reports.qbr import QbrReport, ReportChart, Section, Tile

QBR_KPIS = ("contacts", "csat_pct", "nps", "fcr", "aht_seconds", "cost_per_resolution",
            "quality_score", "sla_attainment", "agent_attrition", "innovations")
STORY_AND_TILE_KPIS = tuple(dict.fromkeys(qbr.STORY_KPIS + QBR_KPIS))
# the engagement's quarters are read once for the story and the health score: the story's KPIs first
# (`qbr.values_of` takes their rows from the front), then the rest of the scored ones
QUARTER_KPIS = tuple(dict.fromkeys(STORY_AND_TILE_KPIS + tuple(k.id for k in health.scored_kpis())))
READ_THREADS = 2  # the report's reads run side by side with its assembly (2 cores; DuckDB releases the GIL)
MAX_TILES = 8
HEALTH_HISTORY = 8   # quarters shown on the health trend
MAX_CHANGES = 6      # sentences in "what changed"
MAX_ATTENTION = 6    # sentences in "needs attention" (the rest go to the speaker notes)
LEDGER_ROWS = 4      # quarters in the ledger table
SECTION_TITLES = {
    "summary": "This quarter at a glance",
    "changes": "What changed",
    "attention": "Needs attention",
    "baseline": "Against the baseline at the same relationship year",
    "scorecard": "Innovation, governance and gain-share",
    "agenda": "Agenda and actions",
}


def qbr_filters(filters: Filters, provider: str, account: str, quarter: str) -> Filters:
    """The filters a QBR applies: the page's filters narrowed to one engagement, ending with the quarter."""
    return qbr.engagement_scope(filters, provider, account, quarter)


def _spec(chart) -> dict:
    """The chart's Vega-Lite spec without Altair's JSON-schema validation (≈ 0.1–0.4 s a chart on this
    machine): the report's specs are validated against the schema by tests/test_app_qbr.py."""
    return chart.to_dict(validate=False)


# Specs made before, per builder and arguments other than the data: (spec, [(frame, dataset name)], whether
# the builder's `datasets` gave the chart's frames).
_SPECS = SpecStore(kept=64)


class _NotFrames(Exception):
    pass


def _frames_of(chart) -> list[pd.DataFrame]:
    """The frames a chart holds: its own, then each layer's in order (nested layers too)."""
    found = []

    def visit(part) -> None:
        data = getattr(part, "data", alt.Undefined)
        if isinstance(data, pd.DataFrame):
            found.append(data)
        elif data is not alt.Undefined:
            raise _NotFrames
        for layer in getattr(part, "layer", None) or ():
            visit(layer)
    visit(chart)
    return found


_PLAIN_ROWS = 5000  # Altair's default transformer refuses more rows (limit_rows); such frames take its own path
_PLAIN_DTYPES = ("str", "string", "float64", "int64", "bool")


def _plain_values(frame: pd.DataFrame) -> list | None:
    """The records Altair's default data transformer makes of `frame` (`sanitize_pandas_dataframe`, then
    ``to_dict(orient="records")``), made from the columns' arrays (`charts.datasets.column_values`) in about a
    twentieth of its time (4–5 ms a QBR chart frame), for frames of string, float64, int64 and bool columns of at
    most _PLAIN_ROWS rows only; None for anything else (Altair's own path then, with its row cap).
    tests/test_reports.py checks it against Altair's."""
    columns = frame.columns
    if (len(frame) > _PLAIN_ROWS or type(columns) is not pd.Index or isinstance(frame.index, pd.MultiIndex)
            or any(type(c) is not str for c in columns) or not columns.is_unique
            or any(str(dtype) not in _PLAIN_DTYPES for dtype in frame.dtypes)):
        return None
    names = list(columns)
    lists = [column_values(frame[name]) for name in names]
    return [dict(zip(names, row)) for row in zip(*lists)] if lists else [{} for _ in range(len(frame))]


def _values(frame: pd.DataFrame) -> list:
    """The rows Altair writes for `frame` (its active data transformer: sanitised records)."""
    if alt.data_transformers.active == "default" and not alt.data_transformers.options:
        plain = _plain_values(frame)
        if plain is not None:
            return plain
    converted = alt.data_transformers.get()(frame)
    if not isinstance(converted, dict) or set(converted) != {"values"}:
        raise _NotFrames
    return converted["values"]


def _same_frame(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    return list(a.columns) == list(b.columns) and list(a.dtypes) == list(b.dtypes) and a.equals(b)


def _chart_spec(build, frame: pd.DataFrame, **kwargs) -> dict:
    """`_spec(build(frame, **kwargs))`. Arguments a builder names in `build.text_only` (charts/qbr.py: they
    reach the spec only as text inside its strings, verbatim, e.g. an axis title or a number format) are
    given to it as placeholders and written into the spec afterwards, so one spec serves every KPI and
    relationship year of the baseline chart (otherwise nearly every engagement's baseline chart was made in
    full: 40-60 ms). tests/test_reports.py checks the result against Altair's own spec."""
    texts = {name: kwargs[name] for name in getattr(build, "text_only", ()) if name in kwargs}
    if texts:
        marks = {name: f"\ue000{name}\ue000" for name in texts}
        filled = _filled(_template_spec(build, frame, **{**kwargs, **marks}),
                         {marks[name]: value for name, value in texts.items()})
        if filled is not None:
            return filled
    return _template_spec(build, frame, **kwargs)


_MARK = "\ue000"  # a private-use character: starts and ends a placeholder


def _filled(spec, values: dict[str, object]):
    """`spec` with every placeholder (a key of `values`) inside its strings replaced by the text of its value;
    None when a placeholder stands alone for a value that is not text (the builder used it as itself), or
    sits in a key, or a value's text holds the placeholder mark."""
    texts = {mark: str(value) for mark, value in values.items()}
    if any(_MARK in text for text in texts.values()):
        return None

    class _NotText(Exception):
        pass

    def fill(part):
        if isinstance(part, str):
            if _MARK not in part:
                return part
            if part in values and not isinstance(values[part], str):
                raise _NotText
            for mark, text in texts.items():
                part = part.replace(mark, text)
            return part
        if isinstance(part, dict):
            out = {}
            for k, v in part.items():
                if isinstance(k, str) and _MARK in k:
                    raise _NotText
                out[k] = fill(v)
            return out
        if isinstance(part, list):
            return [fill(v) for v in part]
        return part
    try:
        return fill(spec)
    except _NotText:
        return None


def _template_spec(build, frame: pd.DataFrame, **kwargs) -> dict:
    """`_spec(build(frame, **kwargs))`, made from the spec of an earlier call with the same arguments but
    other data, by swapping its inline datasets: turning an Altair chart into a dict walks and copies every
    schema object (20–25 ms a QBR chart), and a QBR chart's spec differs from one engagement to the next
    only in its data. Only where every dataset is an inline frame and Altair's dataset names are
    reproduced; otherwise (and the first time) the spec is made in full. A builder that says which frames
    its chart holds (`build.datasets(frame, **kwargs)`, charts/qbr.py) is not even run for a swap: making
    the chart costs 10–20 ms more, and the frames it would hold are known. tests/test_reports.py checks the
    swap against Altair's own spec."""
    key = (build.__module__, build.__qualname__, tuple(sorted(kwargs.items())), alt.theme.active,
           alt.data_transformers.active)
    earlier = _SPECS.get(key)
    datasets = getattr(build, "datasets", None)
    if earlier is not None and datasets is not None and earlier[2]:
        spec = _swapped(earlier[:2], datasets(frame, **kwargs))
        if spec is not None:
            return spec
    chart = build(frame, **kwargs)
    try:
        frames = _frames_of(chart)
        if earlier is not None:
            spec = _swapped(earlier[:2], frames)
            if spec is not None:
                return spec
        spec = _spec(chart)
        names = [dataset_name(_values(f)) for f in frames]
    except _NotFrames:
        return _spec(chart)
    if set(names) == set(spec.get("datasets", {})):  # Altair named them as we do: later calls can swap
        # the builder's own account of its frames is used only where it matches the chart's
        told = datasets is not None and _same_frames(datasets(frame, **kwargs), frames)
        _SPECS.put(key, (spec, list(zip(frames, names)), told))
    return copy.deepcopy(spec)


def _same_frames(told: list[pd.DataFrame], frames: list[pd.DataFrame]) -> bool:
    return len(told) == len(frames) and all(_same_frame(a, b) for a, b in zip(told, frames))


def _swapped(earlier: tuple[dict, list[tuple[pd.DataFrame, str]]], frames: list[pd.DataFrame]) -> dict | None:
    """The earlier spec with `frames`' rows in place of its frames' (`swap_datasets`); a frame equal to the one it
    was made from keeps its rows, unconverted."""
    spec, held = earlier
    if len(held) != len(frames):
        return None
    new: list[tuple[str, list | None]] = []
    for (old_frame, old_name), frame in zip(held, frames):
        if _same_frame(old_frame, frame):
            new.append((old_name, None))
        else:
            values = _values(frame)
            new.append((dataset_name(values), values))
    return swap_datasets(spec, [name for _, name in held], new)


def _tiles(values: pd.DataFrame, quarter_start: pd.Timestamp) -> tuple[Tile, ...]:
    """Tiles for the chosen quarter (a KPI without a value in that quarter gets no tile), each with its
    change vs the prior quarter and the same quarter last year by the units rule.

    `values` is `analytics.qbr.quarterly_values` (columns period, kpi, value)."""
    tiles = []
    prior_start, last_year_start = quarter_start - pd.DateOffset(months=3), quarter_start - pd.DateOffset(months=12)
    all_series = qbr.by_kpi(values)
    for kpi_id in QBR_KPIS:
        series = all_series.get(kpi_id, {})
        if quarter_start not in series or len(tiles) == MAX_TILES:
            continue
        k = kpis.kpi(kpi_id)
        value = series[quarter_start]
        prior, last_year = series.get(prior_start, np.nan), series.get(last_year_start, np.nan)
        prior_text, last_year_text = format_change(k, value, prior), format_change(k, value, last_year)
        change = delta_number(k, value, prior)
        if change is None or k.direction == 0 or round(change, 1) == 0:
            tone = "neutral"
        else:
            tone = "good" if change * k.direction > 0 else "bad"
        tiles.append(Tile(k.id, k.label, format_value(k, value),
                          f"{prior_text} vs {format_period(prior_start)}" if prior_text else "",
                          f"{last_year_text} vs {format_period(last_year_start)}" if last_year_text else "",
                          tone, k.direction))
    return tuple(tiles)


def _health_chart(scores: pd.DataFrame, provider: str, account: str, theme: str) -> ReportChart | None:
    """`scores`: `health.health_scores` quarterly under the QBR's filters."""
    scores = scores[(scores["provider"] == provider) & (scores["account"] == account)]
    trend = scores.sort_values("period").tail(HEALTH_HISTORY)
    if trend.empty:
        return None
    trend = pd.DataFrame({"period": trend["period"], "quarter": trend["period"].map(format_period),
                          "score": trend["score"].round(1), "band": trend["band"]}).reset_index(drop=True)
    return ReportChart("health_trend", "Relationship health by quarter",
                       _chart_spec(build_health_trend_chart, trend, theme=theme), trend)


def _baseline_chart(frame: pd.DataFrame, theme: str) -> ReportChart | None:
    if frame.empty:
        return None
    row = frame.iloc[0]
    k = kpis.kpi(row["kpi"])
    groups = []
    for group, prefix in zip(BASELINE_GROUPS, (None, "partnership", "transactional")):
        if prefix is None:
            groups.append({"group": group, "value": display_value(k, row["value"]), "low": np.nan, "high": np.nan,
                           "n": 1})
        elif row[f"n_{prefix}"] > 0:
            groups.append({"group": group, "value": display_value(k, row[f"{prefix}_mean"]),
                           "low": display_value(k, row[f"{prefix}_low"]),
                           "high": display_value(k, row[f"{prefix}_high"]), "n": int(row[f"n_{prefix}"])})
    data = pd.DataFrame(groups).astype({"value": "float64", "low": "float64", "high": "float64"})
    decimals = value_decimals(k)
    value_format = ("$,." if k.fmt == "money" else ",.") + f"{decimals}f"
    spec = _chart_spec(build_baseline_chart, data, kpi_title=label_with_unit(k), value_format=value_format,
                       relationship_year=int(row["relationship_year"]), theme=theme)
    csv = data.rename(columns={"group": "Who", "value": label_with_unit(k), "low": "95 % interval from",
                               "high": "95 % interval to", "n": "Engagements"})
    return ReportChart("baseline", f"{k.label} against the baseline", spec, csv)


def _money(value) -> str:
    if value is None or value != value:
        return "—"
    return f"${value:,.0f}" if value >= 0 else f"-${-value:,.0f}"


def _ledger_section(read: tuple, quarter: str, theme: str
                    ) -> tuple[list[str], list[str], pd.DataFrame | None, ReportChart | None]:
    """(lines, notes, table, chart) of the gain-share ledger; `read`: `gainshare.gainshare_ledger` at the
    quarter's end."""
    ledger, terms, baseline, how = read
    if ledger.empty:
        return [], [], None, None
    lines, notes = [], []
    this = ledger[ledger["quarter"] == format_period(pd.Timestamp(qbr.parse_quarter(quarter)[0]))]
    if terms is None:
        notes.append("No gain-share terms are recorded for this engagement; add them on the QBR page.")
    elif baseline is None:
        notes.append(f"The gain-share baseline cannot be set: {how}.")
    elif not this.empty and this["savings"].notna().iloc[0]:
        row, last = this.iloc[0], ledger.iloc[-1]
        lines.append(
            f"Gain-share this quarter: {_money(row['savings'])} saved against a baseline of ${baseline:,.2f} per "
            f"resolution ({how}); buyer {_money(row['buyer_savings'])}, provider {_money(row['provider_savings'])} "
            f"({terms.buyer_share:.0%} / {terms.provider_share:.0%})")
        lines.append(f"Gain-share to date: {_money(last['savings_to_date'])} (buyer {_money(last['buyer_to_date'])}, "
                     f"provider {_money(last['provider_to_date'])}); the provider reported "
                     f"{_money(last['reported_to_date'])}")
        if bool(row["gap_flag"]):
            lines.append(f"Check the scorecard: the provider reported {_money(row['reported'])} this quarter, "
                         f"{_money(abs(row['gap']))} {'more' if row['gap'] > 0 else 'less'} than the terms give")
        notes.append(f"{row['resolutions']:,.0f} resolutions at ${row['cost_per_resolution']:,.2f} each against "
                     f"the ${baseline:,.2f} baseline.")
    # the table and the chart's rows from the columns' values (a Series map per column, a concat, dropna and
    # isin cost several times more on these few rows)
    quarters = ledger["quarter"].tolist()
    savings, reported = ledger["savings"].to_numpy(), ledger["reported"].to_numpy()
    recent = slice(max(len(ledger) - LEDGER_ROWS, 0), None)

    def money_texts(column: str) -> list[str]:
        return [_money(v) for v in ledger[column].tolist()[recent]]

    table = pd.DataFrame({
        "Quarter": quarters[recent],
        "Resolutions": ["—" if v != v else f"{v:,.0f}" for v in ledger["resolutions"].tolist()[recent]],
        "Cost per resolution": ["—" if v != v else f"${v:,.2f}"
                                for v in ledger["cost_per_resolution"].tolist()[recent]],
        "Savings": money_texts("savings"),
        "Buyer": money_texts("buyer_savings"),
        "Provider": money_texts("provider_savings"),
        "Reported by provider": money_texts("reported"),
        "Check": ["gap" if v else "" for v in ledger["gap_flag"].tolist()[recent]],
    })
    recent_quarters = set(quarters[-HEALTH_HISTORY:])
    shown = [q in recent_quarters for q in quarters]
    rows = [(q, series, amount) for series, amounts in zip(LEDGER_SERIES, (savings, reported))
            for q, amount, keep in zip(quarters, amounts.tolist(), shown) if keep and amount == amount]
    long = pd.DataFrame({"quarter": [r[0] for r in rows], "series": [r[1] for r in rows],
                         "amount": np.array([r[2] for r in rows], dtype="float64")})
    chart = None
    # a chart of nothing (no terms, and the scorecards report zero) would only show an empty axis
    if not long.empty and (terms is not None or (long["amount"] != 0).any()):
        chart = ReportChart("gainshare", "Gain-share savings by quarter",
                            _chart_spec(build_ledger_chart, long, theme=theme),
                            ledger.rename(columns={"quarter": "Quarter"}).drop(columns=["period"]))
    return lines, notes, table, chart


def _agenda_section(items: pd.DataFrame, quarter: str) -> tuple[list[str], pd.DataFrame | None]:
    """`items`: `actions.agenda` of the engagement's quarter."""
    if items.empty:
        return [], None
    lines = []
    for row in items.itertuples(index=False):
        if row.kind == "note":
            lines.append(f"Note: {row.text}")
            continue
        owner = f" — {row.owner}" if pd.notna(row.owner) and row.owner else ""
        due = f", due {format_date(row.due)}" if pd.notna(row.due) else ""
        carried = f" (from {qbr.quarter_text(row.raised_quarter)})" if row.raised_quarter != quarter else ""
        lines.append(f"{row.text}{owner}{due}: {row.status}{carried}")
    table = pd.DataFrame({
        "Kind": items["kind"].str.capitalize(), "Text": items["text"],
        "Owner": items["owner"].map(lambda v: "—" if pd.isna(v) or not v else v),
        "Due": items["due"].map(format_date), "Status": items["status"],
        "Raised": items["raised_quarter"].map(qbr.quarter_text),
    })
    return lines, table


def changes_table(changes: pd.DataFrame) -> pd.DataFrame:
    """The 'what changed' rows for a CSV: human headers, values in display units, the change as a number
    with its unit (pp, pts or %)."""
    rows = []
    for row in changes.itertuples(index=False):
        k = kpis.kpi(row.kpi)
        rows.append({"KPI": k.label, "Compared with": row.base_period, "Value": display_value(k, row.value),
                     "Earlier value": display_value(k, row.base),
                     "Change": round(delta_number(k, row.value, row.base), 2),
                     "Change unit": delta_unit(k), "Better or worse": row.verdict, "Statement": row.sentence})
    return pd.DataFrame(rows, columns=["KPI", "Compared with", "Value", "Earlier value", "Change", "Change unit",
                                       "Better or worse", "Statement"])


def _own_values(cur: duckdb.DuckDBPyConnection, provider: str, account: str, quarter: str, filters: Filters,
                scoped: Filters) -> dict[str, pd.DataFrame]:
    """{KPI: `qbr.own_baseline_values`} of the baseline KPIs, as far as `qbr.baseline_comparison` reads them
    (the relationship year at the quarter's end): from the engagement's own rows (`qbr.own_year_values`),
    else from the portfolio's statement narrowed to the engagement."""
    own = qbr.own_year_values(cur, provider, account, quarter, filters)
    return own if own is not None else premium.relationship_year_frames(cur, qbr.BASELINE_KPIS, scoped)


def build_qbr_report(
    con: duckdb.DuckDBPyConnection,
    provider: str,
    account: str,
    quarter: str,
    filters: Filters,
    *,
    theme: str = "light",
    portfolio: dict[str, pd.DataFrame] | None = None,
    agenda: pd.DataFrame | None = None,
) -> QbrReport:
    """Everything a QBR shows for one engagement and quarter, as sections in presentation order.

    Tiles: the engagement's KPIs in the chosen quarter against the prior quarter and the same quarter
    last year (changes by the units rule). The story: `analytics.qbr` (what changed, needs attention,
    baseline at the same relationship year, scorecard measures), the gain-share ledger (`analytics.gainshare`) and the
    agenda (`analytics.actions`). Charts: health trend, baseline, gain-share.

    `portfolio`: `analytics.qbr.baseline_values(con, filters)` when the caller already has it (it
    depends on neither the engagement nor the quarter, so the page reads it once for all of them);
    `agenda`: `analytics.actions.agenda(con, provider, account, quarter)` when the caller already has it (the
    page's agenda editor reads it too).
    """
    scoped = qbr_filters(filters, provider, account, quarter)
    with ThreadPoolExecutor(max_workers=READ_THREADS) as pool:
        return _build(con, pool, provider, account, quarter, filters, scoped, theme, portfolio, agenda)


def _build(con: duckdb.DuckDBPyConnection, pool: ThreadPoolExecutor, provider: str, account: str, quarter: str,
           filters: Filters, scoped: Filters, theme: str, portfolio: dict[str, pd.DataFrame] | None,
           agenda: pd.DataFrame | None = None) -> QbrReport:
    def read(fn, *args, **kwargs) -> Future:
        """`fn(cursor, ...)` started on the pool, on its own cursor (a DuckDB connection must not be shared
        across threads), in this context (so `query.recording` sees its statements)."""
        context = contextvars.copy_context()

        def run():
            with con.cursor() as cur:
                return context.run(fn, cur, *args, **kwargs)
        return pool.submit(run)

    first_day, quarter_end = qbr.parse_quarter(quarter)
    # Every read the report makes is independent of the others: start them all, in the order they are
    # needed, and assemble the sections while the later ones run.
    # One read of the engagement's quarters serves the tiles, what changed, what needs attention and the
    # health scores (`scoped` is the quarters' `qbr.engagement_scope`).
    quarters_read = read(qbr.engagement_quarters, provider, account, quarter, filters, QUARTER_KPIS)
    # the relationship year at the quarter's end and the scorecard's figures share one read of the register row
    year_read = read(qbr.year_and_scorecard, provider, account, quarter)
    # `qbr.own_baseline_values` of every baseline KPI in the quarter's relationship year
    own_read = read(_own_values, provider, account, quarter, filters, scoped)
    ledger_read = read(gainshare.gainshare_ledger, provider, account, quarter_end)
    agenda_read = read(actions.agenda, provider, account, quarter) if agenda is None else None

    start = pd.Timestamp(first_day)
    period = format_period(start)
    notes: list[str] = []
    charts: list[ReportChart] = []
    sections: list[Section] = []

    quarters = quarters_read.result()
    with con.cursor() as cur:
        values = qbr.values_of(quarters, STORY_AND_TILE_KPIS)
        if values is None:
            values = qbr.quarterly_values(cur, provider, account, quarter, filters, STORY_AND_TILE_KPIS)
        scores = health.health_scores(cur, scoped, grain="quarter",
                                      scored=health.kpi_scores(cur, scoped, grain="quarter", frame=quarters))
    tiles = _tiles(values, start)
    health_chart = _health_chart(scores, provider, account, theme)
    if health_chart:
        charts.append(health_chart)
        last = health_chart.data.iloc[-1]
        health_line = [f"Relationship health {format_band(last['score'])} in {last['quarter']}"]
    else:
        health_line = []
        notes.append("No health score: none of the scored KPIs has data for this engagement.")
    tile_notes = tuple(f"{t.label}: {t.value}" + (f", {t.prior}" if t.prior else "")
                       + (f", {t.last_year}" if t.last_year else "") for t in tiles)
    sections.append(Section("summary", SECTION_TITLES["summary"], tuple(health_line), tile_notes,
                            chart="health_trend" if health_chart else None,
                            empty=f"No KPI has data for this engagement in {period}."))

    changes = qbr.quarter_changes(con, provider, account, quarter, filters, values=values)
    told = changes[changes["size"] > 0].head(MAX_CHANGES)
    sections.append(Section(
        "changes", SECTION_TITLES["changes"], tuple(told["sentence"]),
        tuple(f"{r.label}: {r.change_text} vs {r.base_period} ({r.verdict})" for r in told.itertuples()),
        table=changes_table(changes) if not changes.empty else None,
        tones=tuple(told["verdict"].map({"better": "good", "worse": "bad"}).fillna("neutral")),
        empty=f"Nothing to compare: {period} or the quarters before it have no data."))

    attention = qbr.needs_attention(con, provider, account, quarter, filters, values=values)
    sections.append(Section(
        "attention", SECTION_TITLES["attention"], tuple(attention["sentence"].head(MAX_ATTENTION)),
        tuple(f"{r.label}: {r.gap_text} vs target ({r.status})" for r in attention.itertuples()),
        tones=tuple(attention["status"].head(MAX_ATTENTION)),  # below target | outside the band
        empty="Every KPI with a target met it this quarter."))

    (model, year), scorecard = year_read.result()
    baseline = qbr.baseline_comparison(con, provider, account, quarter, filters, portfolio=portfolio,
                                       own=own_read.result(), year_at=(model, year))
    chart = _baseline_chart(baseline, theme)
    if chart:
        charts.append(chart)
    sections.append(Section(
        "baseline", SECTION_TITLES["baseline"], tuple(baseline["sentence"]),
        (f"Relationship year {year} ({model}). Baselines leave this engagement out; intervals are 95 % "
         "bootstrap intervals over engagements.",) if year else (),
        chart="baseline" if chart else None,
        empty="No baseline: the register needs this engagement's contract start, and other engagements in the "
              "same relationship year." if year is None else
              "No other engagement has data for this relationship year."))

    ledger_lines, ledger_notes, ledger_table, ledger_chart = _ledger_section(ledger_read.result(), quarter, theme)
    if ledger_chart:
        charts.append(ledger_chart)
    sections.append(Section(
        "scorecard", SECTION_TITLES["scorecard"], tuple(scorecard["sentence"]) + tuple(ledger_lines),
        tuple(ledger_notes), chart="gainshare" if ledger_chart else None, table=ledger_table,
        empty="The provider's scorecards carry no innovations, governance meetings or gain-share savings "
              "for this engagement."))

    agenda_lines, agenda_table = _agenda_section(agenda if agenda_read is None else agenda_read.result(), quarter)
    sections.append(Section("agenda", SECTION_TITLES["agenda"], tuple(agenda_lines), (), table=agenda_table,
                            empty="No notes or actions yet for this quarter."))

    return QbrReport(
        provider=provider, account=account, relationship_model=model, quarter=quarter,
        filters=tuple(scoped.describe()), tiles=tiles, charts=tuple(charts),
        findings=tuple(told["sentence"]), theme=theme, notes=tuple(notes), sections=tuple(sections),
        period=period,
    )
