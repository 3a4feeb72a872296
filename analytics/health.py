"""Relationship health: a balanced scorecard per engagement and period.

Each KPI with a band and a pillar in the registry scores 0–100 against its target
band: 0 at `worst`, 75 at its `target` (meeting target reads as healthy), 100 at
`best`, linear in between — differences are signed, so it works for either direction. A pillar scores the
mean of its available KPI scores; the overall score is the weighted mean of the
available pillars, the weights renormalised over the pillars that have data:

    overall = Σ_p (w_p / W) · mean_{k ∈ p} s_k = Σ_k (w_p / W / n_p) · s_k

The right-hand form gives every KPI score a weight, which is how `health_drivers`
splits a change in the overall score exactly into per-KPI contributions.
"""
from __future__ import annotations

import re

import duckdb
import numpy as np
import pandas as pd

from analytics import kpis, query, stats
from analytics.contracts import INTERACTIONS
from analytics.db import REGISTER_VIEW
from analytics.filters import Filters
from analytics.kpi_frames import factorize_sorted, kpi_frame, period_ordinal, period_start
from analytics.thresholds import HEALTHY, MIN_RESPONSES, WATCH

RESPONSE_KPIS = tuple(k.id for k in kpis.KPIS if k.source == INTERACTIONS and k.unit in ("fraction", "points"))
_KEYS = ["engagement", "provider", "account", "period"]


def pillar_column(pillar: str) -> str:
    """`quality & compliance` → `score_quality_compliance`."""
    return "score_" + re.sub(r"[^a-z0-9]+", "_", pillar.lower()).strip("_")


PILLAR_COLUMNS = tuple(pillar_column(p) for p in kpis.PILLARS)


def band(score: float) -> str | None:
    """'healthy' (≥ 70), 'watch' (50–70), 'at risk' (< 50); None when there is no score."""
    if score is None or score != score:
        return None
    return "healthy" if score >= HEALTHY else "watch" if score >= WATCH else "at risk"


def pillar_weights(weights: dict[str, float] | None) -> dict[str, float]:
    """Validated weights for every pillar: equal (1.0) by default; pillars missing from
    `weights` keep 1.0. Raises ValueError for unknown pillars, negative weights, or all zero."""
    merged = {p: 1.0 for p in kpis.PILLARS}
    for pillar, weight in (weights or {}).items():
        if pillar not in merged:
            raise ValueError(f"Unknown pillar {pillar!r}; pillars: {', '.join(kpis.PILLARS)}")
        if not weight >= 0:
            raise ValueError(f"Pillar weight for {pillar!r} must be a non-negative number, got {weight!r}")
        merged[pillar] = float(weight)
    if sum(merged.values()) == 0:
        raise ValueError("All pillar weights are zero; give at least one pillar a positive weight")
    return merged


def scored_kpis() -> list[kpis.Kpi]:
    """The KPIs a health score is made of: those with a band and a pillar."""
    return [k for k in kpis.KPIS if k.band is not None and k.pillar is not None]


