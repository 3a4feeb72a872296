"""The quarter's story of one engagement: what changed, what needs attention, how it compares.

Pure functions over a DuckDB connection (no Streamlit, no Altair); the QBR page, the
HTML/PDF/PPTX reports and the tests share them. Every figure is stated through
`analytics.formatting`, so a change reads in points for rates and scores and in relative
% only for volumes, money and durations.

Ranking "what changed": a change's size is normalised so KPIs in different units compare —
the absolute change divided by the width of the KPI's health band (worst…best, the range the
health score maps to 0…100); KPIs without a band (contact volume) use the relative change.
"""
from __future__ import annotations

import re
from datetime import date

import duckdb
import numpy as np
import pandas as pd

from analytics import kpis, premium, query
from analytics.contracts import INTERACTIONS, PERFORMANCE, RELATIONSHIP_MODELS
from analytics.filters import ENGAGEMENT_SEPARATOR, Filters, engagement_label, engagement_pairs
from analytics.formatting import format_change, format_value
from analytics.periods import format_period, quarter_bounds
from analytics.periods import quarter_text as quarter_text  # re-exported: pages and reports use qbr.quarter_text
from analytics.kpi_frames import kpi_frame
from analytics.options import filter_options
from analytics.query import Sql
from analytics.thresholds import HISTORY_QUARTERS, MIN_HISTORY

STORY_KPIS = ("csat_pct", "nps", "fcr", "ces", "aht_seconds", "asa_seconds", "escalation_rate", "repeat_rate",
              "cost_per_resolution", "cost_per_contact", "contacts", "quality_score", "sla_attainment",
              "agent_attrition")
BASELINE_KPIS = ("csat_pct", "quality_score", "cost_per_resolution")
SCORECARD_MEASURES = {  # performance column → how a person reads it
    "innovations": "Innovations implemented",
    "governance_meetings": "Governance meetings held",
    "gain_share_savings": "Gain-share savings (scorecard)",
}
PRIOR, LAST_YEAR = "prior quarter", "same quarter last year"
N_BOOT, SEED = 2000, 7

_CHANGE_COLUMNS = ["kpi", "label", "comparison", "base_period", "value", "base", "change_text", "size",
                   "verdict", "sentence"]
_ATTENTION_COLUMNS = ["kpi", "label", "value", "target", "band_floor", "status", "gap_text", "severity", "sentence"]
_BASELINE_COLUMNS = ["kpi", "label", "relationship_year", "relationship_model", "value",
                     "partnership_mean", "partnership_low", "partnership_high", "n_partnership",
                     "transactional_mean", "transactional_low", "transactional_high", "n_transactional",
                     "sentence"]


def parse_quarter(label: str) -> tuple[date, date]:
    """'2025-Q3' → (2025-07-01, 2025-09-30); ValueError naming the expected form otherwise
    (`periods.quarter_bounds`: the quarter key is read in one place)."""
    return quarter_bounds(label)


def engagement_scope(filters: Filters, provider: str, account: str, quarter: str) -> Filters:
    """The page's filters narrowed to one engagement, ending with the quarter."""
    end = parse_quarter(quarter)[1]
    end = end if filters.end is None else min(filters.end, end)
    return filters.replace(providers=(), accounts=(), models=(), engagements=(engagement_label(provider, account),),
                           end=end)


def engagements_in_scope(con: duckdb.DuckDBPyConnection, filters: Filters, *,
                         options: dict[str, list] | None = None) -> list[str]:
    """Engagement labels ("provider · account") that the shared filters allow, sorted.

    Providers, accounts, engagements and relationship models narrow the list (the other filters
    do not choose engagements). `options`: `filter_options(con)` when the caller already has it (it
    reads every table, and it does not depend on the filters).
    """
    labels = (filter_options(con) if options is None else options)["engagements"]
    pairs = query.rows(con, "select distinct provider, account, relationship_model from engagements")
    models = {engagement_label(p, a): m for p, a, m in pairs}
    chosen = []
    for label in labels:
        if filters.engagements and label not in filters.engagements:
            continue
        if filters.providers and not any(label.startswith(p + ENGAGEMENT_SEPARATOR) for p in filters.providers):
            continue
        if filters.accounts and not any(label.endswith(ENGAGEMENT_SEPARATOR + a) for a in filters.accounts):
            continue
        if filters.models and models.get(label) not in filters.models:
            continue
        chosen.append(label)
    return chosen


