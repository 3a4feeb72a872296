"""The five real third-party exports in ../shared/data/real (see SOURCES.md there).

Every file loads through `ingest_file` with its documented mapping in docs/examples, and the
expected figures are computed here with Python's csv module, independently of the ingest code.
"""
from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path

import pyarrow
import pytest

from analytics import rollups
from analytics.filters import Filters
from analytics.ingest import Mapping, ingest_file, sniff_file
from analytics.kpi_frames import kpi_frame
from tests.builders import empty_database, read_only

REAL = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "real"
EXAMPLES = Path(__file__).resolve().parents[1] / "docs" / "examples"


def real(name: str) -> Path:
    path = REAL / name
    if not path.exists():
        pytest.skip(f"real export {name} not found at {REAL} (the shared data folder is absent)")
    return path


def example(name: str) -> Mapping:
    return Mapping.from_file(EXAMPLES / name)


def records(path: Path, delimiter: str = ",") -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter=delimiter))


def kpi_values(con, ids) -> dict[str, float]:
    frame = kpi_frame(con, ids, Filters(), grain=None)
    return dict(zip(frame["kpi"], frame["value"]))


def test_pwc_blank_headers_are_renamed_so_the_preview_is_a_valid_table():
    sniffed = sniff_file(real("call_center_calls_pwc.csv"))
    assert sniffed.columns[-2:] == ("column 11", "column 12")
    assert list(sniffed.preview.columns) == list(sniffed.columns) and len(set(sniffed.columns)) == 12
    pyarrow.Table.from_pandas(sniffed.preview)  # what st.dataframe does; raised on the two blank names before
    assert any("'column 11', 'column 12'" in w for w in sniffed.warnings)
    assert "column 11" not in sniffed.mapping.columns.values()


@pytest.fixture(scope="module")
def pwc_database(schema_template):
    """PwC's calls through ingest once for the module (both PwC tests read the outcome): first without a
    mapping, then with the documented one. (con, the first attempt's result, the second's)."""
    path = real("call_center_calls_pwc.csv")
    con = empty_database(schema_template)
    refused = ingest_file(con, path)
    result = ingest_file(con, path, mapping=example("pwc_calls.json"))
    yield con, refused, result
    con.close()


@pytest.fixture
def pwc(pwc_database):
    """pwc_database for a test that only reads it (checked after each)."""
    con, refused, result = pwc_database
    for shared in read_only(con, " (pwc_database)"):
        yield shared, refused, result


def test_pwc_needs_a_provider_constant_then_loads_every_call(pwc):
    con, refused, result = pwc
    path = real("call_center_calls_pwc.csv")
    sniffed = sniff_file(path)
    assert (sniffed.delimiter, sniffed.line_ending, sniffed.kind) == (",", "CRLF", "interactions")
    assert sniffed.date_formats["occurred_at"] == "MM-DD-YYYY | MM/DD/YYYY" and not sniffed.ambiguities
    assert refused.status == "failed" and "provider or account" in refused.message
    assert (result.rows_read, result.rows_loaded, result.rows_rejected, result.values_rejected) == (5000, 5000, 0, 0)
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


def test_pwc_aht_fcr_and_csat_count_answered_calls_only(pwc):
    con, _, loaded = pwc
    path = real("call_center_calls_pwc.csv")
    rows = records(path)
    answered = [r for r in rows if r["answered (Y/N)"] == "Y"]
    rated = [int(r["satisfaction rating"]) for r in answered if r["satisfaction rating"].strip()]
    expected = {
        "fcr": sum(r["resolved"] == "Y" for r in answered) / len(answered),
        "aht_seconds": sum(float(r["avgtalkduration"]) for r in answered) / len(answered),
        "abandonment_rate": (len(rows) - len(answered)) / len(rows),
        "csat_pct": sum(score >= 4 for score in rated) / len(rated),
    }
    over_all_calls = sum(r["resolved"] == "Y" for r in rows) / len(rows)
    assert round(expected["fcr"], 2) == 0.90 and round(over_all_calls, 2) == 0.73  # the "90 %, not 74 %"
    assert loaded.status == "loaded" and loaded.rows_loaded == len(rows)
    got = kpi_values(con, expected)
    assert got == pytest.approx(expected, rel=1e-12)


