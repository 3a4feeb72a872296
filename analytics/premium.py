"""The partnership premium: partnership vs transactional engagements, aligned on relationship year.

Relationship years count whole months from the contract start *day* (``contract_start`` in the
register): year 1 is the contract's first 12 months, and a contact before the start day is
before year 1. Monthly scorecards count from the contract's start month. Every date is
attributed to the relationship model in force on it (``engagement_models``; see
analytics/model_history.py), so a deal upgraded to a partnership in year 3 is transactional in
years 1–2. Engagements missing from the register are left out.

The estimator (docs/METHODS.md):

* The unit of evidence is not the contact and not even the engagement: engagements on the same
  side that share a provider or an account are not independent, so they are merged into one
  *cluster* (connected through shared providers or accounts) and the cluster's value is the mean
  of its engagements' values. Each side's figure is the mean of its cluster values.
* The relative premium is the ratio of the two means, with a Welch t interval on the log ratio
  (delta method, Satterthwaite degrees of freedom); the absolute difference has a Welch
  difference-of-means interval. Rates are differences in points; NPS, which is not on a ratio
  scale, has no relative premium.
* With fewer than `MIN_UNITS` clusters on either side a year is "too few to estimate": its
  premium, difference and intervals are NaN, never numbers to read.

`bench/premium_coverage.py` checks by simulation that these intervals cover a known premium
at least 93 % of the time from 4 engagements per side.
"""
from __future__ import annotations

import warnings

import duckdb
import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from analytics import kpis, query, stats
from analytics.contracts import INTERACTIONS, PERFORMANCE, RELATIONSHIP_MODELS
from analytics.db import REGISTER_VIEW
from analytics.filters import Filters
from analytics.kpi_frames import arrow_sorted_codes, kpi_frame
from analytics.query import Sql
from analytics.thresholds import MIN_UNITS

PARTNERSHIP, TRANSACTIONAL = RELATIONSHIP_MODELS
CONFIDENCE = stats.CONFIDENCE
NO_RELATIVE = ("nps",)        # not on a ratio scale (can be ≤ 0): absolute difference only
METHOD = "welch-t clusters"
METHOD_TEXT = ("Welch t interval over provider/account clusters: log ratio of means (relative), "
               "difference of means (absolute); 95 %")
ADJUSTED_METHOD = "ols provider-fe cluster-robust"
ADJUSTED_TEXT = ("Adjusted for provider (fixed effects), relationship year, calendar year and, for contact KPIs, "
                 "contact volume; observational — other differences between the deals are not removed.")
_VALUE_COLUMNS = ["engagement", "provider", "account", "relationship_model", "relationship_year", "value",
                  "numerator", "denominator", "volume", "reachable_year", "contract_start"]
PREMIUM_COLUMNS = ["kpi", "relationship_year", "partnership", "transactional", "premium_pct", "ci_low", "ci_high",
                   "n_partnership", "n_transactional", "sufficient", "diff_abs", "diff_ci_low", "diff_ci_high",
                   "diff_unit", "units_partnership", "units_transactional", "p_value", "q_value",
                   "left_partnership", "left_transactional", "method"]
_FLOATS = ["partnership", "transactional", "premium_pct", "ci_low", "ci_high", "diff_abs", "diff_ci_low",
           "diff_ci_high", "p_value", "q_value"]
_INTS = ["relationship_year", "n_partnership", "n_transactional", "units_partnership", "units_transactional",
         "left_partnership", "left_transactional"]
_PREMIUM_DTYPES = {**{c: "float64" for c in _FLOATS}, **{c: "int64" for c in _INTS}, "sufficient": "bool"}


def typed_frame(rows: list[dict], columns: list[str], dtypes: dict[str, str]) -> pd.DataFrame:
    """``pd.DataFrame(rows, columns=columns).astype(dtypes)`` built column by column: the typed columns
    straight from NumPy arrays, the others inferred from their values as the records were (the same
    frame, without pandas' per-cell inference and a second pass to cast)."""
    if not rows:
        return pd.DataFrame({c: np.array([], dtype=dtypes.get(c, object)) for c in columns}, columns=columns)
    return pd.DataFrame({c: np.array([r[c] for r in rows], dtype=dtypes[c]) if c in dtypes else [r[c] for r in rows]
                         for c in columns}, columns=columns)


def _ratio(numerator: pd.Series, denominator: pd.Series, k: kpis.Kpi) -> pd.Series:
    if k.denominator is None:
        return numerator * k.scale
    return numerator / denominator.where(denominator != 0) * k.scale


def relationship_year_values(con: duckdb.DuckDBPyConnection, kpi_id: str, filters: Filters) -> pd.DataFrame:
    """One KPI per engagement, model in force and relationship year.

    The KPI's numerator and denominator (interaction KPIs from the rollups, scorecard KPIs from
    ``performance``) are summed over each relationship year and divided last (the months and days of
    sql/marts/relationship_year_values.sql and relationship_year_days.sql, aligned in
    `relationship_year_frames`). An engagement that changed model has rows under both.

    Returns one row per engagement × relationship_model × relationship year with data, columns
    ``engagement``, ``provider``, ``account``, ``relationship_model`` (in force), ``relationship_year``
    (int, 1 = first 12 months), ``value``, ``numerator``, ``denominator`` (NaN for KPIs without one),
    ``volume`` (contacts, interaction KPIs only), ``reachable_year`` (the relationship year the
    data's last date falls in: later years cannot have data yet) and ``contract_start``.
    """
    return relationship_year_frames(con, (kpi_id,), filters)[kpi_id]


def relationship_year_frames(con: duckdb.DuckDBPyConnection, kpi_ids, filters: Filters) -> dict[str, pd.DataFrame]:
    """`relationship_year_values` of several KPIs, by KPI id: each frame is the one
    `relationship_year_values(con, kpi_id, filters)` returns.

    Simple grouped scans, run side by side: per source, its KPIs' parts per engagement and month
    (sql/marts/relationship_year_values.sql; the KPIs of one source are read together), for interactions also
    per day in the months read by day (sql/marts/relationship_year_days.sql), and the register with the model
    history. The months and days are aligned on relationship years and models here (`_Register`, `_aligned`):
    one statement doing it all spent about 26 ms per source planning its CTEs, window and joins."""
    ids = list(dict.fromkeys(kpi_ids))
    by_source = {source: [kpis.kpi(i) for i in ids if kpis.kpi(i).source == source]
                 for source in dict.fromkeys(kpis.kpi(i).source for i in ids)}
    # the filters that name engagements (provider, account, engagement, model) also narrow the register: only
    # the engagements the rows can belong to are aligned (the rows are filtered by the same conditions)
    register = query.source_for(filters.replace(start=None, end=None, channels=(), reasons=(), segments=()),
                                PERFORMANCE, grain=None, alias="g", prefix="g")
    statements = [(query.render(_REGISTER_SQL, register_predicate=register.predicate), register.params)]
    for source, chosen in by_source.items():
        statements.extend(_source_statements(source, chosen, filters))
    read = query.frames(con, statements)
    spans = _Register(read[0])
    out: dict[str, pd.DataFrame] = {}
    at = 1
    for source, chosen in by_source.items():
        parts = read[at:at + 2] if source == INTERACTIONS else read[at:at + 1]
        at += len(parts)
        out.update(_split_source(_aligned(spans, source, parts, len(chosen)), chosen))
    return {i: out[i] for i in ids}


# The register's engagements with a contract start (under the Filters' provider, account, engagement and model
# conditions) and every engagement's model history; `e` is the engagement's key in the scans (a 64-bit hash of
# provider and account, as the scans compute it).
_REGISTER_SQL = Sql(
    "select true as registered, hash(provider, account) as e, engagement_label(provider, account) as engagement,"
    " provider, account, relationship_model, contract_start as since from engagement_register g"
    " where contract_start is not null and provider is not null and account is not null and {register_predicate}"
    " union all"
    " select false, hash(provider, account), null, null, null, relationship_model, effective_from"
    " from engagement_models")


