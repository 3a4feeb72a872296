"""Each value-parsing rule, driven end to end: a literal CSV in, stored values out."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from analytics.contracts import UNASSIGNED
from analytics.ingest import Mapping, ingest_file, sniff_file


def load(con, tmp_path, text: str, *, name: str = "f.csv", encoding: str = "utf-8", **kwargs):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return ingest_file(con, path, **kwargs)


def column(con, name: str, table: str = "interactions") -> list:
    return [v for (v,) in con.execute(f'select "{name}" from {table} order by occurred_at nulls last'
                                      if table == "interactions" else
                                      f'select "{name}" from {table} order by period').fetchall()]


def test_iso_timestamps_are_read_as_is(con, tmp_path):
    load(con, tmp_path, "created_at,provider,csat\n2024-03-05 14:30:00,A,4\n2024-03-06T08:00:00Z,A,5\n")
    assert column(con, "occurred_at") == [datetime(2024, 3, 5, 14, 30), datetime(2024, 3, 6, 8, 0)]


def test_a_first_component_above_12_makes_the_column_day_first(con, tmp_path):
    result = load(con, tmp_path, "date,provider,csat\n05-03-2024,A,4\n25-03-2024,A,5\n")
    assert result.status == "loaded"
    assert column(con, "occurred_at") == [datetime(2024, 3, 5), datetime(2024, 3, 25)]


def test_a_second_component_above_12_makes_the_column_month_first_with_am_pm(con, tmp_path):
    load(con, tmp_path, "date,provider,csat\n03/05/2024 1:15 PM,A,4\n03/25/2024 12:05 AM,A,5\n")
    assert column(con, "occurred_at") == [datetime(2024, 3, 5, 13, 15), datetime(2024, 3, 25, 0, 5)]


def test_a_fully_ambiguous_date_column_is_reported_and_read_month_first(con, tmp_path):
    path = tmp_path / "amb.csv"
    path.write_text("date,provider,csat\n03/05/2024,A,4\n04/06/2024,A,5\n")
    sniffed = sniff_file(path)
    assert sniffed.ambiguities and "occurred_at" in sniffed.ambiguities[0]
    assert sniffed.date_formats["occurred_at"] == "MM/DD/YYYY"
    ingest_file(con, path)
    assert column(con, "occurred_at") == [datetime(2024, 3, 5), datetime(2024, 4, 6)]


def test_date_order_in_the_mapping_settles_an_ambiguous_column(con, tmp_path):
    mapping = Mapping(kind="interactions", date_order="dmy")
    load(con, tmp_path, "date,provider,csat\n03/05/2024,A,4\n", mapping=mapping)
    assert column(con, "occurred_at") == [datetime(2024, 5, 3)]


def test_a_separate_time_column_is_joined_in_both_spellings(con, tmp_path):
    load(con, tmp_path, "date,time,provider,csat\n2024-03-05,3.53.50 PM,A,4\n2024-03-06,09:12:58,A,4\n")
    assert column(con, "occurred_at") == [datetime(2024, 3, 5, 15, 53, 50), datetime(2024, 3, 6, 9, 12, 58)]


def test_month_year_periods_are_the_first_of_the_month(con, tmp_path):
    load(con, tmp_path, "period,provider,sla %\nApr-15,A,85%\n2024-03,A,90%\n")
    assert column(con, "period", "performance") == [date(2015, 4, 1), date(2024, 3, 1)]


# one file per reading: plain seconds, mm:ss and hh:mm:ss together; Excel day fractions (a column of them is scaled)
@pytest.mark.parametrize("raws, seconds", [(["95", "01:35", "00:01:35"], [95.0, 95.0, 95.0]),
                                           (["0.000717593", "1.16E-05"], [62.0, 1.0])],
                         ids=["seconds-mm:ss-hh:mm:ss", "day-fractions"])
def test_durations_are_read_as_seconds(con, tmp_path, raws, seconds):
    load(con, tmp_path, "date,provider,aht\n" + "".join(f"2024-01-{d:02d},A,{raw}\n" for d, raw in enumerate(raws, 1)))
    assert column(con, "handle_seconds") == [pytest.approx(s) for s in seconds]


def test_a_column_of_excel_day_fractions_is_scaled_and_mixes_with_hh_mm_ss(con, tmp_path):
    load(con, tmp_path, "date,provider,aht\n2024-01-01,A,00:01:01\n2024-01-02,A,0.000717593\n")
    assert column(con, "handle_seconds") == [61.0, 62.0]


def test_booleans_accept_the_usual_spellings(con, tmp_path):
    spellings = [("Yes", True), ("n", False), ("Y", True), ("1", True), ("0", False), ("TRUE", True), ("false", False)]
    load(con, tmp_path, "date,provider,fcr\n" + "".join(f"2024-01-{d:02d},A,{raw}\n"
                                                        for d, (raw, _) in enumerate(spellings, 1)))
    assert column(con, "resolved_first_contact") == [expected for _, expected in spellings]


def test_percentages_use_one_scale_per_column(con, tmp_path):
    load(con, tmp_path, "period,provider,sla %\n2024-01,A,85\n2024-02,A,0.5\n2024-03,A,90%\n")
    assert column(con, "sla_attainment", "performance") == [pytest.approx(0.85), pytest.approx(0.005),
                                                           pytest.approx(0.90)]


def test_fraction_percentages_stay_fractions(con, tmp_path):
    load(con, tmp_path, "period,provider,sla\n2024-01,A,0.85\n2024-02,A,1\n")
    assert column(con, "sla_attainment", "performance") == [pytest.approx(0.85), pytest.approx(1.0)]


def test_numbers_drop_currency_and_thousands_separators(con, tmp_path):
    load(con, tmp_path, 'date,provider,cost\n2024-01-01,A,"$1,234.50"\n2024-01-02,A,€ 12\n2024-01-03,A,USD 7\n')
    assert column(con, "cost") == [1234.5, 12.0, 7.0]


def test_decimal_commas_are_detected_per_column(con, tmp_path):
    load(con, tmp_path, "date;provider;cost\n2024-01-01;A;3,5\n2024-01-02;A;1.234,25\n")
    assert column(con, "cost") == [3.5, 1234.25]


def test_null_spellings_become_null(con, tmp_path):
    spellings = ["", "NA", "N/A", "?", "-", "null", "None"]
    result = load(con, tmp_path, "date,provider,csat,cost\n" + "".join(f"2024-01-{d:02d},A,4,{spelling}\n"
                                                                      for d, spelling in enumerate(spellings, 1)))
    assert (result.rows_loaded, result.values_rejected) == (len(spellings), 0)
    assert column(con, "cost") == [None] * len(spellings)


def test_relationship_model_spellings_are_folded(con, tmp_path):
    load(con, tmp_path, "provider,account,model,start date\nA,X,Strategic,2020-01-01\nB,Y,vendor,2021-01-01\n"
                        "C,Z,Partner,2022-01-01\n", kind="engagements")
    models = con.execute("select relationship_model from engagements order by provider").fetchall()
    assert [m for (m,) in models] == ["partnership", "transactional", "partnership"]


def test_csat_scale_is_five_when_no_value_exceeds_five(con, tmp_path):
    load(con, tmp_path, "date,provider,csat\n2024-01-01,A,4\n2024-01-02,A,5\n")
    assert set(column(con, "csat_scale")) == {5}


def test_csat_scale_is_ten_when_a_value_exceeds_five(con, tmp_path):
    load(con, tmp_path, "date,provider,csat\n2024-01-01,A,4\n2024-01-02,A,9\n")
    assert set(column(con, "csat_scale")) == {10}


def test_out_of_range_scores_are_rejected_as_values_with_line_column_and_value(con, tmp_path):
    # 20 more in-range rows: one NPS of 11 among 23 is a stray value (an NPS column with more than 5 % outside
    # 0–10 is a −100…100 score and refuses the file instead)
    filler = "".join(f"2024-01-{d:02d},A,8,5\n" for d in range(4, 24))
    result = load(con, tmp_path, "date,provider,nps,ces\n2024-01-01,A,11,4\n2024-01-02,A,7,0\n2024-01-03,A,7,7\n"
                  + filler)
    assert (result.rows_loaded, result.rows_rejected, result.values_rejected) == (23, 0, 2), result.message
    assert con.execute("select nps, ces from interactions order by occurred_at limit 3").fetchall() == [
        (None, 4.0), (7.0, None), (7.0, 7.0)]
    rejects = result.rejects.to_dict("records")
    assert {r["scope"] for r in rejects} == {"value"}
    assert rejects[0]["line"] == 2 and rejects[0]["column"] == "nps" and rejects[0]["value"] == "11"
    assert rejects[1]["line"] == 3 and rejects[1]["column"] == "ces" and rejects[1]["value"] == "0"


def test_impossible_future_and_ancient_dates_are_rejected(con, tmp_path):
    result = load(con, tmp_path, "date,provider,csat\n2023-02-30,A,4\n2999-01-01,A,4\n1980-01-01,A,4\n"
                                 "2023-02-28,A,4\n")
    assert (result.rows_loaded, result.rows_rejected) == (1, 3)
    reasons = " ".join(result.rejects["reason"])
    assert "could not read" in reasons and "future" in reasons and "before 1990" in reasons


def test_negative_durations_are_rejected_as_values(con, tmp_path):
    result = load(con, tmp_path, "date,provider,aht\n2024-01-01,A,-5\n2024-01-02,A,5\n")
    assert (result.rows_loaded, result.rows_rejected, result.values_rejected) == (2, 0, 1)
    assert "negative" in result.rejects.loc[0, "reason"]


def test_a_file_with_only_a_provider_stores_unassigned_account(con, tmp_path):
    load(con, tmp_path, "date,vendor,csat\n2024-01-01,Acme,4\n")
    assert con.execute("select provider, account from interactions").fetchall() == [("Acme", UNASSIGNED)]