def default_quarter(con: duckdb.DuckDBPyConnection, provider: str, account: str, quarters: tuple[str, ...]) -> str:
    """The quarter a QBR of this engagement opens on: the latest of `quarters` (keys, newest first) that the
    engagement's own data covers completely, else the one holding its last day, else the newest.

    The whole database's range would open an engagement whose files end earlier on a quarter it has no data in.
    """
    first, last = query.one(con, "select min(first_day), max(last_day) from ("
                                 " select min(day) as first_day, max(day) as last_day from rollup_daily"
                                 " where provider = $p and account = $a"
                                 " union all"
                                 " select min(period), max(last_day(period)) from performance"  # a month's row
                                 " where provider = $p and account = $a)",
                            {"p": provider, "a": account})
    if last is None or not quarters:
        return quarters[0] if quarters else ""
    first, last = pd.Timestamp(first).date(), pd.Timestamp(last).date()
    covered = [q for q in quarters if first <= parse_quarter(q)[1] <= last]
    holding = [q for q in quarters if parse_quarter(q)[0] <= last <= parse_quarter(q)[1]]
    return (covered or holding or quarters)[0]


def quarterly_values(con: duckdb.DuckDBPyConnection, provider: str, account: str, quarter: str,
                     filters: Filters = Filters(), kpi_ids=STORY_KPIS) -> pd.DataFrame:
    """The engagement's KPIs per quarter up to `quarter`: columns ``period``, ``kpi``, ``value``."""
    frame = kpi_frame(con, list(kpi_ids), engagement_scope(filters, provider, account, quarter), grain="quarter")
    return frame[["period", "kpi", "value"]]


def engagement_quarters(con: duckdb.DuckDBPyConnection, provider: str, account: str, quarter: str,
                        filters: Filters = Filters(), kpi_ids=STORY_KPIS) -> pd.DataFrame:
    """The read behind `quarterly_values` split by engagement: `kpi_frame` with the engagement's columns
    and each KPI's parts, which `health.kpi_scores(..., frame=...)` scores under `engagement_scope` and
    `values_of` turns into `quarterly_values` (the QBR reads the engagement's quarters once for both)."""
    return kpi_frame(con, list(kpi_ids), engagement_scope(filters, provider, account, quarter), grain="quarter",
                     by=("engagement",))


def values_of(frame: pd.DataFrame, kpi_ids) -> pd.DataFrame | None:
    """`quarterly_values(..., kpi_ids)` from `engagement_quarters(..., ids)` where `ids` begins with
    `kpi_ids` (kpi_frame orders its rows by the KPI's place in `ids`: theirs come first). None when the
    frame holds more than one provider × account: a label whose names contain the separator can stand for
    two, and `quarterly_values` sums them together; None too when none of `kpi_ids` has a row (its empty frame
    is typed as `kpi_frame` types one)."""
    if frame["provider"].nunique() > 1 or frame["account"].nunique() > 1:
        return None
    count = int(frame["kpi"].isin(list(kpi_ids)).sum())
    return frame.iloc[:count][["period", "kpi", "value"]].reset_index(drop=True) if count else None


def _size(k: kpis.Kpi, value: float, base: float) -> float:
    if k.band is not None:
        return abs(value - base) / abs(k.band[1] - k.band[0])
    return abs(value - base) / abs(base) if base else float("nan")


def _rounds_to_zero(text: str) -> bool:
    """True when a change reads as zero once rounded ("+0.0 pp")."""
    return re.search(r"[1-9]", text) is None


