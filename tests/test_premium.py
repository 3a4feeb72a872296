"""Partnership premium against figures computed by hand from literal engagements and scorecards."""
from __future__ import annotations

import json
import math
from datetime import date

import numpy as np
import pandas as pd
import pytest
from scipy import stats as st

from analytics import db, model_history
from analytics.cli import main
from analytics.filters import Filters
from analytics.premium import (_column_ranks, adjusted_premium, balanced_premium, calendar_yoy, model_curves,
                               premium_by_relationship_year, relationship_year_values, trajectory)
from tests.builders import EIGHT, insert_rows, welch_log_ratio_ci
from tests.builders import load_independent as load

START = date(2020, 1, 1)


def engagement(provider: str, model: str, start: date = START, account: str | None = None) -> dict:
    return dict(provider=provider, account=account or f"{provider} program", relationship_model=model,
                contract_start=start)


def scorecard(provider: str, period: str, account: str | None = None, **figures) -> dict:
    return dict(provider=provider, account=account or f"{provider} program", period=period, **figures)


def test_relationship_year_of_a_scorecard_counts_months_from_the_contract_start_month(con):
    insert_rows(con, "engagements", [engagement("M", "partnership", date(2020, 7, 15))], batch_id=1)
    insert_rows(con, "performance", [
        scorecard("M", "2020-06-01", quality_score=10.0),   # before the contract: left out
        scorecard("M", "2020-07-01", quality_score=80.0),   # month 0 → year 1
        scorecard("M", "2021-06-01", quality_score=90.0),   # month 11 → year 1
        scorecard("M", "2021-07-01", quality_score=70.0),   # month 12 → year 2
        scorecard("M", "2023-01-01", quality_score=60.0),   # month 30 → year 3
    ], batch_id=2)
    values = relationship_year_values(con, "quality_score", Filters())
    assert dict(zip(values["relationship_year"], values["value"])) == {1: 85.0, 2: 70.0, 3: 60.0}
    assert values.loc[0, ["engagement", "relationship_model"]].tolist() == ["M · M program", "partnership"]
    assert values["numerator"].tolist() == [170.0, 70.0, 60.0]


def test_relationship_year_of_a_contact_counts_from_the_contract_start_day(con):
    # contract starts 15 March 2021: a contact on 10 March is before year 1, 15 March 2022 opens year 2
    insert_rows(con, "engagements", [engagement("M", "transactional", date(2021, 3, 15))], batch_id=1)
    contacts = [("2021-03-10", 999.0),   # before the start day: left out
                ("2021-03-15", 100.0),   # year 1
                ("2021-07-01", 200.0),   # year 1 (a whole month, read from the monthly rollup)
                ("2022-03-14", 300.0),   # year 1, last day
                ("2022-03-15", 500.0),   # year 2, first day
                ("2022-04-02", 700.0)]   # year 2
    insert_rows(con, "interactions", [dict(provider="M", account="M program", occurred_at=f"{d} 10:00:00",
                                           handle_seconds=h) for d, h in contacts], batch_id=3)
    values = relationship_year_values(con, "aht_seconds", Filters())
    assert dict(zip(values["relationship_year"], values["value"])) == {1: pytest.approx(200.0), 2: 600.0}
    assert values["denominator"].tolist() == [3.0, 2.0]
    assert values["volume"].tolist() == [3.0, 2.0]


def test_premium_per_year_is_the_ratio_of_side_means_with_welch_intervals(con):
    p, t = [80.0, 84.0, 88.0, 90.0], [70.0, 72.0, 74.0, 79.0]
    load(con, {e: [v] for e, v in zip(EIGHT, p + t)}, EIGHT)
    (row,) = premium_by_relationship_year(con, "quality_score", Filters()).itertuples(index=False)
    assert (row.partnership, row.transactional) == (85.5, 73.75)
    assert row.premium_pct == pytest.approx(100 * (85.5 / 73.75 - 1))
    assert (row.ci_low, row.ci_high) == pytest.approx(welch_log_ratio_ci(p, t))
    welch = st.ttest_ind(p, t, equal_var=False)
    assert row.diff_abs == pytest.approx(85.5 - 73.75)
    assert (row.diff_ci_low, row.diff_ci_high) == pytest.approx(tuple(welch.confidence_interval(0.95)))
    assert row.p_value == pytest.approx(
        2 * st.t.sf(abs(math.log(85.5 / 73.75)) / math.sqrt(
            np.var(p, ddof=1) / 4 / 85.5 ** 2 + np.var(t, ddof=1) / 4 / 73.75 ** 2),
            (lambda a, b: (a + b) ** 2 / (a ** 2 / 3 + b ** 2 / 3))(
                np.var(p, ddof=1) / 4 / 85.5 ** 2, np.var(t, ddof=1) / 4 / 73.75 ** 2)))
    assert (row.n_partnership, row.n_transactional, row.sufficient, row.diff_unit) == (4, 4, True, "points")
    assert row.method == "welch-t clusters"


