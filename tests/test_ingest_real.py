"""The five real third-party exports in ../shared/data/real (see SOURCES.md there)."""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from analytics import rollups
from analytics.ingest import Mapping, ingest_file, sniff_file

REAL = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "real"
EXAMPLES = Path(__file__).resolve().parents[1] / "docs" / "examples"


def real(name: str) -> Path:
    import pytest

    path = REAL / name
    if not path.exists():
        pytest.skip(f"real export {name} not found at {REAL} (the shared data folder is absent)")
    return path


def example(name: str) -> Mapping:
    return Mapping.from_file(EXAMPLES / name)


def test_pwc_needs_a_provider_constant_then_loads_every_call(con):
    path = real("call_center_calls_pwc.csv")
    sniffed = sniff_file(path)
    assert (sniffed.delimiter, sniffed.line_ending, sniffed.kind) == (",", "CRLF", "interactions")
    assert sniffed.date_formats["occurred_at"] == "MM-DD-YYYY | MM/DD/YYYY" and not sniffed.ambiguities
    refused = ingest_file(con, path)
    assert refused.status == "failed" and "provider or account" in refused.message
    result = ingest_file(con, path, mapping=example("pwc_calls.json"))
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (5000, 5000, 0)
    stats = con.execute("""select min(occurred_at), max(occurred_at), count(distinct cast(occurred_at as date)),
                                  count(csat), max(csat_scale), count(*) filter (where resolved_first_contact)
                           from interactions""").fetchone()
    # Month-first in both spellings: Jan 1 – Mar 31 2021 is 90 days; 946 unanswered calls have no CSAT;
    # 946 unanswered + 408 unresolved leave 3,646 resolved (SOURCES.md).
    assert stats[0].date() == date(2021, 1, 1) and stats[1].date() == date(2021, 3, 31)
    assert stats[2:] == (90, 4054, 5, 3646)
    assert con.execute("select occurred_at from interactions where interaction_id = 'ID0001'").fetchone() == \
        (datetime(2021, 1, 1, 9, 12, 58),)
    assert rollups.mismatches(con) == 0


def test_itsm_event_log_is_refused_for_lack_of_a_measure(con):
    path = real("itsm_incident_event_log.csv")
    sniffed = sniff_file(path)
    assert sniffed.date_formats["occurred_at"] == "DD-MM-YYYY HH:MM"
    result = ingest_file(con, path)
    assert result.status == "failed" and "a measure" in result.message and "'opened_at'" in result.message


def test_comcast_is_tab_delimited_day_first_and_refused_without_measures(con):
    path = real("comcast_complaints.csv")
    sniffed = sniff_file(path)
    assert (sniffed.delimiter, sniffed.line_ending, len(sniffed.columns)) == ("\t", "CRLF", 11)
    assert sniffed.date_formats["occurred_at"] == "DD-MM-YYYY"
    assert sniffed.mapping.columns["occurred_time"] == "Time"
    result = ingest_file(con, path)
    assert result.status == "failed" and "a measure" in result.message and "'Ticket #'" in result.message


def test_cfpb_quoted_newlines_keep_every_record(con):
    path = real("cfpb_complaints_apr2023.csv")
    assert sniff_file(path).line_ending == "mixed"
    assert ingest_file(con, path).status == "failed"
    result = ingest_file(con, path, mapping=example("cfpb_complaints.json"))
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (3999, 3999, 0)
    april, companies = con.execute("""select count(*) filter (where occurred_at >= '2023-04-01'
                                             and occurred_at < '2023-05-01'), count(distinct provider)
                                      from interactions""").fetchone()
    assert (april, companies) == (3910, 229)


def test_cfpb_reject_line_counts_the_newlines_inside_quotes(con, tmp_path):
    data = real("cfpb_complaints_apr2023.csv").read_bytes()
    start = data.rstrip(b"\r\n").rfind(b"\n") + 1
    broken = data[:start] + b"31-31-2023" + data[start + 10:]
    path = tmp_path / "cfpb_broken.csv"
    path.write_bytes(broken)
    result = ingest_file(con, path, mapping=example("cfpb_complaints.json"), dry_run=True)
    assert result.rows_rejected == 1
    assert int(result.rejects.loc[0, "line"]) == data[:start].count(b"\n") + 1 == 4591


def test_nhs111_loads_as_performance_with_mon_yy_periods_and_mixed_durations(con):
    path = real("nhs111_provider_monthly.csv")
    sniffed = sniff_file(path)
    assert sniffed.kind == "performance" and sniffed.date_formats["period"] == "Mon-YY"
    result = ingest_file(con, path, mapping=example("nhs111_performance.json"))
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (534, 534, 0)
    periods, first, last, sla_low, sla_high, aht_low, aht_high = con.execute(
        """select count(distinct period), min(period), max(period), min(sla_attainment), max(sla_attainment),
                  min(reported_aht_seconds), max(reported_aht_seconds) from performance""").fetchone()
    assert (periods, first, last) == (12, date(2015, 4, 1), date(2016, 3, 1))
    assert 0 < sla_low < sla_high <= 1
    assert 60 < aht_low < aht_high < 3600