def _verdict(k: kpis.Kpi, value: float, base: float, text: str | None) -> str:
    if text is None or k.direction == 0 or _rounds_to_zero(text):
        return "neutral"
    return "better" if (value - base) * k.direction > 0 else "worse"


def by_kpi(values: pd.DataFrame) -> dict[str, dict[pd.Timestamp, float]]:
    """`quarterly_values` as {kpi: {period: value}}, in one pass over the frame (a boolean mask and an
    index per KPI cost about a millisecond each, and the QBR looks a dozen KPIs up three times)."""
    series: dict[str, dict[pd.Timestamp, float]] = {}
    periods = values["period"]
    if periods.dtype == "datetime64[ns]" and len(periods):
        # a Timestamp per distinct quarter, not per row (`tolist` boxes every row: most of this function's time)
        distinct, row_of = np.unique(periods.to_numpy(), return_inverse=True)
        stamps = [pd.Timestamp(p) for p in distinct]
        periods = [stamps[i] for i in row_of.tolist()]
    else:
        periods = periods.tolist()
    for kpi_id, period, value in zip(values["kpi"].tolist(), periods, values["value"].tolist()):
        series.setdefault(kpi_id, {})[period] = value
    return series


def _extreme(values: dict[pd.Timestamp, float], current: pd.Timestamp) -> str:
    """'the lowest in 8 quarters' when the current value is the lowest of the recent history, etc.

    `values`: one KPI's {period: value} (`by_kpi`), holding `current`."""
    recent = sorted(p for p in values if p <= current)[-HISTORY_QUARTERS:]
    if len(recent) < MIN_HISTORY:
        return ""
    others = [values[p] for p in recent if p != current and values[p] == values[p]]  # NaN skipped, as min() does
    if not others:
        return ""
    if values[current] < min(others):
        return f"the lowest in {len(recent)} quarters"
    if values[current] > max(others):
        return f"the highest in {len(recent)} quarters"
    return ""


def quarter_changes(con: duckdb.DuckDBPyConnection, provider: str, account: str, quarter: str,
                    filters: Filters = Filters(), kpi_ids=STORY_KPIS, *,
                    values: pd.DataFrame | None = None) -> pd.DataFrame:
    """What changed this quarter versus the prior quarter and the same quarter last year, biggest first.

    Returns one row per KPI × comparison where both quarters have a value, columns ``kpi``,
    ``label``, ``comparison`` (prior quarter | same quarter last year), ``base_period`` ('Q2 2025'),
    ``value``, ``base`` (stored units), ``change_text`` (e.g. '-10.4 pp', '+6.1 %'), ``size``
    (normalised, see the module docstring), ``verdict`` (better | worse | neutral) and ``sentence``
    ("CSAT (satisfied) fell 10.4 pp to 71.0 % from Q2 2025, the lowest in 8 quarters").

    `values`: `quarterly_values` for these arguments (any superset of `kpi_ids`) when the caller
    already has it — the QBR reads the engagement's quarters once for its tiles, changes and attention.
    """
    if values is None:
        values = quarterly_values(con, provider, account, quarter, filters, kpi_ids)
    current = pd.Timestamp(parse_quarter(quarter)[0])
    all_series = by_kpi(values)
    bases = [(comparison, current - pd.DateOffset(months=months))  # once, not once per KPI
             for comparison, months in ((PRIOR, 3), (LAST_YEAR, 12))]
    rows = []
    for kpi_id in kpi_ids:
        k = kpis.kpi(kpi_id)
        series = all_series.get(kpi_id, {})
        if current not in series:
            continue
        value = float(series[current])
        for comparison, period in bases:
            if period not in series:
                continue
            base = float(series[period])
            text = format_change(k, value, base)
            if text is None:
                continue
            verdict = _verdict(k, value, base, text)
            amount = text.lstrip("+-")
            if _rounds_to_zero(text):
                sentence = f"{k.label} held steady at {format_value(k, value)} (as in {format_period(period)})"
            else:
                verb = "rose" if value > base else "fell"
                sentence = f"{k.label} {verb} {amount} to {format_value(k, value)} from {format_period(period)}"
            extreme = _extreme(series, current) if comparison == PRIOR else ""
            if extreme:
                sentence += f", {extreme}"
            rows.append({"kpi": k.id, "label": k.label, "comparison": comparison,
                         "base_period": format_period(period), "value": value, "base": base, "change_text": text,
                         "size": _size(k, value, base), "verdict": verdict, "sentence": sentence})
    frame = pd.DataFrame(rows, columns=_CHANGE_COLUMNS)
    frame["size"] = frame["size"].astype("float64")
    return frame.sort_values("size", ascending=False, kind="stable", na_position="last").reset_index(drop=True)