def kpi_scores(con: duckdb.DuckDBPyConnection, filters: Filters, *, grain: str = "quarter",
               frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every scored KPI per engagement and period, normalised to 0–100 against its band.

    A KPI measured on customer responses (`RESPONSE_KPIS`) is left out of a period with fewer than
    `MIN_RESPONSES` responses. Rates carry a 95 % Wilson interval of their value, turned into
    ``score_low``/``score_high`` (the score at each end, lower first); other KPIs have both equal to
    ``score`` (scorecard figures and means carry no sampling interval here).

    Returns one row per engagement × period × KPI with data, columns ``engagement``,
    ``provider``, ``account``, ``period`` (Timestamp), ``kpi``, ``label``, ``pillar``,
    ``value``, ``score``: 0 at the band's worst, 75 at target, 100 at best, linear between, clipped;
    ``responses`` (the KPI's denominator), ``score_low``, ``score_high``.

    `frame`: `kpi_frame(con, ids, filters, grain=grain, by=("engagement",))` when the caller already has it,
    for any `ids` that hold the scored KPIs (the QBR reads its engagement's quarters once for its story and
    its health): the scored KPIs' rows are taken from it in the order `kpi_frame` gives them.
    """
    scored = scored_kpis()
    ids = [k.id for k in scored]
    if frame is None:
        frame = kpi_frame(con, ids, filters, grain=grain, by=("engagement",))
    else:
        # kpi_frame's rows are in KPI, period, split order: a stable sort on the KPI's place among the scored
        # ones keeps the rest of that order
        position = pd.Index(ids).get_indexer(frame["kpi"])
        rows = np.flatnonzero(position >= 0)
        if rows.size:
            frame = frame.take(rows[np.argsort(position[rows], kind="stable")]).reset_index(drop=True)
        else:  # kpi_frame's own empty frame (its typed columns), read from no source
            frame = kpi_frame(con, [], filters, grain=grain, by=("engagement",))
    # registry attributes per row by position (a vectorised lookup, not a Python call per row); the arithmetic
    # on numpy arrays, as pandas would do it, without a Series per step
    codes, names = pd.factorize(frame["kpi"])  # Arrow's dictionary encoding: no Python string per row
    at = pd.Index(ids).get_indexer(names)[codes] if len(frame) else np.zeros(0, dtype="int64")
    denominator = frame["denominator"].to_numpy("float64")
    few = np.isin(at, [i for i, k in enumerate(scored) if k.id in RESPONSE_KPIS]) & ~(denominator >= MIN_RESPONSES)
    kept = np.flatnonzero(~few)
    at, denominator = at[kept], denominator[kept]
    value = frame["value"].to_numpy("float64")[kept]
    worst = np.array([k.band[0] for k in scored], dtype="float64")[at]
    best = np.array([k.band[1] for k in scored], dtype="float64")[at]
    target = np.array([k.target for k in scored], dtype="float64")[at]

    def score_of(value: np.ndarray) -> np.ndarray:
        above = (value - target) / (best - target)
        below = (value - worst) / (target - worst)
        return np.clip(np.where(above >= 0, 75.0 + 25.0 * above, 75.0 * below), 0.0, 100.0)

    score = score_of(value)
    is_rate = np.array([k.unit == "fraction" and k.source == INTERACTIONS for k in scored])[at] \
        if len(kept) else np.zeros(0, dtype=bool)
    low, high = stats.wilson_interval(frame["numerator"].to_numpy("float64")[kept], denominator)
    ends = np.sort(np.column_stack([score_of(low), score_of(high)]), axis=1) if len(kept) else np.zeros((0, 2))
    # one take of the key columns, of the kept rows only (text columns copy slowly); none when every row is kept
    result = frame[["engagement", "provider", "account", "period", "kpi"]]
    if kept.size != len(frame) or not result.index.equals(pd.RangeIndex(len(frame))):
        result = result.take(kept).reset_index(drop=True)
    if not len(kept):  # the empty frame's column types, as they always were
        result["label"] = np.array([k.label for k in scored], dtype=object)[at]
        result["pillar"] = np.array([k.pillar for k in scored], dtype=object)[at]
        result["value"], result["score"], result["responses"] = value, score, denominator
        result["score_low"], result["score_high"] = score, score
        return result
    # one frame at the end (a column added to a frame costs more than its numbers); text by one Arrow take of
    # the registry's few labels (a str column, as from Python strings)
    out = {c: result[c] for c in result.columns}
    out["label"] = pd.Series([k.label for k in scored], dtype="str").take(at).array
    out["pillar"] = pd.Series([k.pillar for k in scored], dtype="str").take(at).array
    out["value"], out["score"], out["responses"] = value, score, denominator
    out["score_low"] = np.where(is_rate, ends[:, 0], score)
    out["score_high"] = np.where(is_rate, ends[:, 1], score)
    return pd.DataFrame(out, index=result.index)


def _with_weights(scores: pd.DataFrame, weights: dict[str, float]) -> pd.DataFrame:
    """Adds `weight` = w_p / W / n_p per KPI row, so the overall score is Σ weight · score.

    n_p counts the pillar's KPIs present for that engagement and period; W sums the weights
    of the pillars present (NaN when they are all zero-weighted: no overall score).

    Grouped on integer codes as `health_scores` does (text keys factorise slowly): W is pandas' own group
    sum over each pillar's first row, in row order, so the same numbers to the last bit."""
    frame = scores.copy()
    pillar_weight = frame["pillar"].map(weights).to_numpy("float64", na_value=np.nan)
    by_pillar, pillar_first = _sorted_codes(frame["engagement"], frame["period"], frame["pillar"])
    by_period, _ = _sorted_codes(frame["engagement"], frame["period"])
    pillar_first = np.sort(pillar_first)
    total = _group_sum(pillar_weight[pillar_first], by_period[pillar_first])[by_period]
    frame["weight"] = pillar_weight / np.where(total > 0, total, np.nan) / np.bincount(by_pillar)[by_pillar]
    return frame


def _relationship_models(con: duckdb.DuckDBPyConnection) -> dict[tuple, str | None]:
    """(provider, account) → the register's relationship model (None when it has none): plain rows, no frame."""
    rows = query.rows(con, query.render("select provider, account, relationship_model from {register}",
                                        register=query.table(REGISTER_VIEW)))
    return {(provider, account): model for provider, account, model in rows}


def _sorted_codes(*columns: pd.Series | tuple[np.ndarray, list]) -> tuple[np.ndarray, np.ndarray]:
    """Integer group ids of the rows by `columns`, numbered in the columns' sorted order, and the
    position of each group's first row — what a sorted group-by on those columns numbers its groups.
    A column may be given as its `factorize_sorted` already."""
    key = None
    for column in columns:
        codes, uniques = column if isinstance(column, tuple) else factorize_sorted(column)
        key = codes.astype("int64") if key is None else key * max(len(uniques), 1) + codes
    _, first, ids = np.unique(key, return_index=True, return_inverse=True)
    return ids.reshape(-1), first


def _group_sum(values: np.ndarray, ids: np.ndarray, *, mean: bool = False) -> np.ndarray:
    """Per group id (0…n−1, every id present), pandas' own group sum (`min_count=1`) or mean of `values`.

    Grouping on integer ids instead of text or categories skips pandas' factorising, while the sums
    still come from the same kernel in the same row order: the same numbers to the last bit."""
    grouped = pd.Series(values, copy=False).groupby(ids, sort=True)
    return (grouped.mean() if mean else grouped.sum(min_count=1)).to_numpy()


def _bits_used(codes: np.ndarray, ids: np.ndarray, groups: int, names: list[str]) -> pd.Series:
    """Per group, the tuple of `names[code]` present among its rows, in the order of `names`."""
    masks = np.zeros(groups, dtype="int64")
    np.bitwise_or.at(masks, ids, np.left_shift(np.int64(1), codes.astype("int64")))
    tuples = {m: tuple(name for i, name in enumerate(names) if m >> i & 1) for m in np.unique(masks).tolist()}
    return pd.Series([tuples[m] for m in masks.tolist()], dtype="object")


def health_scores(
    con: duckdb.DuckDBPyConnection,
    filters: Filters,
    *,
    grain: str = "quarter",
    weights: dict[str, float] | None = None,
    scored: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The balanced scorecard per engagement and period.

    `scored`: `kpi_scores(con, filters, grain=grain)` when the caller already has it (a page that also
    shows the drivers reads the KPI scores once for both).

    Returns one row per engagement × period with any scored KPI, columns ``engagement``,
    ``provider``, ``account``, ``relationship_model`` (None when not in the register),
    ``period``, ``score`` (0–100), ``band``, ``trend`` (score − the previous period's score,
    NaN when that period has none), ``pillars_used`` and ``kpis_used`` (tuples of the
    pillars/KPIs behind the score: pillars with data and a positive weight), and one column per
    pillar: ``score_efficiency``, ``score_customer_experience``, ``score_quality_compliance``,
    ``score_innovation``, ``score_governance`` (NaN when the pillar has no data); then ``score_low`` /
    ``score_high`` (the score with every rate at the unfavourable / favourable end of its Wilson
    interval: conservative), ``n_kpis`` (how many KPIs the score rests on) and ``borderline`` (the
    interval crosses a band edge, 50 or 70: the band is not certain).
    """
    merged = pillar_weights(weights)
    columns = ["engagement", "provider", "account", "relationship_model", "period", "score", "band", "trend",
               "pillars_used", "kpis_used", *PILLAR_COLUMNS, "score_low", "score_high", "n_kpis", "borderline"]
    scores = kpi_scores(con, filters, grain=grain) if scored is None else scored
    if scores.empty:
        return pd.DataFrame({c: pd.Series(dtype="float64" if c.startswith("score") or c == "trend" else "object")
                             for c in columns}).astype({"period": "datetime64[ns]"})
    # Group on integer codes numbered as the text sorts: pandas' Arrow-backed strings factorise slowly,
    # and a dozen group-bys on text or categories cost far more than the arithmetic on a few thousand rows.
    # Each key column is coded once. The sums and means below are still pandas' own, over the same rows in
    # the same order.
    coded = {k: factorize_sorted(scores[k]) for k in (*_KEYS, "pillar", "kpi")}
    ids, first = _sorted_codes(*(coded[k] for k in _KEYS))
    groups = len(first)
    pillar_codes, pillar_names = coded["pillar"]
    pillar_weight = np.array([merged[p] for p in pillar_names], dtype="float64")[pillar_codes]
    # weight = w_p / W / n_p (see `_with_weights`): n_p per engagement × period × pillar, W over the
    # pillars present per engagement × period (summed over each pillar's first row, as drop_duplicates)
    by_pillar, pillar_first = _sorted_codes(coded["engagement"], coded["period"], coded["pillar"])
    n_pillar = np.bincount(by_pillar)[by_pillar]
    by_period, _ = _sorted_codes(coded["engagement"], coded["period"])
    pillar_first = np.sort(pillar_first)  # in row order, as the sum runs
    total = _group_sum(pillar_weight[pillar_first], by_period[pillar_first])[by_period]
    weight = pillar_weight / np.where(total > 0, total, np.nan) / n_pillar
    # the result's columns as arrays, one frame at the end (a column added to a frame costs more than its numbers)
    out: dict[str, object] = {k: scores[k].array.take(first) for k in ("engagement", "provider", "account")}
    out["period"] = scores["period"].to_numpy()[first]
    for name in ("score", "score_low", "score_high"):
        out[name] = _group_sum(weight * scores[name].to_numpy("float64"), ids)
    used = pillar_weight > 0
    registry_pillars, registry_kpis = list(kpis.PILLARS), [k.id for k in kpis.KPIS]
    kpi_codes, kpi_names = coded["kpi"]
    in_registry = [pd.Index(registry_pillars).get_indexer(pillar_names), pd.Index(registry_kpis).get_indexer(kpi_names)]
    out["pillars_used"] = _bits_used(in_registry[0][pillar_codes][used], ids[used], groups, registry_pillars)
    out["kpis_used"] = _bits_used(in_registry[1][kpi_codes][used], ids[used], groups, registry_kpis)
    by_group_pillar = ids * len(pillar_names) + pillar_codes
    means = _group_sum(scores["score"].to_numpy("float64"), by_group_pillar, mean=True)
    by_group_pillar = np.unique(by_group_pillar)
    pillar_scores = np.full((groups, len(pillar_names)), np.nan)
    pillar_scores[by_group_pillar // len(pillar_names), by_group_pillar % len(pillar_names)] = means
    for pillar in kpis.PILLARS:
        out[pillar_column(pillar)] = pillar_scores[:, pillar_names.index(pillar)] if pillar in pillar_names \
            else np.full(groups, np.nan)

    # the previous period's score: the row before, when it is the same engagement's period just before
    # (rows are in engagement × period order)
    ordinal = period_ordinal(pd.Series(out["period"]), grain).to_numpy()
    engagement, period = coded["engagement"][0][first], coded["period"][0][first]
    score = out["score"]
    follows = np.zeros(groups, dtype=bool)
    follows[1:] = (engagement[1:] == engagement[:-1]) & (ordinal[1:] == ordinal[:-1] + 1)
    out["trend"] = score - np.where(follows, np.roll(score, 1), np.nan)
    out["band"] = pd.Series(score).map(band)
    out["n_kpis"] = np.array([len(used_ids) for used_ids in out["kpis_used"].tolist()], dtype="int64")
    edges = [(out["score_low"] < edge) & (out["score_high"] >= edge) for edge in (WATCH, HEALTHY)]
    out["borderline"] = (edges[0] | edges[1]).astype("bool")
    model_of = _relationship_models(con)
    models = (model_of.get(key) for key in zip(out["provider"].tolist(), out["account"].tolist()))
    out["relationship_model"] = pd.Series([m if isinstance(m, str) else None for m in models], dtype="object")
    result = pd.DataFrame({c: out[c] for c in columns})
    # the groups are numbered in engagement, provider, account, period order: already in engagement × period
    # order unless two provider/account pairs share a label (or a key is missing), when they are sorted
    ordered = engagement.min(initial=0) >= 0 and period.min(initial=0) >= 0 and bool(np.all(
        (engagement[1:] > engagement[:-1]) | ((engagement[1:] == engagement[:-1]) & (period[1:] > period[:-1]))))
    if not ordered:
        result = result.sort_values(["engagement", "period"]).reset_index(drop=True)
    return result


def health_overview(
    con: duckdb.DuckDBPyConnection,
    filters: Filters,
    *,
    grain: str = "quarter",
    weights: dict[str, float] | None = None,
    history: int = 8,
) -> pd.DataFrame:
    """Each engagement's latest health, for the Overview's sortable table with sparklines.

    Returns one row per engagement (lowest score first), columns ``engagement``, ``provider``,
    ``account``, ``relationship_model``, ``period`` (its latest scored period), ``score``,
    ``band``, ``trend``, ``history`` (list of its last `history` period scores, oldest first).
    """
    return latest_health(health_scores(con, filters, grain=grain, weights=weights), history=history)


def latest_health(scores: pd.DataFrame, *, history: int = 8) -> pd.DataFrame:
    """`health_overview` from a `health_scores` frame already at hand (a page that shows both
    computes the scores once).

    Also returns ``n_kpis``, ``score_low``, ``score_high``, ``borderline`` of the latest period and
    ``ranked``: False for an engagement whose latest score is older than the portfolio's latest
    period (no data in it) — such rows come last and must not be ranked against current ones."""
    columns = ["engagement", "provider", "account", "relationship_model", "period", "score", "band", "trend",
               "history", "n_kpis", "score_low", "score_high", "borderline", "ranked"]
    if scores.empty:
        return scores.reindex(columns=columns)
    fast = _latest_rows(scores, history)
    if fast is not None:
        rows, histories, ranked = fast
        latest = scores.take(rows).reset_index(drop=True)
        latest["history"] = pd.Series(histories, dtype="object")
        latest["ranked"] = ranked
        return latest.reindex(columns=columns)
    ordered = scores.sort_values(["engagement", "period"])
    # each engagement's rows are consecutive: its last row is the latest, the `history` before it its trend
    engagement, values = ordered["engagement"].to_numpy(), ordered["score"].to_numpy("float64")
    ends = np.flatnonzero(np.append(engagement[1:] != engagement[:-1], True))
    starts = np.append(0, ends[:-1] + 1)
    latest = ordered.iloc[ends].reset_index(drop=True)
    latest["history"] = pd.Series([[float(v) for v in values[max(start, end + 1 - history):end + 1]]
                                   for start, end in zip(starts, ends)], dtype="object")
    latest["ranked"] = latest["period"] == latest["period"].max()
    return latest.sort_values(["ranked", "score", "engagement"], ascending=[False, True, True],
                              na_position="last").reset_index(drop=True).reindex(columns=columns)


def _latest_rows(scores: pd.DataFrame, history: int) -> tuple[np.ndarray, list, np.ndarray] | None:
    """`latest_health`'s rows on integer codes: the positions in `scores` of each engagement's latest row, in the
    order `latest_health` sorts them (ranked first, then score with missing ones last, then engagement), their
    histories and their ``ranked`` flags — what its sorts of the text columns give, without them. None when an
    engagement or a period is missing (the sorts place those; this does not)."""
    engagement_codes, _ = factorize_sorted(scores["engagement"])
    periods = scores["period"].to_numpy("datetime64[ns]")
    if (engagement_codes < 0).any() or np.isnat(periods).any():
        return None
    order = np.lexsort((periods.view("int64"), engagement_codes))  # stable, as sort_values on two columns
    engagement, values = engagement_codes[order], scores["score"].to_numpy("float64")[order]
    ends = np.flatnonzero(np.append(engagement[1:] != engagement[:-1], True))
    starts = np.append(0, ends[:-1] + 1)
    histories = [[float(v) for v in values[max(start, end + 1 - history):end + 1]] for start, end in zip(starts, ends)]
    latest_period, score = periods[order][ends], values[ends]
    ranked = latest_period == latest_period.max()
    known = ~np.isnan(score)
    score_rank = np.full(score.size, score.size, dtype="int64")  # missing scores last
    score_rank[known] = np.unique(score[known], return_inverse=True)[1].reshape(-1)
    final = np.lexsort((engagement[ends], score_rank, ~ranked))
    return order[ends][final], [histories[i] for i in final], ranked[final]


def health_drivers(
    con: duckdb.DuckDBPyConnection,
    engagement: str,
    period_from,
    period_to,
    filters: Filters,
    *,
    grain: str = "quarter",
    weights: dict[str, float] | None = None,
    scored: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """What moved one engagement's health score between two periods.

    `period_from` / `period_to` are any day inside the periods to compare (the `grain` period
    containing it is used). Each KPI's contribution is its weighted term in the overall score
    at `period_to` minus the same at `period_from` (a KPI missing in one period counts 0 there,
    and renormalisation shifts show up in the other KPIs' terms), so the contributions sum
    exactly to score(to) − score(from). When either period has no scores, contributions are NaN.

    Returns one row per scored KPI present in either period, largest |contribution| first,
    columns ``kpi``, ``label``, ``pillar``, ``value_from``, ``value_to``, ``score_from``,
    ``score_to``, ``contribution``.

    `scored`: `kpi_scores(con, filters, grain=grain)` for all the filters' engagements when the caller
    already has it (an engagement's KPI scores do not depend on the other engagements).
    """
    merged = pillar_weights(weights)
    if scored is None:
        scored = kpi_scores(con, filters.replace(engagements=(engagement,)), grain=grain)
    starts = {suffix: period_start(day, grain) for suffix, day in (("from", period_from), ("to", period_to))}
    # this engagement's rows of the two periods only: the weights are per engagement and period, so they are
    # the same from these rows (the same sums over the same rows in the same order) as from all of them
    rows = (scored["engagement"] == engagement).to_numpy(dtype=bool, na_value=False) \
        & scored["period"].isin(list(starts.values())).to_numpy(dtype=bool)
    scores = scored.take(np.flatnonzero(rows)).reset_index(drop=True)
    weighted = _with_weights(scores, merged)
    part = weighted["weight"].to_numpy("float64") * weighted["score"].to_numpy("float64")
    if weighted.empty:
        return _drivers_frame(weighted.assign(_part=part), starts)
    # Each KPI's row of each side by its id (one row per engagement × period × KPI), the outer join of the
    # two sides on it, and the order by |contribution| (largest first, NaN last) then KPI — what merging the
    # sides and sorting them gives, on a few dozen rows without a frame per step.
    kpi, period = weighted["kpi"].tolist(), weighted["period"].to_numpy()
    label, pillar = weighted["label"].tolist(), weighted["pillar"].tolist()
    value, score = weighted["value"].to_numpy("float64"), weighted["score"].to_numpy("float64")
    at = {suffix: {kpi[i]: i for i in np.flatnonzero(period == np.datetime64(start, "ns"))}
          for suffix, start in starts.items()}
    ids = sorted(at["from"].keys() | at["to"].keys())
    picked = {suffix: np.array([rows.get(k, -1) for k in ids], dtype="int64") for suffix, rows in at.items()}

    def side(values: np.ndarray, suffix: str) -> np.ndarray:
        return np.where(picked[suffix] >= 0, values[picked[suffix]], np.nan)

    both_present = bool(at["from"]) and bool(at["to"])
    parts = {suffix: side(part, suffix) for suffix in starts}
    contribution = np.where(np.isnan(parts["to"]), 0.0, parts["to"]) - \
        np.where(np.isnan(parts["from"]), 0.0, parts["from"]) if both_present else np.full(len(ids), np.nan)
    size = np.abs(contribution)
    order = np.lexsort((np.arange(len(ids)), np.where(np.isnan(size), 0.0, -size), np.isnan(size)))
    first = np.where(picked["from"] >= 0, picked["from"], picked["to"])[order]
    return pd.DataFrame({"kpi": [ids[i] for i in order], "label": [label[i] for i in first],
                         "pillar": [pillar[i] for i in first], "value_from": side(value, "from")[order],
                         "value_to": side(value, "to")[order], "score_from": side(score, "from")[order],
                         "score_to": side(score, "to")[order], "contribution": contribution[order]})


def _drivers_frame(weighted: pd.DataFrame, starts: dict) -> pd.DataFrame:
    """`health_drivers`' frame by merging the two periods' rows (kept for the empty case: its column types)."""
    sides = []
    for suffix, start in starts.items():
        side = weighted.loc[weighted["period"] == start, ["kpi", "label", "pillar", "value", "score", "_part"]]
        sides.append(side.rename(columns={"value": f"value_{suffix}", "score": f"score_{suffix}",
                                          "_part": f"_part_{suffix}"}))
    both_present = not sides[0].empty and not sides[1].empty
    drivers = sides[0].merge(sides[1], on=["kpi", "label", "pillar"], how="outer")
    drivers["contribution"] = (drivers["_part_to"].fillna(0.0) - drivers["_part_from"].fillna(0.0)) \
        if both_present else np.nan
    drivers = drivers.assign(_size=drivers["contribution"].abs()) \
        .sort_values(["_size", "kpi"], ascending=[False, True], na_position="last")
    return drivers[["kpi", "label", "pillar", "value_from", "value_to", "score_from", "score_to",
                    "contribution"]].reset_index(drop=True)