def test_a_rate_difference_is_in_points_and_cost_counts_cheaper_as_better(con):
    load(con, {"P1": [8], "P2": [9], "P3": [10], "P4": [9], "T1": [10], "T2": [11], "T3": [12], "T4": [11]}, EIGHT,
         field="cost_per_resolution")
    row = premium_by_relationship_year(con, "vendor_cost_per_resolution", Filters()).iloc[0]
    assert row["premium_pct"] == pytest.approx(100 * (1 - 9 / 11))
    assert row["diff_abs"] == pytest.approx(2.0) and row["ci_low"] > 0 and row["diff_ci_low"] > 0
    assert row["diff_unit"] == "currency"


def test_nps_has_no_relative_premium_only_a_difference_in_points(con):
    insert_rows(con, "engagements", [engagement(e, m) for e, m in EIGHT.items()], batch_id=1)
    scores = {"P1": [10, 10, 0], "P2": [10, 9, 0], "P3": [10, 10, 5], "P4": [9, 9, 0],
              "T1": [10, 0, 0], "T2": [9, 5, 0], "T3": [10, 1, 0], "T4": [8, 0, 0]}
    insert_rows(con, "interactions", [dict(provider=e, account=f"{e} program", occurred_at="2020-05-05 10:00:00",
                                           nps=s) for e, ss in scores.items() for s in ss], batch_id=3)
    row = premium_by_relationship_year(con, "nps", Filters()).iloc[0]
    # NPS per engagement (promoters 9–10, detractors 0–6): P = 33.3 each; T = −33.3, −33.3, −33.3, −66.7
    assert np.isnan(row["premium_pct"]) and np.isnan(row["ci_low"])
    assert row["diff_abs"] == pytest.approx(100 * (1 / 3 + 5 / 12))
    assert row["diff_unit"] == "points"


def test_fewer_than_four_per_side_is_too_few_to_estimate(con):
    models = {"P1": "partnership", "P2": "partnership", "P3": "partnership", **{t: "transactional" for t in
                                                                                 ("T1", "T2", "T3", "T4")}}
    load(con, {"P1": [80], "P2": [90], "P3": [85], "T1": [70], "T2": [70], "T3": [71], "T4": [69]}, models)
    row = premium_by_relationship_year(con, "quality_score", Filters()).iloc[0]
    assert (row["n_partnership"], row["n_transactional"], row["sufficient"]) == (3, 4, False)
    assert row[["premium_pct", "ci_low", "ci_high", "diff_abs", "diff_ci_low", "diff_ci_high"]].isna().all()
    assert row["partnership"] == pytest.approx(85.0)  # the side means stay, as description


def test_engagements_sharing_a_provider_or_an_account_are_one_cluster(con):
    # P1 and P2 share a provider, P2 and P3 share an account: one cluster of three; P4, P5 alone
    models = {**{p: "partnership" for p in ("P1", "P2", "P3", "P4", "P5", "P6")},
              **{t: "transactional" for t in ("T1", "T2", "T3", "T4")}}
    providers = {"P2": "P1"}
    accounts = {"P2": "shared", "P3": "shared"}
    values = {"P1": [80], "P2": [90], "P3": [85], "P4": [70], "P5": [75], "P6": [95],
              "T1": [70], "T2": [71], "T3": [72], "T4": [73]}
    load(con, values, models, providers=providers, accounts=accounts)
    row = premium_by_relationship_year(con, "quality_score", Filters()).iloc[0]
    assert (row["n_partnership"], row["units_partnership"], row["units_transactional"]) == (6, 4, 4)
    assert row["partnership"] == pytest.approx(np.mean([(80 + 90 + 85) / 3, 70, 75, 95]))