def needs_attention(con: duckdb.DuckDBPyConnection, provider: str, account: str, quarter: str,
                    filters: Filters = Filters(), kpi_ids=STORY_KPIS, *,
                    values: pd.DataFrame | None = None) -> pd.DataFrame:
    """KPIs worse than their target this quarter (or worse than the floor of their health band).

    Returns one row per such KPI, the furthest from target first, columns ``kpi``, ``label``,
    ``value``, ``target``, ``band_floor`` (the band's worst end), ``status`` (below target |
    outside the band), ``gap_text`` (value vs target in the reader's unit, e.g. '-9.0 pp'),
    ``severity`` (the gap over the band's width) and ``sentence``. `values`: as in `quarter_changes`.
    """
    if values is None:
        values = quarterly_values(con, provider, account, quarter, filters, kpi_ids)
    current = pd.Timestamp(parse_quarter(quarter)[0])
    now = values.loc[values["period"] == current].set_index("kpi")["value"]
    rows = []
    for kpi_id in kpi_ids:
        k = kpis.kpi(kpi_id)
        if k.target is None or k.direction == 0 or kpi_id not in now.index:
            continue
        value = float(now[kpi_id])
        if (value - k.target) * k.direction >= 0:
            continue
        gap = format_change(k, value, k.target) or ""
        side = "below" if k.direction > 0 else "above"
        floor = k.band[0] if k.band else None
        outside = floor is not None and (value - floor) * k.direction < 0
        sentence = (f"{k.label} is {format_value(k, value)}, {gap.lstrip('+-')} {side} the "
                    f"{format_value(k, k.target)} target")
        if outside:
            sentence += f" and {side} the band's floor of {format_value(k, floor)}"
        width = abs(k.band[1] - k.band[0]) if k.band else abs(k.target) or 1.0
        rows.append({"kpi": k.id, "label": k.label, "value": value, "target": k.target, "band_floor": floor,
                     "status": "outside the band" if outside else "below target", "gap_text": gap,
                     "severity": abs(value - k.target) / width, "sentence": sentence})
    frame = pd.DataFrame(rows, columns=_ATTENTION_COLUMNS)
    frame["severity"] = frame["severity"].astype("float64")
    return frame.sort_values("severity", ascending=False, kind="stable").reset_index(drop=True)


def relationship_year_at(con: duckdb.DuckDBPyConnection, provider: str, account: str, day: date
                         ) -> tuple[str | None, int | None]:
    """(relationship model, relationship year at `day`) from the register; year 1 = the first 12 months.

    The same alignment as `premium.relationship_year_values`: floor(months since the contract-start
    month / 12) + 1; None before the contract started or when the register lacks the engagement.
    """
    return _year_at(register_row(con, provider, account), day)


def register_row(con: duckdb.DuckDBPyConnection, provider: str, account: str) -> tuple | None:
    """(relationship model, contract start) of the engagement in the register; None when it is not there."""
    return query.one(con, "select relationship_model, contract_start from engagement_register"
                          " where provider = ? and account = ?", [provider, account])


