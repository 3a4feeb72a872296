"""The sample portfolio: deterministic, ingest-shaped, benchmark-realistic, with its planted effects.

Every expected figure is computed here by SQL on the raw tables, independently of the
generator's own model.
"""
from __future__ import annotations

from datetime import date

import duckdb
import pytest

from analytics import db, rollups, sample
from tests.builders import insert_rows

SIZE = 20_000
CHECKSUM_SQL = """
select
    (select count(*) || ':' || sum(hash(interaction_id, occurred_at, provider, account, channel, contact_reason,
            customer_id, customer_segment, agent_id, handle_seconds, wait_seconds, resolved_first_contact,
            escalated, csat, nps, ces, cost, is_repeat)) from interactions),
    (select count(*) || ':' || sum(hash(period, provider, account, quality_score, sla_attainment, agent_attrition,
            cost_per_resolution, innovations, escalations, governance_meetings, gain_share_savings,
            contacts_handled, reported_fcr, reported_aht_seconds, reported_csat_pct)) from performance),
    (select count(*) || ':' || sum(hash(provider, account, relationship_model, contract_start)) from engagements)
"""
# Relationship year of a performance row: year 1 is the first 12 months of the contract.
BY_RELATIONSHIP_YEAR = """
select e.relationship_model as model,
       datediff('month', e.contract_start, p.period) // 12 + 1 as relationship_year,
       count(distinct p.provider || p.account) as engagements,
       avg(p.{column}) as value
from performance p join engagements e using (provider, account)
group by all
"""


@pytest.fixture(scope="module")
def portfolio():
    con = db.connect(":memory:")
    counts = sample.generate(con, seed=7, interactions=SIZE)
    yield con, counts
    con.close()


def scalar(con, sql: str, params=None):
    return con.execute(sql, params or []).fetchone()[0]


def by_year(con, column: str) -> dict[tuple[str, int], tuple[int, float]]:
    rows = con.execute(BY_RELATIONSHIP_YEAR.format(column=column)).fetchall()
    return {(model, year): (n, value) for model, year, n, value in rows}


# --- determinism and shape -------------------------------------------------------------------

def test_same_seed_gives_identical_data_and_another_seed_differs():
    checksums = []
    for seed in (11, 11, 12):
        con = db.connect(":memory:")
        sample.generate(con, seed=seed, interactions=5_000)
        checksums.append(con.execute(CHECKSUM_SQL).fetchone())
        con.close()
    assert checksums[0] == checksums[1]
    assert checksums[0][0] != checksums[2][0]


def test_generate_returns_the_rows_it_wrote(portfolio):
    con, counts = portfolio
    assert counts == {
        "engagements": scalar(con, "select count(*) from engagements"),
        "performance": scalar(con, "select count(*) from performance"),
        "interactions": scalar(con, "select count(*) from interactions"),
    }
    assert counts["interactions"] == SIZE


def test_portfolio_has_enough_providers_engagements_and_both_models(portfolio):
    con, _ = portfolio
    assert scalar(con, "select count(distinct provider) from engagements") >= 8
    assert scalar(con, "select count(*) from engagements") >= 20
    models = dict(con.execute("select relationship_model, count(*) from engagements group by 1").fetchall())
    assert set(models) == {"partnership", "transactional"}
    assert abs(models["partnership"] - models["transactional"]) <= 2
    starts = con.execute("select min(contract_start), max(contract_start) from engagements").fetchone()
    assert starts[0].year <= 2016 and starts[1].year >= 2021


def test_data_spans_more_than_five_years_all_in_the_past(portfolio):
    con, _ = portfolio
    first, last = con.execute("select min(occurred_at), max(occurred_at) from interactions").fetchone()
    assert (last - first).days >= 5 * 365
    assert last.date() < date(2026, 11, 23)
    first_period, last_period = con.execute("select min(period), max(period) from performance").fetchone()
    assert first_period == date(2020, 1, 1) and last_period == date(2025, 12, 1)


def test_no_activity_before_an_engagement_contract_start(portfolio):
    con, _ = portfolio
    early = scalar(con, """
        select count(*) from interactions i join engagements e using (provider, account)
        where cast(i.occurred_at as date) < e.contract_start""")
    early_periods = scalar(con, """
        select count(*) from performance p join engagements e using (provider, account)
        where p.period < date_trunc('month', e.contract_start)""")
    assert early == 0 and early_periods == 0


def test_each_model_has_three_engagements_in_every_relationship_year_one_to_six(portfolio):
    con, _ = portfolio
    years = by_year(con, "quality_score")
    for model in ("partnership", "transactional"):
        for year in range(1, 7):
            assert years[(model, year)][0] >= 3, (model, year)