def test_a_model_change_attributes_each_year_to_the_model_in_force(con):
    load(con, {"X": [60, 61, 90, 92]}, {"X": "transactional"})
    model_history.record_model_change(con, "X", "X program", "partnership", date(2022, 1, 1))
    values = relationship_year_values(con, "quality_score", Filters())
    assert list(zip(values["relationship_model"], values["relationship_year"], values["value"])) == [
        ("partnership", 3, 90.0), ("partnership", 4, 92.0), ("transactional", 1, 60.0), ("transactional", 2, 61.0)]
    history = model_history.model_history(con)
    assert history["relationship_model"].tolist() == ["transactional", "partnership"]
    assert con.execute("select relationship_model from engagements").fetchone()[0] == "partnership"


def test_a_mid_month_model_change_splits_that_month_by_day(con):
    insert_rows(con, "engagements", [engagement("X", "transactional", date(2021, 1, 1))], batch_id=1)
    insert_rows(con, "interactions", [
        dict(provider="X", account="X program", occurred_at=f"2021-06-{d:02d} 10:00:00", handle_seconds=h)
        for d, h in ((3, 100.0), (14, 200.0), (15, 400.0), (20, 600.0))], batch_id=3)
    model_history.record_model_change(con, "X", "X program", "partnership", date(2021, 6, 15))
    values = relationship_year_values(con, "aht_seconds", Filters()).set_index("relationship_model")
    assert values.loc["transactional", "value"] == pytest.approx(150.0)
    assert values.loc["partnership", "value"] == pytest.approx(500.0)


def test_a_model_change_before_the_contract_start_or_for_an_unknown_engagement_is_refused(con):
    load(con, {"X": [60]}, {"X": "transactional"})
    with pytest.raises(model_history.ModelHistoryError, match="before the contract start"):
        model_history.record_model_change(con, "X", "X program", "partnership", date(2019, 1, 1))
    with pytest.raises(model_history.ModelHistoryError, match="not in the engagement register"):
        model_history.record_model_change(con, "Y", "Y program", "partnership", date(2021, 1, 1))
    with pytest.raises(model_history.ModelHistoryError, match="not one of"):
        model_history.record_model_change(con, "X", "X program", "vendor-ish", date(2021, 1, 1))
    assert con.execute("select count(*) from engagement_models").fetchone()[0] == 0


def test_dropouts_are_counted_and_the_balanced_cohort_leaves_them_out(con):
    # T4 and T5 leave after year 1 (the data reaches year 2): the year-2 transactional mean is survivors only
    models = {**EIGHT, "T5": "transactional"}
    values = {"P1": [80, 82], "P2": [84, 86], "P3": [88, 90], "P4": [86, 88],
              "T1": [70, 71], "T2": [72, 73], "T3": [74, 75], "T4": [60], "T5": [62], "T6": [76, 77]}
    load(con, values, {**models, "T6": "transactional"})
    plain = premium_by_relationship_year(con, "quality_score", Filters()).set_index("relationship_year")
    assert plain.loc[2, "left_transactional"] == 2 and plain.loc[1, "left_transactional"] == 0
    assert plain.loc[2, "n_transactional"] == 4
    balanced = balanced_premium(con, "quality_score", Filters(), window=(1, 2)).set_index("relationship_year")
    assert balanced.loc[1, "transactional"] == pytest.approx(np.mean([70, 72, 74, 76]))
    assert balanced.loc[1, "n_transactional"] == 4 and (balanced["window"] == "years 1–2").all()
    assert plain.loc[1, "transactional"] == pytest.approx(np.mean([70, 72, 74, 60, 62, 76]))


def test_the_adjusted_premium_compares_within_providers(con):
    # Providers A–D each run one partnership and one transactional deal; partnerships are 10 % better
    # at every provider, but the unadjusted comparison also sees extra partnerships at strong provider E
    # and extra transactional deals at weak provider F.
    levels = {"A": 70.0, "B": 80.0, "C": 90.0, "D": 75.0, "E": 100.0, "F": 60.0}
    noise = {"A": 1.0, "B": 0.99, "C": 1.01, "D": 1.0}
    rows, models, providers = {}, {}, {}
    for prov in "ABCD":
        for model, factor, tag in (("partnership", 1.10, "p"), ("transactional", 1.0, "t")):
            key = f"{prov}{tag}"
            rows[key] = [levels[prov] * factor * (noise[prov] if tag == "p" else 1.0)]
            models[key], providers[key] = model, prov
    for i in range(2):
        rows[f"E{i}"], models[f"E{i}"], providers[f"E{i}"] = [levels["E"] * 1.10 * (1 + i / 100)], "partnership", "E"
        rows[f"F{i}"], models[f"F{i}"], providers[f"F{i}"] = [levels["F"] * (1 + i / 100)], "transactional", "F"
    load(con, rows, models, providers=providers)
    plain = premium_by_relationship_year(con, "quality_score", Filters(), min_units=2).iloc[0]
    adjusted = adjusted_premium(con, "quality_score", Filters(), min_units=2).iloc[0]
    assert plain["premium_pct"] > 20  # inflated by the strong and weak one-model providers
    within = [math.log(levels[p] * 1.10 * noise[p] / levels[p]) for p in "ABCD"]
    assert adjusted["premium_pct"] == pytest.approx(100 * (math.exp(np.mean(within)) - 1), abs=0.5)
    assert adjusted["ci_low"] < adjusted["premium_pct"] < adjusted["ci_high"]
    assert adjusted["method"] == "ols provider-fe cluster-robust"