def _year_at(row: tuple | None, day: date) -> tuple[str | None, int | None]:
    """`relationship_year_at` from the engagement's `register_row`."""
    if row is None or row[1] is None:
        return (row[0] if row else None), None
    model, start = row
    months = (day.year - start.year) * 12 + day.month - start.month
    return model, (months // 12 + 1 if months >= 0 else None)


def year_and_scorecard(con: duckdb.DuckDBPyConnection, provider: str, account: str, quarter: str
                       ) -> tuple[tuple[str | None, int | None], pd.DataFrame]:
    """(`relationship_year_at` the quarter's end, `scorecard_quarter`) from one read of the register row."""
    row = register_row(con, provider, account)
    return (_year_at(row, parse_quarter(quarter)[1]),
            scorecard_quarter(con, provider, account, quarter, register=row))


def _mean_and_interval(values: np.ndarray, seed) -> tuple[float, float, float]:
    if values.size == 0:
        return np.nan, np.nan, np.nan
    if values.size < 2:
        return float(values.mean()), np.nan, np.nan
    rng = np.random.default_rng(seed)
    means = values[rng.integers(0, values.size, size=(N_BOOT, values.size))].mean(axis=1)
    low, high = premium.percentile_ci(means)
    return float(values.mean()), low, high


def portfolio_scope(filters: Filters) -> Filters:
    """The filters the baselines are read under: the page's dates and channels, every engagement
    (providers, accounts, engagements and models are what a QBR narrows, not what it compares with)."""
    return filters.replace(providers=(), accounts=(), engagements=(), models=())


def baseline_values(con: duckdb.DuckDBPyConnection, filters: Filters,
                    kpi_ids=BASELINE_KPIS) -> dict[str, pd.DataFrame]:
    """Every engagement's `premium.relationship_year_values` per baseline KPI, under `portfolio_scope`.

    It depends on neither the engagement nor the quarter of a QBR, so a page can read it once per
    data version and date/channel filters and hand it to `baseline_comparison(..., portfolio=...)`
    for every engagement and quarter the user moves through."""
    return premium.relationship_year_frames(con, kpi_ids, portfolio_scope(filters))


def own_baseline_values(con: duckdb.DuckDBPyConnection, provider: str, account: str, quarter: str,
                        filters: Filters = Filters(), kpi_id: str = BASELINE_KPIS[0]) -> pd.DataFrame:
    """The engagement's own `premium.relationship_year_values` of one KPI up to the quarter's end (what
    `baseline_comparison` sets against the baselines)."""
    return premium.relationship_year_values(con, kpi_id, engagement_scope(filters, provider, account, quarter))


def own_year_values(con: duckdb.DuckDBPyConnection, provider: str, account: str, quarter: str,
                    filters: Filters = Filters(), kpi_ids=BASELINE_KPIS) -> dict[str, pd.DataFrame] | None:
    """{KPI: the rows of `own_baseline_values` in the relationship year at the quarter's end (the year
    `baseline_comparison` sets against the baselines), columns ``relationship_model``, ``relationship_year``,
    ``value``, ``numerator`` and ``denominator``}, from this engagement's rows of the last twelve months alone
    instead of the portfolio query narrowed to it: its daily and monthly parts (sql/marts/qbr_own_year.sql)
    beside its register row and model history, aligned and summed here as marts/relationship_year_values.sql
    aligns them (interaction days count from the contract start day, scorecard months from its month; each
    date under the model in force on it). Three small statements instead of one with the alignment in SQL,
    whose planning alone cost about 20 ms. Sums are double sums of the same rows (equal to the last bits).
    None when the engagement's label also reads as another provider × account (its rows would be summed
    with theirs): `own_baseline_values` then."""
    scoped = engagement_scope(filters, provider, account, quarter)
    if engagement_pairs(scoped.engagements)[0] != [provider]:
        return None
    unscoped = scoped.replace(engagements=())  # the engagement is the statement's own provider = and account =
    day_src = query.source_for(unscoped, INTERACTIONS, grain="day", alias="t", prefix="d")
    month_src = query.source_for(unscoped, PERFORMANCE, grain="month", alias="t", prefix="m")
    chosen = [kpis.kpi(i) for i in dict.fromkeys(kpi_ids)]
    slots = {}
    for source, name in ((INTERACTIONS, "day"), (PERFORMANCE, "month")):
        mine = [(i, k) for i, k in enumerate(chosen) if k.source == source]
        # a source without KPIs still gives its statement a column
        slots[f"{name}_measures"] = Sql(",\n       ".join(
            f"{query.measure(k, part)} as {part}_{i}" for i, k in mine for part in ("numerator", "denominator"))
            or "null as no_kpi")
    sql = query.render(query.load("marts/qbr_own_year"), day_predicate=day_src.predicate,
                       month_predicate=month_src.predicate, **slots)
    end = parse_quarter(quarter)[1]
    # the year at `end` starts in its month or one of the 11 before it (from the contract's start day or month)
    months = end.year * 12 + end.month - 1 - 11
    since = date(months // 12, months % 12 + 1, 1)
    engagement = {"provider": provider, "account": account}
    frame, register = query.frames(con, [
        (sql, {**engagement, "since": since, **day_src.params, **month_src.params}),
        ("select 'register' as kind, relationship_model, contract_start as since from engagement_register"
         " where provider = $provider and account = $account and contract_start is not null"
         " union all"
         " select 'history', relationship_model, effective_from from engagement_models"
         " where provider = $provider and account = $account", engagement)])
    parts = _own_year_parts(frame, register, end, len(chosen))
    out = {}
    for i, k in enumerate(chosen):
        models, numerators, denominators = parts.get(k.source, ([], np.empty((0, len(chosen))),
                                                                np.empty((0, len(chosen)))))
        numerator, denominator = numerators[:, i], denominators[:, i]
        # as premium's `_split_source`: NaN where the denominator is 0, rows without a value or a model left out
        value = (numerator * k.scale if k.denominator is None else
                 numerator / np.where(denominator != 0, denominator, np.nan) * k.scale)
        model_array = np.array(models, dtype=object)
        kept = np.flatnonzero(np.isin(model_array, list(RELATIONSHIP_MODELS)) & ~np.isnan(value))
        out[k.id] = pd.DataFrame({
            "relationship_model": model_array[kept],
            "relationship_year": np.full(kept.size, parts.get("year", 0), dtype="int64"),
            "value": value[kept], "numerator": numerator[kept], "denominator": denominator[kept]})
    return out


def _own_year_parts(frame: pd.DataFrame, register: pd.DataFrame, end: date, kpi_count: int) -> dict:
    """{source: (models, numerators, denominators)}: per model in force (sorted), each KPI's parts (a column
    per KPI i) summed over the source's dates in the relationship year at `end`; "year": that year. Empty when
    the register has no contract start for the engagement or `end` is before it."""
    kinds = register["kind"].tolist()
    found = [i for i, kind in enumerate(kinds) if kind == "register"]
    if not found:
        return {}
    model, start = register["relationship_model"].tolist()[found[0]], register["since"].iloc[found[0]]
    start = pd.Timestamp(start)
    at_months = (end.year - start.year) * 12 + end.month - start.month
    if at_months < 0:
        return {}
    year = at_months // 12 + 1
    history = sorted((pd.Timestamp(register["since"].iloc[i]), m)
                     for i, (kind, m) in enumerate(zip(kinds, register["relationship_model"].tolist()))
                     if kind == "history")
    if not history and model is not None and model == model:
        history = [(start, model)]
    if not history or frame.empty:
        return {"year": year}
    # each model's span: from its first day (the first one from the beginning of time) to the next one's
    bounds = np.array([np.datetime64("0001-01-01")] + [np.datetime64(day.date(), "D") for day, _ in history[1:]],
                      dtype="datetime64[D]")
    span_models = [m for _, m in history]
    days = frame["d"].to_numpy().astype("datetime64[D]")
    month_start = days.astype("datetime64[M]")
    years = month_start.astype("datetime64[Y]").astype("int64") + 1970
    month = month_start.astype("int64") % 12 + 1
    day = (days - month_start.astype("datetime64[D]")).astype("int64") + 1
    span = np.searchsorted(bounds, days, side="right") - 1
    sources = frame["source"].to_numpy(dtype=object)
    parts = {}  # each KPI part's column as floats, read once
    for i in range(kpi_count):
        for part in ("numerator", "denominator"):
            if f"{part}_{i}" in frame.columns:
                parts[part, i] = frame[f"{part}_{i}"].to_numpy(dtype="float64", na_value=np.nan)
    out: dict = {"year": year}
    for source in ("interactions", "performance"):
        relationship_month = (years - start.year) * 12 + month - start.month
        if source == "interactions":  # days count from the contract's start day
            relationship_month = relationship_month - (day < start.day)
        rows = (sources == source) & (relationship_month >= 0) & (relationship_month // 12 + 1 == year)
        if not rows.any():
            continue
        models = sorted({span_models[s] for s in span[rows].tolist()})
        numerators = np.full((len(models), kpi_count), np.nan)
        denominators = np.full((len(models), kpi_count), np.nan)
        for row, m in enumerate(models):
            mine = rows & np.isin(span, [j for j, other in enumerate(span_models) if other == m])
            for (part, i), values in parts.items():
                chosen = values[mine]
                known = chosen[~np.isnan(chosen)]
                # SQL's sum: NULLs skipped, NULL when all are; added in the rows' order, one after the other,
                # as DuckDB adds them (NumPy's sum adds in pairs: other last bits, and a mean of .x5 rounds
                # the other way)
                (numerators if part == "numerator" else denominators)[row, i] = \
                    np.cumsum(known)[-1] if known.size else np.nan
        out[source] = (models, numerators, denominators)
    return out


def baseline_comparison(con: duckdb.DuckDBPyConnection, provider: str, account: str, quarter: str,
                        filters: Filters = Filters(), kpi_ids=BASELINE_KPIS, *,
                        portfolio: dict[str, pd.DataFrame] | None = None,
                        own: dict[str, pd.DataFrame] | None = None,
                        year_at: tuple[str | None, int | None] | None = None) -> pd.DataFrame:
    """This engagement's KPI against partnership and transactional engagements at the same relationship year.

    The engagement's value is its relationship year so far (up to the quarter's end); each
    baseline is the mean of the *other* engagements' values for that relationship year
    (`premium.relationship_year_values`, within the shared date/channel filters) with a 95 %
    percentile bootstrap interval over engagements (NaN with fewer than 2).

    Returns one row per KPI with data, columns ``kpi``, ``label``, ``relationship_year``,
    ``relationship_model``, ``value``, ``partnership_mean``, ``partnership_low``,
    ``partnership_high``, ``n_partnership``, the same four for ``transactional_*``, and ``sentence``.

    `portfolio`: `baseline_values(con, filters)` when the caller already has it (a KPI missing from
    it is read here); `own`: {KPI: `own_baseline_values`} likewise, and `year_at`: `relationship_year_at`
    at the quarter's end (the QBR reads them side by side).
    """
    quarter_end = parse_quarter(quarter)[1]
    model, year = relationship_year_at(con, provider, account, quarter_end) if year_at is None else year_at
    rows = []
    if year is None:
        return pd.DataFrame(columns=_BASELINE_COLUMNS)
    label = engagement_label(provider, account)
    portfolio = portfolio or {}
    given = own or {}
    for kpi_id in kpi_ids:
        k = kpis.kpi(kpi_id)
        own = given.get(kpi_id)
        if own is None:
            own = own_baseline_values(con, provider, account, quarter, filters, kpi_id)
        # the frames' columns as arrays: a pandas mask, .loc and .iloc per KPI and side cost more than the rest
        own_rows = np.flatnonzero(own["relationship_year"].to_numpy() == year)
        if not own_rows.size:
            continue
        others = portfolio.get(kpi_id)
        if others is None:
            others = premium.relationship_year_values(con, kpi_id, portfolio_scope(filters))
        kept = (others["relationship_year"].to_numpy() == year) & (others["engagement"].to_numpy() != label)
        other_models = others["relationship_model"].to_numpy()
        other_values = others["value"].to_numpy(dtype="float64")
        row = {"kpi": k.id, "label": k.label, "relationship_year": year, "relationship_model": model,
               "value": float(own["value"].to_numpy()[own_rows[0]])}
        parts = []
        for index, side in enumerate(RELATIONSHIP_MODELS):
            chosen = other_values[kept & (other_models == side)]
            mean, low, high = _mean_and_interval(chosen, [SEED, year, index])
            row.update({f"{side}_mean": mean, f"{side}_low": low, f"{side}_high": high,
                        f"n_{side}": int(chosen.size)})
            if chosen.size:
                versus = format_change(k, row["value"], mean)
                interval = f"95 % interval {format_value(k, low)}–{format_value(k, high)}, " if low == low else ""
                who = "transactional deals" if side == RELATIONSHIP_MODELS[1] else "partnerships"
                parts.append(f"{versus + ' vs ' if versus else 'vs '}{who} at {format_value(k, mean)} "
                             f"({interval}{chosen.size} engagement{'s' if chosen.size != 1 else ''})")
        if not parts:
            continue
        # the transactional baseline first: it is the comparison a partnership has to beat
        row["sentence"] = f"{k.label}, relationship year {year}: {format_value(k, row['value'])}, " + \
            " and ".join(reversed(parts))
        rows.append(row)
    frame = pd.DataFrame(rows, columns=_BASELINE_COLUMNS)
    if not frame.empty:  # column by column: a frame's astype copies every column, the text ones slowly
        for column in ("n_partnership", "n_transactional"):
            frame[column] = frame[column].astype("int64")
    return frame


def scorecard_quarter(con: duckdb.DuckDBPyConnection, provider: str, account: str, quarter: str, *,
                      register: tuple | None | bool = False) -> pd.DataFrame:
    """Innovations, governance meetings and gain-share savings from the scorecards: this quarter and to date.

    To date = from the contract start (all scorecard months when the register has none) to the
    quarter's end. Only measures the scorecards carry for this engagement get a row.

    Returns columns ``measure`` (performance column), ``label``, ``quarter_total``,
    ``to_date_total``, ``months`` (scorecard months with the figure this quarter), ``sentence``.
    `register`: the engagement's `register_row` when the caller already read it.
    """
    start, end = parse_quarter(quarter)
    if register is False:
        register = register_row(con, provider, account)
    since = register[1] if register and register[1] else date(1900, 1, 1)
    rows = []
    # every measure's three figures in one statement: this quarter's sum and months, and the sum to date
    figures = Sql(", ".join(f"sum({c}) filter (where period >= $start), count({c}) filter (where period >= $start), "
                            f"sum({c})" for c in map(query.column, SCORECARD_MEASURES)))
    totals = query.one(con, query.render(
        """
        select {figures}
        from performance
        where provider = $provider and account = $account and period >= $since and period <= $end
        """, figures=figures),
        {"provider": provider, "account": account, "start": start, "end": end, "since": since})
    for index, (column, label) in enumerate(SCORECARD_MEASURES.items()):
        quarter_total, months, to_date = totals[3 * index:3 * index + 3]
        if to_date is None:
            continue
        money = column == "gain_share_savings"
        shown = (lambda v: f"${v:,.0f}") if money else (lambda v: f"{v:,.0f}")
        this_quarter = shown(quarter_total) if quarter_total is not None else "not reported"
        since_text = "since the contract started" if since.year > 1900 else "in all scorecards"
        rows.append({"measure": column, "label": label,
                     "quarter_total": float("nan") if quarter_total is None else float(quarter_total),
                     "to_date_total": float(to_date), "months": int(months),
                     "sentence": f"{label}: {this_quarter} this quarter, {shown(to_date)} {since_text}"})
    return pd.DataFrame(rows, columns=["measure", "label", "quarter_total", "to_date_total", "months", "sentence"])
