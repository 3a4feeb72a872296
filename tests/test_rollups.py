"""Both rollups agree with each other and with raw rows; the right one is chosen."""
from __future__ import annotations

from datetime import date

from analytics import rollups
from analytics.filters import Filters
from analytics.kpi_frames import kpi_frame
from tests.builders import insert_rows


def rows_over_two_months() -> list[dict]:
    base = dict(provider="P", account="A", channel="phone", handle_seconds=300.0, resolved_first_contact=True)
    return [base | {"occurred_at": "2024-01-03 10:00"}, base | {"occurred_at": "2024-01-31 23:59"},
            base | {"occurred_at": "2024-02-01 00:00", "handle_seconds": 600.0, "channel": "chat"},
            base | {"occurred_at": "2024-02-15 12:00", "resolved_first_contact": False}]


def test_monthly_rollup_holds_the_daily_sums_per_month(con):
    insert_rows(con, "interactions", rows_over_two_months())
    monthly = con.execute("select day, channel, contacts, handle_sum, fcr_yes from rollup_monthly order by 1, 2").fetchall()
    assert monthly == [(date(2024, 1, 1), "phone", 2, 600.0, 2), (date(2024, 2, 1), "chat", 1, 600.0, 1),
                       (date(2024, 2, 1), "phone", 1, 300.0, 0)]
    assert rollups.mismatches(con) == 0


def test_dropping_a_batch_empties_both_rollups(con):
    insert_rows(con, "interactions", rows_over_two_months(), batch_id=4)
    rollups.drop_batch(con, 4)
    assert con.execute("select (select count(*) from rollup_daily) + (select count(*) from rollup_monthly)").fetchone() == (0,)


def test_monthly_rollup_is_read_only_when_whole_months_answer_the_question():
    assert rollups.table_for("month", None, None) == "rollup_monthly"
    assert rollups.table_for("quarter", date(2024, 1, 1), date(2024, 3, 31)) == "rollup_monthly"
    assert rollups.table_for("week", None, None) == "rollup_daily"
    assert rollups.table_for("month", date(2024, 1, 2), None) == "rollup_daily"
    assert rollups.table_for("month", None, date(2024, 2, 28)) == "rollup_daily"   # 2024 is a leap year
    assert rollups.table_for("month", None, date(2024, 2, 29)) == "rollup_monthly"


def test_a_mid_month_date_filter_counts_exact_days(con):
    insert_rows(con, "interactions", rows_over_two_months())
    frame = kpi_frame(con, ["contacts", "aht_seconds"], Filters(start=date(2024, 1, 31), end=date(2024, 2, 1)),
                      grain="month")
    got = {(p.strftime("%Y-%m"), k): v for p, k, v in frame[["period", "kpi", "value"]].itertuples(index=False)}
    assert got == {("2024-01", "contacts"): 1, ("2024-02", "contacts"): 1,
                   ("2024-01", "aht_seconds"): 300.0, ("2024-02", "aht_seconds"): 600.0}


def test_a_database_from_before_the_monthly_rollup_is_backfilled_on_connect(con):
    insert_rows(con, "interactions", rows_over_two_months())
    con.execute("delete from rollup_monthly")
    rollups.backfill_monthly(con)
    assert con.execute("select sum(contacts) from rollup_monthly").fetchone() == (4,)