def _source_statements(source: str, chosen: list, filters: Filters) -> list[tuple[str, dict]]:
    """The source's month statement, and for interactions its day statement."""
    src = query.source_for(filters, source, grain="month", alias="t")
    volume = Sql("sum(contacts)") if source == INTERACTIONS else Sql("cast(null as double)")
    date_of = (Sql(f"t.{query.column(src.date_column)}") if src.relation_name == "rollup_monthly" else
               Sql(f"cast(date_trunc('month', t.{query.column(src.date_column)}) as date)"))
    measures = Sql(",\n       ".join(f"{query.measure(k, part)} as {part}_{i}" for i, k in enumerate(chosen)
                                     for part in ("numerator", "denominator")))
    out = [(query.render(query.load("marts/relationship_year_values"), relation=src.relation, date_of=date_of,
                         measures=measures, volume=volume, predicate=src.predicate), src.params)]
    if source == INTERACTIONS:
        out.append((query.render(query.load("marts/relationship_year_days"), measures=measures, volume=volume,
                                 predicate=src.predicate), src.params))
    return out


_MONTH_KEY = 2 ** 20  # engagement × _MONTH_KEY + month number: one key per engagement and month
_SPAN_KEY = 2 ** 23   # engagement × _SPAN_KEY + day number + 2 ** 21: one key per engagement and day


def _days(column: pd.Series) -> np.ndarray:
    """Dates as int64 days since 1970-01-01."""
    return column.to_numpy().astype("datetime64[D]").astype("int64")


def _ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month and day of int64 day numbers."""
    d = days.astype("datetime64[D]")
    month_start = d.astype("datetime64[M]")
    return (month_start.astype("datetime64[Y]").astype("int64") + 1970, month_start.astype("int64") % 12 + 1,
            (d - month_start.astype("datetime64[D]")).astype("int64") + 1)


class _Register:
    """The register's engagements (position i: key, contract start, text columns) and each one's spans under one
    model, from `_REGISTER_SQL`'s rows — what the old statement's register, history and spans CTEs held: an
    engagement's history rows when it has any, else the register's model from the contract start; each span from
    its start to the next one's, the first from the beginning of time."""

    def __init__(self, frame: pd.DataFrame):
        self.frame = frame
        registered = frame["registered"].to_numpy(dtype=bool)
        self.rows = np.flatnonzero(registered)  # each engagement's row of `frame`
        keys = frame["e"].to_numpy().astype("uint64")
        self.key = keys[self.rows]
        self.sorted = np.argsort(self.key, kind="stable")
        self.start = _days(frame["since"])[self.rows] if self.rows.size else np.zeros(0, dtype="int64")
        n = self.rows.size
        history = np.flatnonzero(~registered)
        owner = self.lookup(keys[history])
        history, owner = history[owner >= 0], owner[owner >= 0]
        has = np.zeros(n, dtype=bool)
        has[owner] = True
        models = frame["relationship_model"]
        fallback = np.flatnonzero(~has & models.notna().to_numpy()[self.rows])
        owner = np.concatenate([owner, fallback])
        source_row = np.concatenate([history, self.rows[fallback]])  # the row of `frame` holding the model
        since = (np.concatenate([_days(frame["since"])[history], self.start[fallback]]) if owner.size else
                 np.zeros(0, dtype="int64"))
        order = np.lexsort((since, owner))
        self.owner, self.model_row, self.since = owner[order], source_row[order], since[order]
        self.modelled = models.notna().to_numpy()[self.model_row]
        self.first = np.full(n, -1, dtype="int64")  # each engagement's first span
        self.first[self.owner[::-1]] = np.arange(self.owner.size)[::-1]
        self.span_key = self.owner * _SPAN_KEY + (self.since + 2 ** 21)
        later = np.ones(self.owner.size, dtype=bool)
        later[self.first[self.first >= 0]] = False
        self.changes = (self.owner[later], self.since[later])  # spans after the first: model changes
        # each engagement's place in the order of its label, then provider and account
        labels, providers, accounts = (frame[c].to_numpy(dtype=object)[self.rows]
                                       for c in ("engagement", "provider", "account"))
        self.rank = np.empty(n, dtype="int64")
        self.rank[sorted(range(n), key=lambda i: (labels[i], providers[i], accounts[i]))] = np.arange(n)
        self._day_months = None

    def lookup(self, keys: np.ndarray) -> np.ndarray:
        """Each engagement key's register position, -1 when it is not there."""
        if not self.key.size or not keys.size:
            return np.full(keys.size, -1, dtype="int64")
        ordered = self.key[self.sorted]
        at = np.minimum(np.searchsorted(ordered, keys), ordered.size - 1)
        return np.where(ordered[at] == keys, self.sorted[at], -1).astype("int64")

    def span_of(self, owner: np.ndarray, days: np.ndarray) -> np.ndarray:
        """Each (engagement, date)'s span (position in the spans), -1 without one."""
        if not self.owner.size:
            return np.full(owner.size, -1, dtype="int64")
        at = np.searchsorted(self.span_key, owner * _SPAN_KEY + (days + 2 ** 21), side="right") - 1
        same = (at >= 0) & (self.owner[np.maximum(at, 0)] == owner)
        # a date before an engagement's first span start is in its first span (from the beginning of time)
        return np.where(same, at, np.where(owner >= 0, self.first[np.maximum(owner, 0)], -1)).astype("int64")

    def day_months(self) -> np.ndarray:
        """Keys (engagement × _MONTH_KEY + month number) of the months read by day: the contract's anniversary
        months when it starts after the 1st (80 years of them, as the old statement), and model changes not on
        the 1st."""
        if self._day_months is None:
            year, month, day = _ymd(self.start)
            mid = np.flatnonzero(day != 1)
            anniversaries = mid[:, None] * _MONTH_KEY + (year[mid, None] + np.arange(80)) * 12 + month[mid, None] - 1
            owner, since = self.changes
            c_year, c_month, c_day = _ymd(since)
            changes = (owner * _MONTH_KEY + c_year * 12 + c_month - 1)[c_day != 1]
            self._day_months = np.unique(np.concatenate([anniversaries.ravel(), changes]))
        return self._day_months