def test_itsm_event_log_collapses_to_one_row_per_ticket_with_the_rule_shown(con):
    path = real("itsm_incident_event_log.csv")
    sniffed = sniff_file(path)
    assert sniffed.date_formats["occurred_at"] == "DD-MM-YYYY HH:MM"
    assert "provider" not in sniffed.mapping.columns  # `vendor` is `?` in every row
    refused = ingest_file(con, path)
    assert refused.status == "failed" and "provider or account" in refused.message

    rows = records(path)

    def stamp(text: str) -> datetime:
        return datetime.strptime(text, "%d-%m-%Y %H:%M")

    latest: dict[str, tuple[datetime, int, dict]] = {}
    for line, row in enumerate(rows):
        candidate = (stamp(row["sys_updated_at"]), line, row)
        if row["number"] not in latest or candidate[:2] > latest[row["number"]][:2]:
            latest[row["number"]] = candidate
    kept = [row for _, _, row in latest.values()]
    durations = [(stamp(r["resolved_at"]) - stamp(r["opened_at"])).total_seconds()
                 for r in kept if r["resolved_at"] != "?"]
    assert min(durations) >= 0

    result = ingest_file(con, path, mapping=example("itsm_incidents.json"))
    assert (result.status, result.rows_read, result.rows_loaded, result.rows_collapsed) == \
        ("loaded", 5998, len(kept), 5998 - len(kept)) == ("loaded", 5998, 890, 5108)
    assert "890 tickets from 5,998 events" in result.message and "latest state kept" in result.message
    sla, reopened, resolved_n, resolved_sum = con.execute(
        "select count(*) filter (where sla_met), count(*) filter (where reopened), count(resolution_seconds),"
        " sum(resolution_seconds) from interactions").fetchone()
    assert sla == sum(r["made_sla"] == "TRUE" for r in kept)
    assert reopened == sum(int(r["reopen_count"]) > 0 for r in kept)
    assert (resolved_n, resolved_sum) == (len(durations), sum(durations))
    got = kpi_values(con, ["sla_met_rate", "time_to_resolve", "reopen_rate"])
    assert got["time_to_resolve"] == pytest.approx(sum(durations) / len(durations))
    assert rollups.mismatches(con) == 0


def test_comcast_is_tab_delimited_day_first_and_loads_for_volume_only(con):
    path = real("comcast_complaints.csv")
    sniffed = sniff_file(path)
    assert (sniffed.delimiter, sniffed.line_ending, len(sniffed.columns)) == ("\t", "CRLF", 11)
    assert sniffed.date_formats["occurred_at"] == "DD-MM-YYYY"
    assert sniffed.mapping.columns["occurred_time"] == "Time"
    refused = ingest_file(con, path)
    assert refused.status == "failed" and "a measure" in refused.message and "volume_only" in refused.message
    rows = records(path, delimiter="\t")
    result = ingest_file(con, path, mapping=example("comcast_complaints.json"))
    assert (result.status, result.rows_read, result.rows_loaded, result.rows_rejected) == \
        ("loaded", len(rows), len(rows), 0) == ("loaded", 2224, 2224, 0)
    channels = dict(con.execute("select channel, count(*) from interactions group by 1").fetchall())
    assert channels == {"phone": sum(r["Received Via"] == "Customer Care Call" for r in rows),
                        "web": sum(r["Received Via"] == "Internet" for r in rows)}


def test_cfpb_quoted_newlines_keep_every_record_and_timely_response_is_sla_met(con):
    path = real("cfpb_complaints_apr2023.csv")
    assert sniff_file(path).line_ending == "mixed"
    rows = records(path)
    result = ingest_file(con, path, mapping=example("cfpb_complaints.json"))
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (len(rows), len(rows), 0) == \
        (3999, 3999, 0)
    april, companies, sla_yes, sla_n = con.execute(
        """select count(*) filter (where occurred_at >= '2023-04-01' and occurred_at < '2023-05-01'),
                  count(distinct provider), count(*) filter (where sla_met), count(sla_met)
           from interactions""").fetchone()
    assert (april, companies) == (3910, 229)
    assert (sla_yes, sla_n) == (sum(r["Timely_response?"] == "Yes" for r in rows),
                                sum(r["Timely_response?"] in ("Yes", "No") for r in rows))


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


def test_every_real_file_loads_together_with_its_documented_mapping(con):
    files = {"call_center_calls_pwc.csv": ("pwc_calls.json", 5000), "itsm_incident_event_log.csv":
             ("itsm_incidents.json", 890), "comcast_complaints.csv": ("comcast_complaints.json", 2224),
             "cfpb_complaints_apr2023.csv": ("cfpb_complaints.json", 3999),
             "nhs111_provider_monthly.csv": ("nhs111_performance.json", 534)}
    for name, (mapping, loaded) in files.items():
        result = ingest_file(con, real(name), mapping=example(mapping))
        assert (result.status, result.rows_loaded, result.rows_rejected) == ("loaded", loaded, 0), result.message
    assert rollups.mismatches(con) == 0