def test_the_estimability_ranks_from_one_qr_match_numpys_matrix_rank():
    """`_column_ranks` decides the adjusted premium's estimability checks from the square R of one QR;
    it must answer exactly as np.linalg.matrix_rank on the full design, with and without each column."""
    rng = np.random.default_rng(11)
    for rows, cols, dependent in ((40, 9, 0), (120, 14, 3), (300, 22, 5), (6, 9, 0), (9, 9, 2)):
        x = rng.normal(size=(rows, cols))
        x[:, :3] = (rng.random(size=(rows, 3)) < 0.4)          # dummies, like year and provider columns
        for j in range(dependent):                              # exact linear combinations (rank deficiency)
            x[:, cols - 1 - j] = x[:, j] + x[:, j + 1]
        rank, rank_without = _column_ranks(x)
        assert rank == np.linalg.matrix_rank(x)
        for column in range(cols):
            assert rank_without(column) == np.linalg.matrix_rank(np.delete(x, column, axis=1)), (rows, cols, column)


def test_the_adjusted_premium_from_a_given_unadjusted_frame_is_the_same_and_leaves_it_alone(con):
    load(con, {**{f"P{i + 1}": [90 + i, 91 + i, 92 + i] for i in range(4)},
               **{f"T{i + 1}": [80 + i, 90 - i, 85] for i in range(4)}}, EIGHT)
    values = relationship_year_values(con, "quality_score", Filters())
    plain = premium_by_relationship_year(con, "quality_score", Filters(), values=values)
    kept = plain.copy()
    given = adjusted_premium(con, "quality_score", Filters(), values=values, unadjusted=plain)
    pd.testing.assert_frame_equal(given, adjusted_premium(con, "quality_score", Filters(), values=values),
                                  check_exact=True)
    pd.testing.assert_frame_equal(plain, kept, check_exact=True)


def test_model_filter_and_unregistered_engagements(con):
    load(con, {"P1": [80], "T1": [70]}, {"P1": "partnership", "T1": "transactional"})
    insert_rows(con, "performance", [scorecard("X", "2020-01-01", quality_score=10.0)], batch_id=5)
    values = relationship_year_values(con, "quality_score", Filters(models=("partnership",)))
    assert values["engagement"].tolist() == ["P1 · P1 program"]
    assert "X · X program" not in relationship_year_values(con, "quality_score", Filters())["engagement"].tolist()


def test_model_curves_give_mean_and_t_band_per_model_and_year(con):
    load(con, {"P1": [80, 90], "P2": [84, 94], "P3": [88, 98], "T1": [70], "T2": [72], "T3": [74]},
         {**{p: "partnership" for p in ("P1", "P2", "P3")}, **{t: "transactional" for t in ("T1", "T2", "T3")}})
    curves = model_curves(con, "quality_score", Filters())
    p2 = curves[(curves["relationship_model"] == "partnership") & (curves["relationship_year"] == 2)].iloc[0]
    half = st.t.ppf(0.975, 2) * 4 / math.sqrt(3)
    assert (p2["mean"], p2["n"], p2["units"]) == (94.0, 3, 3)
    assert (p2["ci_low"], p2["ci_high"]) == pytest.approx((94 - half, 94 + half))
    assert len(curves) == 3