def _aligned(register: _Register, source: str, parts: list[pd.DataFrame], n_kpis: int) -> dict:
    """The columns the old single statement returned, from the source's months (less those read by day) and
    days: each date in its engagement's relationship year (interaction days count from the contract start day,
    scorecard months from its month) under the model in force on it, summed per engagement, model and year
    (NULLs skipped, NULL when all are; added in the rows' order), ordered by engagement, model and year."""
    names = [f"{part}_{i}" for i in range(n_kpis) for part in ("numerator", "denominator")] + ["volume"]
    read_by_day = register.day_months() if source == INTERACTIONS else np.zeros(0, dtype="int64")
    owners, dates, columns = [], [], {c: [] for c in names}
    for by_day, frame in enumerate(parts):
        owner = register.lookup(frame["e"].to_numpy().astype("uint64"))
        d = _days(frame["d"])
        year, month, _ = _ymd(d)
        day_read = (owner >= 0) & np.isin(owner * _MONTH_KEY + year * 12 + month - 1, read_by_day)
        keep = np.flatnonzero(day_read if by_day else ~day_read)
        owners.append(owner[keep])
        dates.append(d[keep])
        for c in names:
            columns[c].append(frame[c].to_numpy(dtype="float64", na_value=np.nan)[keep])
    owner, d = np.concatenate(owners), np.concatenate(dates)
    last_day = d.max() if d.size else 0
    # the register's engagements, under a span with a model, from the anchor on
    span = register.span_of(owner, d)
    anchor = register.start[np.maximum(owner, 0)] if register.start.size else np.zeros(owner.size, dtype="int64")
    if source != INTERACTIONS:  # scorecards count from the contract's month
        anchor = anchor.astype("datetime64[D]").astype("datetime64[M]").astype("datetime64[D]").astype("int64")
    a_year, a_month, a_day = _ymd(anchor)
    year, month, day = _ymd(d)
    relationship_month = (year - a_year) * 12 + month - a_month - (day < a_day)
    span_ok = span >= 0
    span_ok[span_ok] = register.modelled[span[span_ok]]
    keep = np.flatnonzero((owner >= 0) & span_ok & (relationship_month >= 0))
    owner, model_row, r_year = owner[keep], register.model_row[span[keep]], relationship_month[keep] // 12 + 1
    frame, rank = register.frame, register.rank
    # groups: engagement (by its label, then provider and account), model and year
    model_text = frame["relationship_model"].to_numpy(dtype=object)[model_row]
    model_codes, model_labels = pd.factorize(model_text, sort=True)
    years = int(r_year.max()) + 1 if r_year.size else 1
    group_of_row = (rank[owner] * (len(model_labels) + 1) + model_codes) * years + r_year
    groups, group_of = np.unique(group_of_row, return_inverse=True)
    first = np.full(groups.size, -1, dtype="int64")
    first[group_of[::-1]] = np.arange(group_of.size)[::-1]
    g_owner = owner[first]
    out: dict = {}
    text = {"engagement": register.rows[g_owner], "provider": register.rows[g_owner],
            "account": register.rows[g_owner], "relationship_model": model_row[first]}
    for c, rows in text.items():  # as DuckDB gives them: Arrow strings, or objects when there are no rows
        out[c] = frame[c].array.take(rows) if groups.size else np.zeros(0, dtype=object)
    out["relationship_year"] = r_year[first].astype("int32")
    for c in names:
        v = np.concatenate(columns[c])[keep]
        known = ~np.isnan(v)
        total = np.bincount(group_of, weights=np.where(known, v, 0.0), minlength=groups.size)
        count = np.bincount(group_of, weights=known, minlength=groups.size)
        out[c] = np.where(count > 0, total, np.nan)
    g_anchor = anchor[keep][first]
    l_year, l_month, l_day = _ymd(np.array([last_day]))
    g_year, g_month, g_day = _ymd(g_anchor)
    out["reachable_year"] = (((l_year - g_year) * 12 + l_month - g_month - (l_day < g_day)) // 12 + 1).astype("int32")
    out["contract_start"] = g_anchor.astype("datetime64[D]").astype("datetime64[us]")
    return out


def _split_source(frame: dict, chosen: list) -> dict:
    # Each KPI's frame is built from plain arrays (`_aligned`'s columns): pandas' column reads, takes and frame
    # checks cost more than the few hundred rows themselves.
    shared = {c: frame[c] for c in ("engagement", "provider", "account", "relationship_model", "contract_start")}
    for column in ("relationship_year", "reachable_year"):
        shared[column] = frame[column].astype("int64")
    shared["volume"] = frame["volume"]
    model = frame["relationship_model"]
    modelled = np.isin(np.asarray(model, dtype=object), list(RELATIONSHIP_MODELS)) if len(model) else np.zeros(0, bool)
    out = {}
    for i, k in enumerate(chosen):
        numerator = frame[f"numerator_{i}"]
        denominator = frame[f"denominator_{i}"]
        # `_ratio` on arrays: the same division, NaN where the denominator is 0
        value = (numerator * k.scale if k.denominator is None else
                 numerator / np.where(denominator != 0, denominator, np.nan) * k.scale)
        rows = np.flatnonzero(modelled & ~np.isnan(value))
        # every array is this KPI's own (a take, fancy indexing), so the frame holds them without copying again
        own = {"value": value[rows], "numerator": numerator[rows], "denominator": denominator[rows],
               **{c: array[rows] if isinstance(array, np.ndarray) else array.take(rows)
                  for c, array in shared.items()}}
        out[k.id] = pd.DataFrame({c: own[c] for c in _VALUE_COLUMNS}, copy=False)
    return out


def cluster_ids(values: pd.DataFrame) -> np.ndarray:
    """Per row, the id of its independent cluster: engagements on the same side (relationship
    model) connected through a shared provider or a shared account (connected components)."""
    if values.empty:
        return np.zeros(0, dtype="int64")
    side = pd.factorize(values["relationship_model"].to_numpy(dtype=object), use_na_sentinel=False)[0]
    provider = pd.factorize(values["provider"].to_numpy(dtype=object), use_na_sentinel=False)[0]
    account = pd.factorize(values["account"].to_numpy(dtype=object), use_na_sentinel=False)[0]
    return cluster_labels(side, provider, account)


def cluster_labels(side: np.ndarray, provider: np.ndarray, account: np.ndarray) -> np.ndarray:
    """`cluster_ids` from integer codes of each row's side, provider and account (any coding that
    tells values apart): the nodes are numbered in order of first appearance, as the strings were, so
    the labels are the same."""
    side = np.asarray(side, dtype="int64")
    if side.size == 0:
        return np.zeros(0, dtype="int64")
    provider_nodes, _ = pd.factorize(side * (int(np.max(provider)) + 1) + np.asarray(provider, dtype="int64"))
    account_nodes, account_labels = pd.factorize(side * (int(np.max(account)) + 1) + np.asarray(account, dtype="int64"))
    offset = int(provider_nodes.max()) + 1
    n = offset + len(account_labels)
    graph = sparse.coo_matrix((np.ones(side.size), (provider_nodes, account_nodes + offset)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    return labels[provider_nodes].astype("int64")


def sorted_codes(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(codes, labels) with labels sorted and codes[i] the rank of row i's label — what
    `pd.factorize(sort=True)` gives, from one Arrow dictionary encoding for Arrow text columns
    (`kpi_frames.arrow_sorted_codes`); a missing value is a label of its own."""
    coded = arrow_sorted_codes(column)
    if coded is not None:
        return coded[0], np.asarray(coded[1], dtype=object)
    codes, labels = pd.factorize(column.to_numpy(dtype=object), sort=True, use_na_sentinel=False)
    return codes.astype("int64"), np.asarray(labels, dtype=object)


class Coded:
    """A `relationship_year_values` frame as NumPy arrays: sorted integer codes of its engagement,
    provider, account and model columns (computed once, shared by every pooling, slope and cluster
    step of the claim check), and its numbers."""

    def __init__(self, values: pd.DataFrame):
        self.frame = values
        self.engagement, self.engagement_labels = sorted_codes(values["engagement"])
        self.provider, _ = sorted_codes(values["provider"])
        self.account, _ = sorted_codes(values["account"])
        self.model, self.model_labels = sorted_codes(values["relationship_model"])
        self.read_values(values)

    def read_values(self, values: pd.DataFrame) -> "Coded":
        """Point at `values` — its frame and its numbers — keeping the codes (the caller vouches that its text
        columns are the coded ones, row for row)."""
        self.frame = values
        self.year = values["relationship_year"].to_numpy()
        self.value = values["value"].to_numpy(dtype="float64")
        self.numerator = values["numerator"].to_numpy(dtype="float64")
        self.denominator = values["denominator"].to_numpy(dtype="float64")
        self.reachable = (values["reachable_year"].to_numpy() if "reachable_year" in values.columns
                          else np.zeros(len(values), dtype="int64"))
        return self

    def take(self, rows: np.ndarray) -> "Coded":
        """These rows only, keeping the codes (still sorted and distinct, so every grouping on them
        orders as before)."""
        out = Coded.__new__(Coded)
        out.frame = None
        out.engagement_labels, out.model_labels = self.engagement_labels, self.model_labels
        for name in ("engagement", "provider", "account", "model", "year", "value", "numerator", "denominator",
                     "reachable"):
            setattr(out, name, getattr(self, name)[rows])
        return out

    def row_keys(self, rows: np.ndarray) -> np.ndarray:
        """One int per row that sorts as (engagement, provider, account, model) does."""
        key = np.zeros(rows.size, dtype="int64")
        for codes in (self.engagement, self.provider, self.account, self.model):
            key = key * (int(codes.max(initial=0)) + 1) + codes[rows]
        return key


def first_of(group_of: np.ndarray, n_groups: int) -> np.ndarray:
    """For each group, the position of its first row."""
    first = np.full(n_groups, -1, dtype="int64")
    first[group_of[::-1]] = np.arange(group_of.size, dtype="int64")[::-1]
    return first


def unit_values(values: pd.DataFrame) -> pd.DataFrame:
    """Cluster means per side and relationship year (the independent observations).

    Returns columns ``relationship_model``, ``relationship_year``, ``unit``, ``value`` (mean of the
    cluster's engagements that year) and ``engagements`` (how many)."""
    frame = values.assign(unit=cluster_ids(values))
    return frame.groupby(["relationship_model", "relationship_year", "unit"], as_index=False, sort=True).agg(
        value=("value", "mean"), engagements=("engagement", "nunique"))


def _diff_scale(k: kpis.Kpi) -> tuple[float, str]:
    """Multiplier and unit of an absolute difference: rates in points, the rest in the KPI's unit."""
    if k.unit == "fraction":
        return 100.0, "points"
    return 1.0, {"seconds": "seconds", "currency": "currency", "points": "points"}.get(k.unit, k.unit)


def premium_estimate(partnership: np.ndarray, transactional: np.ndarray, k: kpis.Kpi) -> dict:
    """The premium of one comparison from independent values (cluster means) of each side.

    ``premium_pct`` = 100·(P/T − 1), or 100·(1 − P/T) for lower-is-better KPIs (positive = the
    partnership is better), with the Welch log-ratio interval; ``diff_abs`` = (P − T) × direction
    in points for rates (else the KPI's unit) with the Welch interval; ``p_value`` tests no
    difference (relative when it exists, else absolute). NaN with fewer than 2 values a side.
    """
    sign = -1.0 if k.direction < 0 else 1.0
    scale, _ = _diff_scale(k)
    diff = stats.welch_difference(partnership, transactional)
    out = {"diff_abs": sign * scale * diff.estimate}
    lows = sorted([sign * scale * diff.low, sign * scale * diff.high]) if np.isfinite(diff.low) else [np.nan] * 2
    out["diff_ci_low"], out["diff_ci_high"] = lows
    rel = stats.welch_log_ratio(partnership, transactional) if k.id not in NO_RELATIVE else stats.Interval.missing()
    if np.isfinite(rel.estimate):
        bounds = 100.0 * (np.exp([rel.estimate, rel.low, rel.high]) - 1.0) * sign
        out["premium_pct"] = float(bounds[0])
        out["ci_low"], out["ci_high"] = float(min(bounds[1:])), float(max(bounds[1:]))
        out["p_value"] = rel.p_value
    else:
        out["premium_pct"] = out["ci_low"] = out["ci_high"] = np.nan
        out["p_value"] = diff.p_value
    return out


def _unit_means(coded: Coded):
    """`unit_values` of the coded rows as arrays: model code, year, cluster mean (sorted by model, year,
    unit, as the frame group-by sorts them, so pandas picks the same summation)."""
    unit = cluster_labels(coded.model, coded.provider, coded.account)
    years, year_of = np.unique(coded.year, return_inverse=True)
    width = int(unit.max(initial=0)) + 1
    key = (coded.model * years.size + year_of) * width + unit
    groups, group_of = np.unique(key, return_inverse=True)
    means = pd.Series(coded.value).groupby(group_of).mean().to_numpy(dtype="float64")
    first = first_of(group_of, groups.size)
    return coded.model[first], coded.year[first], means


def _counts_by(model: np.ndarray, year: np.ndarray, ident: np.ndarray) -> dict:
    """Distinct `ident` per (model code, year)."""
    if model.size == 0:
        return {}
    triples = np.unique(np.stack([model, year.astype("int64"), ident.astype("int64")]), axis=1)
    pairs, counts = np.unique(triples[:2], axis=1, return_counts=True)
    return {(int(m), int(y)): int(c) for (m, y), c in zip(pairs.T, counts)}


def _compare_coded(coded: Coded, k: kpis.Kpi, *, min_units: int) -> pd.DataFrame:
    """`_compare` from integer codes: the same grouping orders and pandas sums, arrays in between."""
    unit_model, unit_year, unit_mean = _unit_means(coded)
    engagements = _counts_by(coded.model, coded.year, coded.engagement)
    # engagements seen last in year y - 1 although the data reaches further: they left before y
    pair = coded.engagement * (int(coded.model.max(initial=0)) + 1) + coded.model
    pairs, pair_of = np.unique(pair, return_inverse=True)
    last_year = np.full(pairs.size, np.iinfo("int64").min, dtype="int64")
    np.maximum.at(last_year, pair_of, coded.year.astype("int64"))
    reachable = np.full(pairs.size, np.iinfo("int64").min, dtype="int64")
    np.maximum.at(reachable, pair_of, coded.reachable.astype("int64"))
    gone = reachable > last_year
    pair_model = coded.model[first_of(pair_of, pairs.size)]
    left: dict = {}
    for m, y in zip(pair_model[gone], last_year[gone] + 1):
        left[(int(m), int(y))] = left.get((int(m), int(y)), 0) + 1
    labels = list(coded.model_labels)
    p_code = labels.index(PARTNERSHIP) if PARTNERSHIP in labels else -1
    t_code = labels.index(TRANSACTIONAL) if TRANSACTIONAL in labels else -1
    _, unit_name = _diff_scale(k)
    rows = []
    for year in np.unique(coded.year):
        in_year = unit_year == year
        p = unit_mean[in_year & (unit_model == p_code)]
        t = unit_mean[in_year & (unit_model == t_code)]
        sufficient = bool(p.size >= min_units and t.size >= min_units)
        estimate = premium_estimate(p, t, k) if sufficient else {}
        rows.append({
            "kpi": k.id, "relationship_year": int(year),
            "partnership": p.mean() if p.size else np.nan, "transactional": t.mean() if t.size else np.nan,
            "premium_pct": estimate.get("premium_pct", np.nan), "ci_low": estimate.get("ci_low", np.nan),
            "ci_high": estimate.get("ci_high", np.nan),
            "n_partnership": engagements.get((p_code, int(year)), 0),
            "n_transactional": engagements.get((t_code, int(year)), 0),
            "sufficient": sufficient,
            "diff_abs": estimate.get("diff_abs", np.nan), "diff_ci_low": estimate.get("diff_ci_low", np.nan),
            "diff_ci_high": estimate.get("diff_ci_high", np.nan), "diff_unit": unit_name,
            "units_partnership": int(p.size), "units_transactional": int(t.size),
            "p_value": estimate.get("p_value", np.nan), "q_value": np.nan,
            "left_partnership": left.get((p_code, int(year)), 0),
            "left_transactional": left.get((t_code, int(year)), 0),
            "method": METHOD,
        })
    q_values = stats.benjamini_hochberg(np.array([r["p_value"] for r in rows], dtype="float64"))
    for row, q in zip(rows, q_values):
        row["q_value"] = q
    return typed_frame(rows, PREMIUM_COLUMNS, _PREMIUM_DTYPES)


def _compare(values: pd.DataFrame, k: kpis.Kpi, *, min_units: int, coded: Coded | None = None) -> pd.DataFrame:
    """The per-year comparison of `values` rows (see `premium_by_relationship_year`)."""
    return _compare_coded(coded or Coded(values), k, min_units=min_units)


def premium_by_relationship_year(
    con: duckdb.DuckDBPyConnection,
    kpi_id: str,
    filters: Filters,
    *,
    min_units: int = MIN_UNITS,
    values: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Partnership vs transactional per relationship year (the unadjusted premium).

    ``partnership`` / ``transactional``: each side's mean of cluster values; ``premium_pct`` and
    ``ci_low``/``ci_high``: the relative premium in % (positive = partnership better, also for
    lower-is-better KPIs) with its 95 % Welch log-ratio interval (NaN for NPS); ``diff_abs``,
    ``diff_ci_low``, ``diff_ci_high``: the absolute difference signed the same way, in ``diff_unit``
    (points for rates); ``n_partnership``/``n_transactional``: engagements; ``units_*``: independent
    clusters; ``sufficient``: at least `min_units` clusters a side — otherwise every estimate is NaN
    ("too few to estimate"); ``p_value`` of no difference and ``q_value`` (Benjamini–Hochberg over
    this KPI's years: exploratory); ``left_*``: engagements seen the year before and not this year
    although the data reaches it (survivorship); ``method``.

    Returns one row per relationship year with data, columns `PREMIUM_COLUMNS`.
    """
    k = kpis.kpi(kpi_id)
    values = relationship_year_values(con, kpi_id, filters) if values is None else values
    return _compare(values, k, min_units=min_units)


def _balanced_rows(coded: Coded, window: tuple[int, int]) -> np.ndarray:
    """Positions of `balanced_values`' rows."""
    first, last = window
    inside = np.flatnonzero((coded.year >= first) & (coded.year <= last))
    pair = coded.engagement[inside] * (int(coded.model.max(initial=0)) + 1) + coded.model[inside]
    pairs, pair_of = np.unique(pair, return_inverse=True)
    distinct = np.unique(np.stack([pair_of.astype("int64"), coded.year[inside].astype("int64")]), axis=1)
    years = np.bincount(distinct[0], minlength=pairs.size) if distinct.size else np.zeros(pairs.size, "int64")
    return inside[years[pair_of] == last - first + 1]


def balanced_values(values: pd.DataFrame, window: tuple[int, int]) -> pd.DataFrame:
    """Only the engagements (per model in force) observed in every relationship year of `window`
    (inclusive), restricted to those years."""
    return values.iloc[_balanced_rows(Coded(values), window)].reset_index(drop=True)


def default_window(values: pd.DataFrame, *, min_units: int = MIN_UNITS, coded: Coded | None = None) -> tuple[int, int]:
    """The longest window starting at year 1 whose balanced cohort still has `min_units` clusters a
    side (at least years 1–2)."""
    best = (1, 2)
    top = int(values["relationship_year"].max()) if not values.empty else 2
    coded = coded or Coded(values)
    labels = list(coded.model_labels)
    for last in range(2, top + 1):
        cohort = coded.take(_balanced_rows(coded, (1, last)))
        unit = cluster_labels(cohort.model, cohort.provider, cohort.account)
        counts = {labels[m]: np.unique(unit[cohort.model == m]).size for m in np.unique(cohort.model)}
        if all(int(counts.get(m, 0)) >= min_units for m in RELATIONSHIP_MODELS):
            best = (1, last)
        else:
            break
    return best


def balanced_premium(con: duckdb.DuckDBPyConnection, kpi_id: str, filters: Filters, *,
                     window: tuple[int, int] | None = None, min_units: int = MIN_UNITS,
                     values: pd.DataFrame | None = None) -> pd.DataFrame:
    """The premium on a balanced cohort: engagements observed in every year of `window`
    (default: `default_window`), so no year's figure moves because engagements left.

    Returns `premium_by_relationship_year` columns plus ``window`` (text 'years 1–4'),
    one row per year of the window with data."""
    values = relationship_year_values(con, kpi_id, filters) if values is None else values
    return _balanced(Coded(values), kpis.kpi(kpi_id), window, min_units)


def _balanced(coded: Coded, k: kpis.Kpi, window: tuple[int, int] | None, min_units: int) -> pd.DataFrame:
    window = window or default_window(coded.frame, min_units=min_units, coded=coded)
    frame = _compare_coded(coded.take(_balanced_rows(coded, window)), k, min_units=min_units)
    return frame.assign(window=f"years {window[0]}–{window[1]}")


def _column_ranks(x: np.ndarray):
    """(rank of `x`, a function giving the rank of `x` without column j), as `np.linalg.matrix_rank`
    decides them (singular values against max(shape) · eps · the largest), but from the square R of one
    QR of `x`: x = QR keeps the singular values of x and of x without any column (R without that
    column), so each check is an SVD of a k × k matrix instead of one of n × k (n engagement-years)."""
    n, k = x.shape
    if n > k:
        r = np.linalg.qr(x, mode="r")
    else:
        r = x
    eps = np.finfo(x.dtype).eps

    def rank_of(m: np.ndarray, shape: tuple[int, int]) -> int:
        if m.size == 0:
            return 0
        sv = np.linalg.svd(m, compute_uv=False)
        return int((sv > sv.max(initial=0.0) * max(shape) * eps).sum())

    return rank_of(r, (n, k)), lambda j: rank_of(np.delete(r, j, axis=1), (n, k - 1))


def adjusted_premium(con: duckdb.DuckDBPyConnection, kpi_id: str, filters: Filters, *,
                     min_units: int = MIN_UNITS, values: pd.DataFrame | None = None,
                     unadjusted: pd.DataFrame | None = None) -> pd.DataFrame:
    """The premium per relationship year adjusted for provider, relationship year, calendar year
    and (interaction KPIs) contact volume.

    One OLS over engagement-years: KPI (log for the relative premium, raw for the difference) ~
    year effects + partnership × year effects + provider fixed effects + calendar year (linear)
    + log volume; standard errors cluster-robust by provider with t(G − 1) intervals. A year's
    coefficient is reported only when it is estimable (providers running both models identify it)
    and both sides have `min_units` clusters. Observational: see `ADJUSTED_TEXT`.

    Returns `premium_by_relationship_year` columns (``partnership``/``transactional`` are the raw
    side means; ``method`` = `ADJUSTED_METHOD`). `unadjusted`: `premium_by_relationship_year` of the same
    `values` and `min_units` when the caller already has it (it is not modified).
    """
    import statsmodels.api as sm

    k = kpis.kpi(kpi_id)
    values = relationship_year_values(con, kpi_id, filters) if values is None else values
    frame = _compare(values, k, min_units=min_units) if unadjusted is None else unadjusted.copy()
    estimate_cols = ["premium_pct", "ci_low", "ci_high", "diff_abs", "diff_ci_low", "diff_ci_high", "p_value",
                     "q_value"]
    frame[estimate_cols] = np.nan
    frame["method"] = ADJUSTED_METHOD
    if values.empty or values["relationship_model"].nunique() < 2:
        return frame
    groups = pd.factorize(values["provider"])[0]
    n_groups = int(groups.max()) + 1
    if n_groups < 3:
        return frame
    years = sorted(values["relationship_year"].unique())
    design = pd.DataFrame(index=values.index)
    for year in years:
        in_year = (values["relationship_year"] == year).astype("float64")
        design[f"year_{year}"] = in_year
        design[f"partnership_{year}"] = in_year * (values["relationship_model"] == PARTNERSHIP)
    providers = pd.get_dummies(values["provider"], prefix="provider", dtype="float64")
    design = pd.concat([design, providers.iloc[:, 1:]], axis=1)
    calendar = pd.to_datetime(values["contract_start"]).dt.year + values["relationship_year"]
    if calendar.nunique() > 1:
        design["calendar_year"] = calendar - calendar.mean()
    if values["volume"].notna().all() and (values["volume"] > 0).all() and values["volume"].nunique() > 1:
        design["log_volume"] = np.log(values["volume"])
    x = design.to_numpy(dtype="float64")
    rank, rank_without = _column_ranks(x)
    sign = -1.0 if k.direction < 0 else 1.0
    scale, _ = _diff_scale(k)
    outcomes = {"abs": values["value"].to_numpy(dtype="float64")}
    if k.id not in NO_RELATIVE and (values["value"] > 0).all():
        outcomes["rel"] = np.log(values["value"].to_numpy(dtype="float64"))
    fits = {}
    with warnings.catch_warnings():
        # a rank-deficient design is expected (a provider running one model only); the coefficients
        # used below are checked for estimability, which the pseudo-inverse leaves unchanged
        warnings.simplefilter("ignore")
        for name, y in outcomes.items():
            # hasconst: the year indicators sum to 1 on every row, so the constant is always in the design;
            # saying so spares statsmodels two SVDs of the whole design to find that out (nothing used here
            # depends on it: params and the cluster-robust bse do not)
            fits[name] = sm.OLS(y, x, hasconst=True).fit(
                cov_type="cluster", cov_kwds={"groups": groups, "df_correction": True}, use_t=True)
    q = stats._st.t.ppf(0.5 + CONFIDENCE / 2, n_groups - 1)
    by_year = frame.set_index("relationship_year")
    for year in years:
        column = design.columns.get_loc(f"partnership_{year}")
        if not by_year.loc[year, "sufficient"] or rank_without(column) == rank:
            continue  # too few clusters, or not estimable (no within-provider contrast that year)
        for name, fit in fits.items():
            beta, se = float(fit.params[column]), float(fit.bse[column])
            low, high = beta - q * se, beta + q * se
            p = float(2 * stats._st.t.sf(abs(beta) / se, n_groups - 1)) if se > 0 else np.nan
            if name == "abs":
                by_year.loc[year, ["diff_abs", "diff_ci_low", "diff_ci_high"]] = [
                    sign * scale * beta, *sorted([sign * scale * low, sign * scale * high])]
                if "rel" not in fits:
                    by_year.loc[year, "p_value"] = p
            else:
                bounds = 100.0 * (np.exp([beta, low, high]) - 1.0) * sign
                by_year.loc[year, ["premium_pct", "ci_low", "ci_high", "p_value"]] = [
                    bounds[0], min(bounds[1:]), max(bounds[1:]), p]
    frame = by_year.reset_index()[PREMIUM_COLUMNS]
    frame["q_value"] = stats.benjamini_hochberg(frame["p_value"].to_numpy(dtype="float64"))
    return frame


def _records(frame: pd.DataFrame) -> list[dict]:
    """``frame.to_dict("records")``: the same Python scalars (``Series.tolist``), a column at a time
    instead of a positional lookup per column and row."""
    columns = {c: frame[c].tolist() for c in frame.columns}
    return [dict(zip(columns, cells)) for cells in zip(*columns.values())]


def _plain(value):
    """JSON-ready scalar: NaN → None, numpy scalars → Python."""
    if hasattr(value, "item"):
        value = value.item()
    return None if isinstance(value, float) and not np.isfinite(value) else value


_ESTIMATE_FIELDS = ["premium_pct", "ci_low", "ci_high", "diff_abs", "diff_ci_low", "diff_ci_high", "diff_unit",
                    "n_partnership", "n_transactional", "units_partnership", "units_transactional", "sufficient",
                    "p_value", "q_value", "method"]


def premium_report(con: duckdb.DuckDBPyConnection, kpi_id: str, filters: Filters, *,
                   values: pd.DataFrame | None = None) -> list[dict]:
    """The premium JSON contract (``report premium --json``): one dict per relationship year with
    ``kpi``, ``relationship_year``, ``partnership``, ``transactional``, ``premium_pct``, ``ci_low``,
    ``ci_high``, ``diff_abs``, ``diff_ci_low``, ``diff_ci_high``, ``diff_unit``, ``n_partnership``,
    ``n_transactional``, ``units_partnership``, ``units_transactional``, ``sufficient``, ``p_value``,
    ``q_value``, ``method``, ``left_partnership``, ``left_transactional``, ``too_few_to_estimate``, and
    the same estimate fields under ``adjusted`` (`adjusted_premium`, plus ``adjusts_for``) and
    ``balanced`` (`balanced_premium`, plus ``window``; null for years outside the window).
    NaN is null: a year with too few clusters has null estimates, never numbers. `values`: the
    `relationship_year_values` frame when the caller already has it."""
    values = relationship_year_values(con, kpi_id, filters) if values is None else values
    coded = Coded(values)
    plain = _compare_coded(coded, kpis.kpi(kpi_id), min_units=MIN_UNITS)
    # by year, as plain Python records (what `_plain` makes of each cell either way; no per-cell .loc)
    adjusted = {r["relationship_year"]: r for r in _records(adjusted_premium(
        con, kpi_id, filters, values=values, unadjusted=plain))}
    balanced = {r["relationship_year"]: r for r in _records(_balanced(coded, kpis.kpi(kpi_id), None, MIN_UNITS))}
    out = []
    for row in _records(plain):
        year = row["relationship_year"]
        entry = {key: _plain(row[key]) for key in ["kpi", "relationship_year", "partnership", "transactional",
                                                   *_ESTIMATE_FIELDS, "left_partnership", "left_transactional"]}
        entry["too_few_to_estimate"] = not row["sufficient"]
        entry["adjusted"] = None
        if year in adjusted:
            entry["adjusted"] = {f: _plain(adjusted[year][f]) for f in _ESTIMATE_FIELDS}
            entry["adjusted"]["adjusts_for"] = ADJUSTED_TEXT
        entry["balanced"] = None
        if year in balanced:
            entry["balanced"] = {f: _plain(balanced[year][f]) for f in [*_ESTIMATE_FIELDS, "window"]}
        out.append(entry)
    return out


def model_curves(con: duckdb.DuckDBPyConnection, kpi_id: str, filters: Filters, *,
                 values: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each model's mean curve over relationship years, with a 95 % t band over clusters.

    Returns one row per model × relationship year with data, columns ``kpi``,
    ``relationship_model``, ``relationship_year``, ``mean`` (of cluster values), ``ci_low``,
    ``ci_high`` (NaN with fewer than 2 clusters), ``n`` (engagements) and ``units`` (clusters).
    `values`: the `relationship_year_values` frame when the caller already has it.
    """
    k = kpis.kpi(kpi_id)
    values = relationship_year_values(con, kpi_id, filters) if values is None else values
    rows = []
    if not values.empty:
        # `unit_values` from integer codes (the cluster means exactly as `_unit_means` takes them), then one
        # row per (model, year) block of the sorted units, as the frame group-by over them gave
        coded = Coded(values)
        unit = cluster_labels(coded.model, coded.provider, coded.account)
        years, year_of = np.unique(coded.year, return_inverse=True)
        key = (coded.model * years.size + year_of) * (int(unit.max(initial=0)) + 1) + unit
        groups, group_of = np.unique(key, return_inverse=True)
        means = pd.Series(coded.value).groupby(group_of).mean().to_numpy(dtype="float64")
        distinct = np.unique(group_of.astype("int64") * (int(coded.engagement.max()) + 1) + coded.engagement)
        engagements = np.bincount(distinct // (int(coded.engagement.max()) + 1), minlength=groups.size)
        first = first_of(group_of, groups.size)
        block = coded.model[first] * years.size + np.searchsorted(years, coded.year[first])
        starts = np.flatnonzero(np.r_[True, block[1:] != block[:-1]])
        for start, stop in zip(starts, np.r_[starts[1:], block.size]):
            unit_means = means[start:stop]
            interval = stats.one_sample_t(unit_means)
            rows.append({"kpi": k.id, "relationship_model": coded.model_labels[coded.model[first[start]]],
                         "relationship_year": int(coded.year[first[start]]),
                         "mean": float(pd.Series(unit_means).mean()), "ci_low": interval.low,
                         "ci_high": interval.high, "n": int(engagements[start:stop].sum()),
                         "units": int(stop - start)})
    columns = ["kpi", "relationship_model", "relationship_year", "mean", "ci_low", "ci_high", "n", "units"]
    return typed_frame(rows, columns, {"relationship_year": "int64", "n": "int64", "units": "int64",
                                       "mean": "float64", "ci_low": "float64", "ci_high": "float64"})


def _register(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return query.frame(con, query.render(
        "select provider, account, relationship_model from {register}"
        " where contract_start is not null and relationship_model is not null",
        register=query.table(REGISTER_VIEW)))


def percentile_ci(samples: np.ndarray) -> tuple[float, float]:
    """The 95 % percentile interval of the finite samples; (NaN, NaN) when there are none.

    Kept for callers that bootstrap a descriptive band (analytics/qbr.py) and for the coverage
    benchmark's comparison; the premium's own intervals no longer use it (it under-covers at the
    few engagements a side a portfolio has: docs/METHODS.md)."""
    finite = samples[np.isfinite(samples)]
    if finite.size == 0:
        return np.nan, np.nan
    tail = (1 - CONFIDENCE) / 2 * 100
    low, high = np.percentile(finite, [tail, 100 - tail])
    return float(low), float(high)


def premium_pct(partnership, transactional, direction: int):
    """100·(P − T)/|T|, times −1 for lower-is-better KPIs: positive = the partnership is better."""
    p = np.asarray(partnership, dtype="float64")
    t = np.asarray(transactional, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        out = 100.0 * (p - t) / np.where(t == 0, np.nan, np.abs(t)) * (-1 if direction < 0 else 1)
    return float(out) if out.ndim == 0 else out


def calendar_yoy(con: duckdb.DuckDBPyConnection, kpi_id: str, filters: Filters) -> pd.DataFrame:
    """Calendar-year view: each model's mean of engagement values per year and its change.

    Returns one row per model × calendar year with data, columns ``kpi``,
    ``relationship_model``, ``year`` (int), ``value`` (mean of the engagements' values that
    year) and ``yoy_change_pct`` (100·(value − previous year)/|previous year|, raw sign — not
    adjusted for the KPI's direction; NaN when the previous year has no value).
    """
    k = kpis.kpi(kpi_id)
    yearly = kpi_frame(con, [k.id], filters, grain="year", by=("engagement",))
    register = _register(con)[["provider", "account", "relationship_model"]]
    columns = ["kpi", "relationship_model", "year", "value", "yoy_change_pct"]
    # the inner join with the register (one row per provider/account), in the yearly rows' order
    model_by = dict(zip(zip(register["provider"].tolist(), register["account"].tolist()),
                        register["relationship_model"].tolist()))
    model_of = [model_by.get(key) for key in zip(yearly["provider"].tolist(), yearly["account"].tolist())]
    kept = np.array([m is not None for m in model_of], dtype=bool)
    if not kept.any():
        return pd.DataFrame({c: pd.Series(dtype="float64" if c in ("value", "yoy_change_pct") else "object")
                             for c in columns})
    labels = sorted({m for m in model_of if m is not None})
    rank = {m: i for i, m in enumerate(labels)}
    model = np.array([rank[m] for m in model_of if m is not None], dtype="int64")
    year = yearly["period"].dt.year.to_numpy().astype("int64")[kept]
    years, year_of = np.unique(year, return_inverse=True)
    # group numbers in (model, year) order: the ids a frame group-by on the two columns gives, so pandas
    # takes the same mean
    groups, group_of = np.unique(model * years.size + year_of, return_inverse=True)
    value = pd.Series(yearly["value"].to_numpy(dtype="float64")[kept]).groupby(group_of).mean().to_numpy()
    group_model, group_year = groups // years.size, years[groups % years.size]
    mean_of = {(int(m), int(y)): v for m, y, v in zip(group_model, group_year, value)}
    previous = np.array([mean_of.get((int(m), int(y) - 1), np.nan) for m, y in zip(group_model, group_year)],
                        dtype="float64")
    return pd.DataFrame({"kpi": [k.id] * groups.size, "relationship_model": [labels[m] for m in group_model],
                         "year": group_year.astype("int64"), "value": value,
                         "yoy_change_pct": premium_pct(value, previous, 1)}, columns=columns)


def _slopes(coded: Coded, k: kpis.Kpi, *, after_year: int):
    """The arrays behind `engagement_slopes`: for each engagement × model with 2 or more years after
    `after_year`, the position of its first row in `coded.frame`, its slope, slope in % and years.
    The grid is the one `pivot_table` builds (rows sorted by engagement, provider, account, model;
    columns the sorted years), filled from integer codes. None when a cell would need averaging or a
    value is missing (then `pivot_table` itself is used)."""
    rows = np.flatnonzero(coded.year > after_year)
    value = coded.value[rows]
    if np.isnan(value).any():
        return None
    grid_rows, row_of = np.unique(coded.row_keys(rows), return_inverse=True)
    years, year_of = np.unique(coded.year[rows], return_inverse=True)
    cell = row_of.astype("int64") * years.size + year_of
    if np.unique(cell).size != cell.size:
        return None
    matrix = np.full((grid_rows.size, years.size), np.nan)
    matrix.flat[cell] = value
    slope, pct, n_years = _slope_figures(matrix, years.astype("float64"), k)
    keep = n_years >= 2
    return rows[first_of(row_of, grid_rows.size)][keep], slope[keep], pct[keep], n_years[keep]


def _slope_figures(matrix: np.ndarray, years: np.ndarray, k: kpis.Kpi):
    slope = stats.row_slopes(matrix, years)
    level = np.nanmean(matrix, axis=1)
    sign = -1.0 if k.direction < 0 else 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = 100.0 * slope / np.abs(np.where(level == 0, np.nan, level)) * sign
    if k.id in NO_RELATIVE:
        pct = slope * sign  # not a ratio scale (NPS): points a year, not % of a level near zero
    return slope, pct, np.isfinite(matrix).sum(axis=1)


_SLOPE_KEYS = ["engagement", "provider", "account", "relationship_model"]


def _pivot_slopes(chosen: pd.DataFrame, k: kpis.Kpi) -> pd.DataFrame:
    grid = chosen.pivot_table(index=_SLOPE_KEYS, columns="relationship_year", values="value", aggfunc="mean")
    matrix = grid.to_numpy(dtype="float64")
    out = grid.index.to_frame(index=False)
    out["slope_per_year"], out["slope_pct"], out["years"] = _slope_figures(
        matrix, grid.columns.to_numpy(dtype="float64"), k)
    return out[out["years"] >= 2].reset_index(drop=True)


def engagement_slopes(values: pd.DataFrame, k: kpis.Kpi, *, after_year: int,
                      coded: Coded | None = None) -> pd.DataFrame:
    """Each engagement's own trend after `after_year`: the OLS slope of its yearly values, in % of
    its own mean level a year, signed so positive = improving (lower-is-better KPIs flip); for KPIs
    not on a ratio scale (NPS) ``slope_pct`` is in points a year.

    Returns one row per engagement × model with at least 2 years after `after_year`, columns
    ``engagement``, ``provider``, ``account``, ``relationship_model``, ``slope_per_year`` (KPI unit,
    raw sign), ``slope_pct`` and ``years``. `coded`: `Coded(values)` when the caller has it."""
    columns = [*_SLOPE_KEYS, "slope_per_year", "slope_pct", "years"]
    if not (values["relationship_year"] > after_year).any():
        return pd.DataFrame({c: pd.Series(dtype="float64" if c.startswith("slope") else "object") for c in columns})
    parts = _slopes(coded or Coded(values), k, after_year=after_year)
    if parts is None:
        return _pivot_slopes(values[values["relationship_year"] > after_year], k)[columns]
    first, slope, pct, n_years = parts
    out = values.iloc[first][_SLOPE_KEYS].reset_index(drop=True)
    out["slope_per_year"], out["slope_pct"], out["years"] = slope, pct, n_years
    return out[columns]


def trajectory_parts(values: pd.DataFrame, k: kpis.Kpi, *, after_year: int, plateau_margin_pct: float,
                     coded: Coded | None = None) -> tuple[list[dict], dict[str, np.ndarray]]:
    """`trajectory`'s rows, and each model's per-cluster mean slopes in % (sorted by cluster id), as the
    claim check's Welch test of the gap takes them."""
    rows: list[dict] = []
    per_model: dict[str, np.ndarray] = {}
    if not (values["relationship_year"] > after_year).any():
        return rows, per_model
    coded = coded or Coded(values)
    parts = _slopes(coded, k, after_year=after_year)
    if parts is None:
        slopes = _pivot_slopes(values[values["relationship_year"] > after_year], k)
        if slopes.empty:
            return rows, per_model
        model, labels = sorted_codes(slopes["relationship_model"])
        provider, account = sorted_codes(slopes["provider"])[0], sorted_codes(slopes["account"])[0]
        slope, pct = slopes["slope_per_year"].to_numpy(), slopes["slope_pct"].to_numpy()
        n_years = slopes["years"].to_numpy()
    else:
        first, slope, pct, n_years = parts
        if first.size == 0:
            return rows, per_model
        model, labels = coded.model[first], coded.model_labels
        provider, account = coded.provider[first], coded.account[first]
    unit = cluster_labels(model, provider, account)
    # each model's cluster means grouped over both models at once, as a frame group-by on (model, unit)
    # does: pandas sums sorted groups with np.add.reduceat and others with compensated sums, so the
    # grouping decides the last bit
    pair = model * (int(unit.max()) + 1) + unit
    both = pd.Series(pct).groupby(pair).mean()
    for code in np.unique(model):
        chosen = model == code
        in_model = (both.index.to_numpy() // (int(unit.max()) + 1)) == code
        per_model[labels[code]] = both.to_numpy(dtype="float64")[in_model]
        per_unit = pd.Series(pct[chosen]).groupby(unit[chosen]).mean().to_numpy(dtype="float64")
        if per_unit.size < 2:
            continue
        i95 = stats.one_sample_t(per_unit)
        i90 = stats.one_sample_t(per_unit, confidence=0.90)
        rows.append({"kpi": k.id, "relationship_model": labels[code],
                     "slope_per_year": float(pd.Series(slope[chosen]).mean()),
                     "slope_pct_per_year": i95.estimate, "ci_low": i95.low, "ci_high": i95.high,
                     "ci90_low": i90.low, "ci90_high": i90.high, "years": int(n_years[chosen].max()),
                     "n_engagements": int(chosen.sum()), "units": int(per_unit.size),
                     "improving": bool(i95.low > 0),
                     "plateau": bool(-plateau_margin_pct < i90.low and i90.high < plateau_margin_pct)})
    return rows, per_model


TRAJECTORY_COLUMNS = ["kpi", "relationship_model", "slope_per_year", "slope_pct_per_year", "ci_low", "ci_high",
                      "ci90_low", "ci90_high", "years", "n_engagements", "units", "improving", "plateau"]


_TRAJECTORY_DTYPES = {"slope_per_year": "float64", "slope_pct_per_year": "float64", "ci_low": "float64",
                      "ci_high": "float64", "ci90_low": "float64", "ci90_high": "float64", "years": "int64",
                      "n_engagements": "int64", "units": "int64", "improving": "bool", "plateau": "bool"}


def trajectory_frame(rows: list[dict]) -> pd.DataFrame:
    return typed_frame(rows, TRAJECTORY_COLUMNS, _TRAJECTORY_DTYPES)


def trajectory(
    con: duckdb.DuckDBPyConnection,
    kpi_id: str,
    filters: Filters,
    *,
    after_year: int = 3,
    plateau_margin_pct: float = 2.0,
    values: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Does each model keep improving after `after_year`? From engagement-level slopes.

    Each engagement's slope after `after_year` (`engagement_slopes`, % of its level a year,
    positive = improving) is averaged per cluster; the model's figure is the mean over clusters
    with a 95 % t interval (``ci_low``/``ci_high``) and a 90 % one (``ci90_low``/``ci90_high``).
    ``improving`` = the 95 % interval lies above 0; ``plateau`` = equivalence shown: the 90 %
    interval lies inside ±`plateau_margin_pct` (two one-sided tests at 5 %). Both False when the
    data cannot tell. A model needs 2 clusters with slopes to get a row.

    Returns one row per model with columns ``kpi``, ``relationship_model``, ``slope_per_year``
    (mean raw slope of the engagements), ``slope_pct_per_year``, ``ci_low``, ``ci_high``, ``ci90_low``,
    ``ci90_high``, ``years`` (most relationship years behind one slope), ``n_engagements``,
    ``units``, ``improving``, ``plateau``.
    """
    k = kpis.kpi(kpi_id)
    values = relationship_year_values(con, kpi_id, filters) if values is None else values
    rows, _ = trajectory_parts(values, k, after_year=after_year, plateau_margin_pct=plateau_margin_pct)
    return trajectory_frame(rows)


def _interval_text(estimate, low, high, unit: str) -> str:
    if estimate is None or low is None or high is None:
        return "too few to estimate"
    suffix = " %" if unit == "%" else f" {unit}"
    return f"{estimate:+.1f}{suffix} ({low:+.1f} to {high:+.1f})"


def premium_table(years: list[dict]) -> pd.DataFrame:
    """The per-year table the Premium page shows, from `premium_report` rows: labels a person reads.

    Columns ``Relationship year``, ``Partnerships (n)``, ``Transactional (n)``, ``Premium, unadjusted``,
    ``Premium, adjusted``, ``Premium, balanced cohort``, ``Difference`` (points for rates and NPS),
    ``Left the year before`` — each estimate as "+12.3 % (+8.1 to +16.6)" or "too few to estimate"."""
    rows = []
    for y in years:
        unit = y["diff_unit"]
        adjusted, balanced = y.get("adjusted") or {}, y.get("balanced") or {}
        left = y["left_partnership"] + y["left_transactional"]
        ratio = y["kpi"] not in NO_RELATIVE
        rows.append({
            "Relationship year": y["relationship_year"],
            "Partnerships (n)": y["n_partnership"], "Transactional (n)": y["n_transactional"],
            "Premium, unadjusted": _interval_text(y["premium_pct"], y["ci_low"], y["ci_high"], "%")
            if ratio else "— (not a ratio scale)",
            "Premium, adjusted": (_interval_text(adjusted.get("premium_pct"), adjusted.get("ci_low"),
                                                 adjusted.get("ci_high"), "%") if adjusted else "not estimable")
            if ratio else "— (not a ratio scale)",
            "Premium, balanced cohort": (_interval_text(balanced.get("premium_pct"), balanced.get("ci_low"),
                                                        balanced.get("ci_high"), "%")
                                         if balanced else "outside the window") if ratio else "— (not a ratio scale)",
            "Difference": _interval_text(y["diff_abs"], y["diff_ci_low"], y["diff_ci_high"], unit),
            "Left the year before": (f"{left} ({y['left_partnership']} partnership, {y['left_transactional']} "
                                     "transactional)") if left else "none",
        })
    return pd.DataFrame(rows)