def test_three_batches_are_recorded_as_ingest_records_them(portfolio):
    con, _ = portfolio
    rows = con.execute("""
        select b.file_name, b.source_name, b.kind, b.mapping, b.rows_read, b.rows_loaded, b.rows_rejected,
               b.rows_duplicate, b.sha256,
               case b.kind when 'interactions' then (select count(*) from interactions i where i.batch_id = b.batch_id)
                           when 'performance' then (select count(*) from performance p where p.batch_id = b.batch_id)
                           else (select count(*) from engagements e where e.batch_id = b.batch_id) end as stored
        from batches b order by b.kind""").fetchall()
    assert [r[0] for r in rows] == ["sample:engagements.csv", "sample:interactions.csv", "sample:performance.csv"]
    for file_name, source, kind, mapping, read, loaded, rejected, duplicate, sha, stored in rows:
        assert (source, mapping, rejected, duplicate) == ("sample", "{}", 0, 0)
        assert read == loaded == stored > 0
        assert len(sha) == 64
    assert len({r[8] for r in rows}) == 3


# --- realistic values ----------------------------------------------------------------------------

def test_interaction_kpis_fall_in_benchmark_bands(portfolio):
    con, _ = portfolio
    fcr, csat, csat_rate, nps_rate, ces_rate, escalation, repeat = con.execute("""
        select avg(cast(resolved_first_contact as double)),
               count(*) filter (where csat >= 4) / count(csat),
               count(csat) / count(*), count(nps) / count(*), count(ces) / count(*),
               avg(cast(escalated as double)), avg(cast(is_repeat as double))
        from interactions""").fetchone()
    assert 0.70 <= fcr <= 0.79
    assert 0.75 <= csat <= 0.85
    assert 0.27 <= csat_rate <= 0.33
    assert 0.20 <= nps_rate <= 0.30
    assert 0.13 <= ces_rate <= 0.17
    assert 0.03 <= escalation <= 0.08
    assert 0.10 <= repeat <= 0.15
    ranges = con.execute("""select min(nps), max(nps), min(ces), max(ces), min(csat), max(csat), min(csat_scale),
                                   max(csat_scale) from interactions""").fetchone()
    assert ranges == (0, 10, 1, 7, 1, 5, 5, 5)


def test_handle_time_and_cost_by_channel_are_realistic(portfolio):
    con, _ = portfolio
    by_channel = {channel: (aht, cost) for channel, aht, cost in con.execute(
        "select channel, avg(handle_seconds), avg(cost) from interactions group by 1").fetchall()}
    assert set(by_channel) == {"phone", "chat", "email", "social"}
    for aht, _ in by_channel.values():
        assert 280 <= aht <= 530
    assert by_channel["phone"][0] == max(aht for aht, _ in by_channel.values())
    assert 5.0 <= by_channel["phone"][1] <= 8.0
    assert by_channel["chat"][1] < by_channel["phone"][1] and by_channel["email"][1] < by_channel["phone"][1]


def test_scorecard_values_are_realistic(portfolio):
    con, _ = portfolio
    attrition, quality_low, quality_high, sla_low, sla_high = con.execute("""
        select avg(agent_attrition), min(quality_score), max(quality_score), min(sla_attainment),
               max(sla_attainment) from performance""").fetchone()
    assert 0.40 <= attrition <= 0.56
    assert 0 <= quality_low and quality_high <= 100
    assert 0 < sla_low and sla_high <= 1
    by_model = {m: rest for m, *rest in con.execute("""
        select e.relationship_model, avg(governance_meetings), min(gain_share_savings), max(gain_share_savings)
        from performance p join engagements e using (provider, account) group by 1""").fetchall()}
    assert 1.2 <= by_model["partnership"][0] <= 1.45
    assert 0.3 <= by_model["transactional"][0] <= 0.6
    assert by_model["partnership"][1] > 0
    assert by_model["transactional"][1:] == [0, 0]
    assert scalar(con, "select sum(contacts_handled) from performance") == SIZE


def test_reported_fcr_matches_recomputed_except_the_one_planted_inflated_year(portfolio):
    con, _ = portfolio
    index, first_month, months, points = sample.INFLATED_FCR
    planted = sample.PORTFOLIO[index]
    rows = con.execute("""
        with recomputed as (
            select provider, account, cast(date_trunc('month', occurred_at) as date) as period,
                   avg(cast(resolved_first_contact as double)) as fcr
            from interactions group by all
        )
        select p.provider = $provider and p.account = $account
                   and p.period >= $first and p.period < $first + to_months($months) as inflated,
               p.reported_fcr - r.fcr as gap, p.reported_fcr
        from performance p join recomputed r using (provider, account, period)""",
        {"provider": planted.provider, "account": planted.account, "first": first_month, "months": months},
    ).fetchall()
    honest = [gap for inflated, gap, _ in rows if not inflated]
    inflated = [(gap, reported) for is_inflated, gap, reported in rows if is_inflated]
    assert max(abs(gap) for gap in honest) <= 0.0101  # the vendor's noise: at most 1 point
    assert len(inflated) == months
    for gap, reported in inflated:  # a reported rate cannot pass 100 %
        assert abs(gap - points) <= 0.0101 or reported == 1.0