def test_calendar_yoy_is_the_raw_change_of_the_models_yearly_mean(con):
    load(con, {"P1": [80, 88], "P2": [90, 99], "T1": [10, 8], "T2": [10, 8]},
         {"P1": "partnership", "P2": "partnership", "T1": "transactional", "T2": "transactional"},
         field="cost_per_resolution")
    yoy = calendar_yoy(con, "vendor_cost_per_resolution", Filters())
    got = {(m, y): (v, c) for _, m, y, v, c in yoy.itertuples(index=False)}
    assert got[("partnership", 2021)] == (93.5, pytest.approx(100 * (93.5 - 85) / 85))
    assert got[("transactional", 2021)] == (8.0, pytest.approx(-20.0))
    assert np.isnan(got[("transactional", 2020)][1])


def test_trajectory_is_the_mean_of_engagement_slopes_with_an_equivalence_test(con):
    # after year 3: partnerships climb 3 points a year from 80 (slope 3/83 of level), transactional flat ±0.5
    parts = {f"P{i}": [0, 0, 0, 79 + i, 82 + i, 85 + i] for i in range(4)}
    flat = {f"T{i}": [0, 0, 0, 70 + d, 70, 70 - d] for i, d in enumerate((0.5, -0.5, 0.25, -0.25))}
    load(con, {**parts, **flat}, {**{p: "partnership" for p in parts}, **{t: "transactional" for t in flat}})
    traj = trajectory(con, "quality_score", Filters(), after_year=3).set_index("relationship_model")
    expected_p = np.mean([100 * 3 / (82 + i) for i in range(4)])
    assert traj.loc["partnership", "slope_pct_per_year"] == pytest.approx(expected_p)
    assert traj.loc["partnership", "improving"] and not traj.loc["partnership", "plateau"]
    slopes_t = [100 * -d / 70 for d in (0.5, -0.5, 0.25, -0.25)]
    assert traj.loc["transactional", "slope_pct_per_year"] == pytest.approx(np.mean(slopes_t))
    half90 = st.t.ppf(0.95, 3) * np.std(slopes_t, ddof=1) / 2
    assert traj.loc["transactional", "ci90_high"] == pytest.approx(np.mean(slopes_t) + half90)
    assert traj.loc["transactional", "plateau"] and not traj.loc["transactional", "improving"]
    assert traj.loc["transactional", ["years", "n_engagements", "units"]].tolist() == [3, 4, 4]


def test_report_premium_json_has_the_contract_fields_per_year(con, tmp_path, capsys):
    path = tmp_path / "premium.duckdb"
    with db.connect(path) as file_con:
        p, t = [80.0, 84.0, 88.0, 90.0], [70.0, 72.0, 74.0, 79.0]
        load(file_con, {e: [v, v + 1] for e, v in zip(EIGHT, p + t)}, EIGHT)
    assert main(["report", "premium", "--db", str(path), "--kpi", "quality_score", "--json"]) == 0
    years = json.loads(capsys.readouterr().out)
    fields = {"premium_pct", "ci_low", "ci_high", "diff_abs", "diff_ci_low", "diff_ci_high", "n_partnership",
              "n_transactional", "method"}
    assert [y["relationship_year"] for y in years] == [1, 2]
    first = years[0]
    assert fields <= set(first) and fields <= set(first["adjusted"]) and fields <= set(first["balanced"])
    assert first["premium_pct"] == pytest.approx(100 * (85.5 / 73.75 - 1))
    assert (first["ci_low"], first["ci_high"]) == pytest.approx(welch_log_ratio_ci(p, t))
    assert (first["n_partnership"], first["n_transactional"], first["too_few_to_estimate"]) == (4, 4, False)
    assert first["balanced"]["window"] == "years 1–2"
    assert "observational" in first["adjusted"]["adjusts_for"]


def test_a_file_of_model_changes_is_checked_whole_before_anything_is_recorded(con):
    load(con, {"X": [60, 61, 90], "Y": [50]}, {"X": "transactional", "Y": "transactional"})
    bad = pd.DataFrame({"provider": ["X", "Z"], "account": ["X program", "Z program"],
                        "relationship_model": ["partnership", "partnership"],
                        "effective_from": ["2022-01-01", "2022-01-01"]})
    assert model_history.apply_model_changes(con, bad) == [
        "row 2: Z · Z program is not in the engagement register; add it first"]
    assert con.execute("select count(*) from engagement_models").fetchone()[0] == 0
    good = bad.iloc[:1]
    assert model_history.apply_model_changes(con, good) == []
    values = relationship_year_values(con, "quality_score", Filters())
    x = values[values["provider"] == "X"]
    assert list(zip(x["relationship_model"], x["relationship_year"])) == [
        ("partnership", 3), ("transactional", 1), ("transactional", 2)]