# --- consistency ------------------------------------------------------------------------------------

def test_rollups_agree_with_raw_interactions(portfolio):
    con, _ = portfolio
    assert rollups.mismatches(con) == 0
    assert scalar(con, "select sum(contacts) from rollup_daily") == SIZE


def test_is_repeat_means_same_customer_in_previous_seven_days_across_chunks(monkeypatch):
    monkeypatch.setattr(sample, "CHUNK_ROWS", 1_500)  # many month-chunks, so the lookback is exercised
    con = db.connect(":memory:")
    sample.generate(con, seed=3, interactions=8_000)
    disagreements = scalar(con, """
        select count(*) from interactions i
        where i.is_repeat is distinct from exists (
            select 1 from interactions j
            where j.customer_id = i.customer_id and j.interaction_id <> i.interaction_id
              and j.occurred_at <= i.occurred_at and j.occurred_at >= i.occurred_at - interval 7 days
              and (j.occurred_at < i.occurred_at or j.interaction_id < i.interaction_id))""")
    assert disagreements == 0
    assert scalar(con, "select count(distinct interaction_id) from interactions") == 8_000
    con.close()


# --- planted effects -------------------------------------------------------------------------------

def test_phone_share_falls_and_chat_share_rises(portfolio):
    con, _ = portfolio
    shares = {year: (phone, chat) for year, phone, chat in con.execute("""
        select year(occurred_at), avg(cast(channel = 'phone' as double)), avg(cast(channel = 'chat' as double))
        from interactions group by 1""").fetchall()}
    assert 0.60 <= shares[2020][0] <= 0.70 and 0.35 <= shares[2025][0] <= 0.45
    assert 0.08 <= shares[2020][1] <= 0.16 and 0.30 <= shares[2025][1] <= 0.40


def test_small_business_segment_grows(portfolio):
    con, _ = portfolio
    share = dict(con.execute("""
        select year(occurred_at), avg(cast(customer_segment = 'Small business' as double))
        from interactions group by 1""").fetchall())
    assert share[2020] < 0.18 and share[2025] > 0.22
    assert scalar(con, "select count(distinct customer_segment) from interactions") == 3


def test_november_december_peak_january_bump_and_summer_dip(portfolio):
    con, _ = portfolio
    per_month = dict(con.execute("""
        select month(occurred_at), count(*) from interactions
        where occurred_at >= '2023-01-01' group by 1""").fetchall())
    baseline = sum(per_month[m] for m in range(2, 11)) / 9
    peak = (per_month[11] + per_month[12]) / 2
    summer = (per_month[6] + per_month[7] + per_month[8]) / 3
    spring_and_autumn = sum(per_month[m] for m in (3, 4, 5, 9, 10)) / 5
    assert 1.20 <= peak / baseline <= 1.45
    assert per_month[1] > baseline and per_month[1] < peak
    assert summer < 0.95 * spring_and_autumn


def test_device_setup_contacts_triple_after_the_product_change(portfolio):
    con, _ = portfolio
    before, after = con.execute("""
        select count(*) filter (where occurred_at >= '2023-07-01' and occurred_at < '2024-07-01'),
               count(*) filter (where occurred_at >= '2024-07-01' and occurred_at < '2025-07-01')
        from interactions where contact_reason = 'Device setup'""").fetchone()
    assert after / before >= 2.3  # modelled ≈ ×3; 20 000 contacts leave some noise
    assert scalar(con, "select count(distinct contact_reason) from interactions") == 8


def test_partnership_quality_premium_grows_after_year_two_while_transactional_plateaus(portfolio):
    con, _ = portfolio
    q = by_year(con, "quality_score")

    def premium(year: int) -> float:
        return q[("partnership", year)][1] / q[("transactional", year)][1] - 1

    steady = sum(premium(y) for y in (4, 5, 6)) / 3
    assert 0.14 <= steady <= 0.21
    assert premium(2) < premium(4) < premium(6)
    for year in range(2, 7):  # partnerships improve every year
        assert q[("partnership", year)][1] > q[("partnership", year - 1)][1]
    assert q[("transactional", 3)][1] > q[("transactional", 1)][1] + 2  # transactional improve early…
    assert abs(q[("transactional", 6)][1] - q[("transactional", 3)][1]) < 1.5  # …then plateau


def test_partnerships_cost_less_per_resolution_and_innovate_more_at_steady_state(portfolio):
    con, _ = portfolio
    cost, innovations = by_year(con, "cost_per_resolution"), by_year(con, "innovations")

    def mean(frame, model):
        return sum(frame[(model, y)][1] for y in (4, 5, 6)) / 3

    cost_saving = 1 - mean(cost, "partnership") / mean(cost, "transactional")
    assert 0.08 <= cost_saving <= 0.17
    assert mean(innovations, "partnership") > 1.1 * mean(innovations, "transactional")
    assert cost[("partnership", 6)][1] < cost[("partnership", 1)][1]


def test_interaction_fcr_and_csat_show_the_partnership_gap_after_year_two(portfolio):
    con, _ = portfolio
    rows = con.execute("""
        select e.relationship_model, avg(cast(resolved_first_contact as double)),
               count(*) filter (where csat >= 4) / count(csat)
        from interactions i join engagements e using (provider, account)
        where datediff('month', e.contract_start, cast(i.occurred_at as date)) >= 36
        group by 1""").fetchall()
    by_model = {model: (fcr, csat) for model, fcr, csat in rows}
    assert by_model["partnership"][0] > by_model["transactional"][0] + 0.03
    assert by_model["partnership"][1] > by_model["transactional"][1] + 0.03


def test_attrition_spikes_are_followed_by_quality_dips(portfolio):
    con, _ = portfolio
    for index, spike in sample.ATTRITION_SPIKES:
        engagement = sample.PORTFOLIO[index]
        series = con.execute(
            "select period, agent_attrition, quality_score from performance where provider = ? and account = ?"
            " order by period", [engagement.provider, engagement.account]).fetchall()
        at = [period for period, _, _ in series].index(spike)
        spike_attrition = [attrition for _, attrition, _ in series[at:at + 3]]
        before_quality = sum(quality for _, _, quality in series[at - 3:at]) / 3
        dip_quality = sum(quality for _, _, quality in series[at + 3:at + 5]) / 2
        assert min(spike_attrition) >= 0.7, engagement
        assert dip_quality <= before_quality - 6, engagement


# --- entry points --------------------------------------------------------------------------------

def test_seed_if_empty_seeds_an_empty_database_and_reports_progress(con):
    calls = []
    assert sample.seed_if_empty(con, interactions=3_000, progress=lambda f, m: calls.append((f, m)))
    assert scalar(con, "select count(*) from interactions") == 3_000
    fractions = [f for f, _ in calls]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert not sample.seed_if_empty(con, interactions=3_000)
    assert scalar(con, "select count(*) from interactions") == 3_000


def test_seed_if_empty_leaves_a_database_with_user_data_alone(con):
    insert_rows(con, "engagements", [{"provider": "P", "account": "A", "relationship_model": "partnership",
                                      "contract_start": date(2021, 1, 1)}])
    assert sample.seed_if_empty(con, interactions=3_000) is False
    assert scalar(con, "select count(*) from interactions") == 0
    assert scalar(con, "select count(*) from batches where file_name like 'sample:%'") == 0


def test_generating_twice_raises_and_names_the_existing_sample(con):
    sample.generate(con, interactions=2_000)
    with pytest.raises(ValueError, match="already holds the sample portfolio"):
        sample.generate(con, interactions=2_000)
    assert scalar(con, "select count(*) from interactions") == 2_000


def test_a_failure_midway_leaves_nothing_behind(con):
    con.execute("drop table rollup_daily")  # the last step, adding the rollup, now fails
    version = db.data_version(con)
    with pytest.raises(duckdb.CatalogException):
        sample.generate(con, interactions=2_000)
    for table in ("batches", "engagements", "performance", "interactions"):
        assert scalar(con, f"select count(*) from {table}") == 0, table
    assert db.data_version(con) == version


def test_months_without_contacts_report_no_vendor_figures(con):
    counts = sample.generate(con, interactions=0)
    assert counts["interactions"] == 0
    handled, reported = con.execute("""select sum(contacts_handled), count(reported_fcr) + count(reported_aht_seconds)
                                              + count(reported_csat_pct) from performance""").fetchone()
    assert (handled, reported) == (0, 0)
    assert scalar(con, "select count(*) from performance") == counts["performance"] > 0


def test_negative_size_is_refused(con):
    with pytest.raises(ValueError, match="zero or more"):
        sample.generate(con, interactions=-1)
