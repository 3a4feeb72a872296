"""Known-answer tests for the definitions ingest decides: answered contacts, CSAT scale and top-two box,
time zones, repeat contacts in any load order, cell-level rejects, header names, event logs, recoding.

Every expected figure is worked out by hand (in the comments) or with plain Python over the literal rows.
"""
from __future__ import annotations

from datetime import datetime

import pyarrow
import pytest

from analytics import contracts, rollups
from analytics.filters import Filters
from analytics.ingest import Mapping, drop_batch, ingest_file, list_batches, rejected_rows, sniff_file
from analytics.ingest.errors import IngestError
from analytics.kpi_frames import kpi_frame


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def kpi_values(con, ids) -> dict[str, float]:
    frame = kpi_frame(con, ids, Filters(), grain=None)
    return dict(zip(frame["kpi"], frame["value"]))


# --- answered contacts ---------------------------------------------------------------------------------

def test_aht_fcr_and_csat_count_answered_contacts_and_abandonment_sits_alongside(con, tmp_path):
    text = ("call id,date,provider,answered,resolved,talk time,csat\n"
            "1,2024-01-01,A,Y,Y,300,5\n"
            "2,2024-01-01,A,Y,N,100,3\n"
            "3,2024-01-01,A,N,N,0,\n"
            "4,2024-01-01,A,N,N,0,\n")
    ingest_file(con, write(tmp_path, "calls.csv", text))
    # answered: calls 1 and 2 → AHT (300 + 100) / 2, FCR 1 / 2, CSAT top-two 1 / 2; abandoned 2 of 4
    assert kpi_values(con, ["aht_seconds", "fcr", "csat_pct", "abandonment_rate", "contacts"]) == {
        "aht_seconds": 200.0, "fcr": 0.5, "csat_pct": 0.5, "abandonment_rate": 0.5, "contacts": 4.0}


def test_without_an_answered_column_every_contact_counts_as_before(con, tmp_path):
    ingest_file(con, write(tmp_path, "calls.csv", "call id,date,provider,resolved,talk time\n"
                                                  "1,2024-01-01,A,Y,300\n2,2024-01-01,A,N,0\n"))
    values = kpi_values(con, ["aht_seconds", "fcr", "abandonment_rate"])
    assert values == {"aht_seconds": 150.0, "fcr": 0.5}  # no answered flags: no abandonment rate


# --- CSAT scale and top-two box ------------------------------------------------------------------------

def test_top_two_box_is_nine_and_ten_on_a_ten_point_scale(con, tmp_path):
    scores = [10, 9, 8, 8, 7, 3, 10, 6, 9, 1]
    text = "date,provider,csat\n" + "".join(f"2024-01-{i + 1:02d},A,{s}\n" for i, s in enumerate(scores))
    result = ingest_file(con, write(tmp_path, "ten.csv", text))
    assert con.execute("select distinct csat_scale from interactions").fetchall() == [(10,)]
    assert result.values_rejected == 0
    assert kpi_values(con, ["csat_pct"])["csat_pct"] == sum(s >= 9 for s in scores) / len(scores) == 0.4


def test_the_csat_label_says_which_ratings_are_top_two():
    from analytics import kpis

    label = kpis.kpi("csat_pct").label
    assert "4–5 of 5" in label and "9–10 of 10" in label


def test_one_stray_six_in_a_five_point_file_is_rejected_as_a_value_not_a_rescale(con, tmp_path):
    scores = [5, 4, 4, 3, 5, 2, 4, 5, 1, 4] * 3 + [6]
    text = "call id,date,provider,csat\n" + "".join(f"C{i},2024-01-01,A,{s}\n" for i, s in enumerate(scores))
    result = ingest_file(con, write(tmp_path, "five.csv", text))
    # 30 of 31 values (96.8 % ≥ 95 %) are ≤ 5: the file is 1–5 and the 6 is one rejected value on line 32
    assert (result.rows_loaded, result.rows_rejected, result.values_rejected) == (31, 0, 1)
    assert result.rejects[["line", "column", "value", "scope"]].to_dict("records") == [
        {"line": 32, "column": "csat", "value": "6", "scope": "value"}]
    assert con.execute("select distinct csat_scale from interactions").fetchall() == [(5,)]
    kept = [s for s in scores if s <= 5]
    assert kpi_values(con, ["csat_pct"])["csat_pct"] == pytest.approx(sum(s >= 4 for s in kept) / len(kept))


def test_a_declared_csat_scale_wins_over_detection(con, tmp_path):
    text = "date,provider,csat\n2024-01-01,A,4\n2024-01-02,A,5\n2024-01-03,A,3\n"
    ingest_file(con, write(tmp_path, "low.csv", text),
                mapping=Mapping(kind="interactions", csat_scale=10))
    assert con.execute("select distinct csat_scale from interactions").fetchall() == [(10,)]
    assert kpi_values(con, ["csat_pct"]) == {"csat_pct": 0.0}  # 3, 4 and 5 of 10 are not top-two


def test_csat_scale_in_the_mapping_must_be_five_or_ten():
    with pytest.raises(IngestError, match="csat_scale must be 5"):
        Mapping.from_dict({"kind": "interactions", "csat_scale": 7})


# --- time zones ----------------------------------------------------------------------------------------

OFFSETS = ("call id,start time,provider,aht\n"
           "1,2024-01-31T22:00:00-04:00,A,60\n"     # = 2024-02-01 02:00 UTC
           "2,2024-02-01T02:30:00Z,A,60\n"          # = 2024-02-01 02:30 UTC
           "3,2024-01-31T23:30:00+0530,A,60\n"      # = 2024-01-31 18:00 UTC
           "4,2024-01-31 23:00:00,A,60\n")          # naive: taken as the reporting zone


def test_offsets_are_converted_to_utc_by_default_and_land_in_the_right_month(con, tmp_path, monkeypatch):
    monkeypatch.delenv("RAPPORT_TZ", raising=False)
    ingest_file(con, write(tmp_path, "tz.csv", OFFSETS))
    assert con.execute("select interaction_id, occurred_at from interactions order by 1").fetchall() == [
        ("1", datetime(2024, 2, 1, 2, 0)), ("2", datetime(2024, 2, 1, 2, 30)), ("3", datetime(2024, 1, 31, 18, 0)),
        ("4", datetime(2024, 1, 31, 23, 0))]
    months = kpi_frame(con, ["contacts"], Filters(), grain="month")
    assert dict(zip(months["period"].dt.month, months["value"])) == {1: 2.0, 2: 2.0}


def test_the_reporting_time_zone_is_a_setting(con, tmp_path, monkeypatch):
    monkeypatch.setenv("RAPPORT_TZ", "America/New_York")
    assert contracts.reporting_time_zone() == "America/New_York"
    ingest_file(con, write(tmp_path, "tz.csv", OFFSETS))
    # New York is UTC−5 in winter: 22:00 at −04:00 is 02:00 UTC on Feb 1, which is 21:00 on Jan 31
    assert con.execute("select occurred_at from interactions where interaction_id = '1'").fetchone() == \
        (datetime(2024, 1, 31, 21, 0),)
    assert con.execute("select occurred_at from interactions where interaction_id = '2'").fetchone() == \
        (datetime(2024, 1, 31, 21, 30),)
    assert con.execute("select occurred_at from interactions where interaction_id = '4'").fetchone() == \
        (datetime(2024, 1, 31, 23, 0),)


def test_an_unknown_time_zone_setting_fails_the_load_with_the_fix(con, tmp_path, monkeypatch):
    monkeypatch.setenv("RAPPORT_TZ", "Mars/Olympus")
    result = ingest_file(con, write(tmp_path, "tz.csv", OFFSETS))
    assert result.status == "failed" and "RAPPORT_TZ" in result.message and "Europe/Zurich" in result.message


# --- repeat contacts in any load order -----------------------------------------------------------------

JANUARY = "call id,date,provider,customer id,aht\nJ1,2024-01-30 10:00,A,K1,60\nJ2,2024-01-10 10:00,A,K2,60\n"
FEBRUARY = "call id,date,provider,customer id,aht\nF1,2024-02-02 10:00,A,K1,60\nF2,2024-02-20 10:00,A,K2,60\n"


def repeat_flags(con) -> dict[str, bool]:
    return dict(con.execute("select interaction_id, is_repeat from interactions").fetchall())


@pytest.mark.parametrize("order", [("jan", "feb"), ("feb", "jan")])
def test_repeat_flags_do_not_depend_on_the_order_files_arrive_in(con, tmp_path, order):
    files = {"jan": write(tmp_path, "jan.csv", JANUARY), "feb": write(tmp_path, "feb.csv", FEBRUARY)}
    for name in order:
        assert ingest_file(con, files[name]).status == "loaded"
    # K1: Jan 30 then Feb 2 (3 days later) → F1 is a repeat; K2: Jan 10 then Feb 20 → not
    assert repeat_flags(con) == {"J1": False, "J2": False, "F1": True, "F2": False}
    months = kpi_frame(con, ["repeat_rate"], Filters(), grain="month")
    assert dict(zip(months["period"].dt.month, months["value"])) == {1: 0.0, 2: 0.5}
    assert rollups.mismatches(con) == 0


def test_deleting_a_batch_clears_the_repeat_flags_it_caused(con, tmp_path):
    january = ingest_file(con, write(tmp_path, "jan.csv", JANUARY))
    ingest_file(con, write(tmp_path, "feb.csv", FEBRUARY))
    assert repeat_flags(con)["F1"] is True
    drop_batch(con, january.batch_id)
    assert repeat_flags(con) == {"F1": False, "F2": False}
    assert kpi_values(con, ["repeat_rate"]) == {"repeat_rate": 0.0}
    monthly = con.execute("select sum(repeat_yes), sum(repeat_n) from rollup_monthly").fetchone()
    assert monthly == (0, 2)


def test_a_contact_exactly_seven_days_later_is_a_repeat_and_the_same_instant_is_not(con, tmp_path):
    text = ("call id,date,provider,customer id,aht\n"
            "A,2024-03-01 10:00:00,P,K,60\nB,2024-03-08 10:00:00,P,K,60\nC,2024-03-15 10:00:01,P,K,60\n"
            "D,2024-03-15 10:00:01,P,Q,60\nE,2024-03-15 10:00:01,P,Q,61\n")
    ingest_file(con, write(tmp_path, "edges.csv", text))
    # B is 7 days after A (inside the window); C is 7 days + 1 s after B (outside); D and E share an instant
    assert repeat_flags(con) == {"A": False, "B": True, "C": False, "D": False, "E": False}


# --- cell-level rejects --------------------------------------------------------------------------------

def scorecard(rows: int, innovations: str = "0.1667") -> str:
    lines = ["month,provider,client,quality score,sla,attrition,innovations"]
    for i in range(rows):
        lines.append(f"{2020 + i // 12 // 24}-{i // 24 % 12 + 1:02d},P{i % 24},Bank,90,95%,30%,{innovations}")
    return "\n".join(lines) + "\n"


def test_a_288_row_scorecard_with_averaged_innovations_loads_every_row(con, tmp_path):
    result = ingest_file(con, write(tmp_path, "scorecard.csv", scorecard(288)))
    assert (result.status, result.rows_read, result.rows_loaded, result.rows_rejected, result.values_rejected) == \
        ("loaded", 288, 288, 0, 0)
    assert con.execute("select count(*), sum(innovations), min(quality_score), min(sla_attainment) "
                       "from performance").fetchone() == (288, pytest.approx(288 * 0.1667), 90.0, 0.95)


def test_a_bad_optional_value_becomes_null_and_the_rest_of_its_row_loads(con, tmp_path):
    text = ("month,provider,quality score,sla,innovations\n"
            "2024-01,A,91,90%,2\n"
            "2024-02,A,ninety,85%,1\n"     # quality unreadable: the value goes, SLA and innovations stay
            "2024-03,A,88,90%,-1\n"        # innovations negative: the value goes
            "someday,A,80,80%,1\n")        # the period is required: the whole row goes
    result = ingest_file(con, write(tmp_path, "card.csv", text))
    assert (result.rows_loaded, result.rows_rejected, result.values_rejected) == (3, 1, 2)
    assert con.execute("select month(period), quality_score, sla_attainment, innovations from performance "
                       "order by period").fetchall() == [(1, 91.0, 0.9, 2.0), (2, None, 0.85, 1.0), (3, 88.0, 0.9, None)]
    stored = rejected_rows(con, result.batch_id)
    assert stored[["line", "column", "value", "scope"]].to_dict("records") == [
        {"line": 3, "column": "quality score", "value": "ninety", "scope": "value"},
        {"line": 4, "column": "innovations", "value": "-1", "scope": "value"},
        {"line": 5, "column": "month", "value": "someday", "scope": "row"}]
    batch = list_batches(con).iloc[0]
    assert (batch["status"], batch["values_rejected"], batch["rows_rejected"]) == ("loaded", 2, 1)


def test_a_column_that_mostly_fails_is_a_column_problem_in_the_dry_run(con, tmp_path):
    text = ("case id,date received,company,resolved,csat\n"
            "1,2024-01-01,Bank,Closed with explanation,4\n"
            "2,2024-01-02,Bank,Closed with explanation,5\n"
            "3,2024-01-03,Bank,In progress,3\n"
            "4,2024-01-04,Bank,Closed with monetary relief,4\n")
    dry = ingest_file(con, write(tmp_path, "cases.csv", text), dry_run=True)
    assert dry.status == "dry-run" and dry.rows_loaded == 4 and dry.values_rejected == 4
    assert len(dry.column_problems) == 1
    problem = dry.column_problems[0]
    assert "'resolved'" in problem and "4 of 4" in problem and "'Closed with explanation'" in problem
    assert '"recode"' in problem and problem in dry.message
    assert con.execute("select count(*) from batches").fetchone() == (0,)
    recoded = Mapping(kind="interactions", recode={"resolved_first_contact": {
        "Closed with explanation": "yes", "Closed with monetary relief": "yes", "In progress": "no"}})
    loaded = ingest_file(con, write(tmp_path, "cases.csv", text), mapping=recoded)
    assert (loaded.values_rejected, loaded.column_problems) == (0, ())
    assert kpi_values(con, ["fcr"]) == {"fcr": 0.75}


def test_a_batch_that_loads_nothing_is_empty_not_loaded(con, tmp_path):
    all_bad = ingest_file(con, write(tmp_path, "bad.csv", "date,provider,aht\nsoon,A,1\nlater,A,2\n"))
    assert (all_bad.status, all_bad.rows_loaded, all_bad.rows_rejected) == ("empty", 0, 2)
    assert "Every row was rejected" in all_bad.message
    good = write(tmp_path, "good.csv", "call id,date,provider,aht\n1,2024-01-01,A,5\n")
    assert ingest_file(con, good).status == "loaded"
    again = ingest_file(con, good, file_name="copy.csv")  # same bytes: skipped, as before
    assert again.status == "skipped"
    renamed = write(tmp_path, "good2.csv", "call id,date,provider,aht\n1,2024-01-01,A,5\n\n")
    overlap = ingest_file(con, renamed)
    assert (overlap.status, overlap.rows_duplicate) == ("empty", 1) and "already loaded" in overlap.message
    assert list(list_batches(con)["status"]) == ["empty", "loaded", "empty"]


def test_an_empty_batch_does_not_block_reloading_the_file_with_a_better_mapping(con, tmp_path):
    path = write(tmp_path, "when.csv", "when,provider,aht\n31/01/2024,A,5\n15/02/2024,A,6\n")
    first = ingest_file(con, path, mapping=Mapping(kind="interactions", columns={"occurred_at": "when"},
                                                   date_order="mdy"))
    assert first.status == "empty"
    second = ingest_file(con, path, mapping=Mapping(kind="interactions", columns={"occurred_at": "when"},
                                                    date_order="dmy"))
    assert (second.status, second.rows_loaded) == ("loaded", 2)


def test_non_finite_numbers_are_rejected_as_values(con, tmp_path):
    text = "call id,date,provider,aht,cost\n1,2024-01-01,A,inf,1e309\n2,2024-01-01,A,Infinity,2\n3,2024-01-01,A,5,3\n"
    result = ingest_file(con, write(tmp_path, "inf.csv", text))
    assert (result.rows_loaded, result.values_rejected) == (3, 3)
    assert con.execute("select sum(handle_seconds), sum(cost) from interactions").fetchone() == (5.0, 5.0)


# --- header names --------------------------------------------------------------------------------------

def test_blank_duplicate_and_whitespace_headers_are_renamed_visibly(con, tmp_path):
    text = "date,provider,Status,status , ,,csat\n2024-01-01,A,open,closed,x,y,4\n"
    sniffed = sniff_file(write(tmp_path, "h.csv", text))
    assert sniffed.columns == ("date", "provider", "Status", "status (2)", "column 5", "column 6", "csat")
    assert tuple(sniffed.preview.columns) == sniffed.columns
    pyarrow.Table.from_pandas(sniffed.preview)
    assert any("'status (2)'" in w for w in sniffed.warnings)
    assert any("'column 5', 'column 6'" in w for w in sniffed.warnings)
    # a renamed column can be mapped by its shown name
    mapping = Mapping(kind="interactions", columns={"contact_reason": "column 5"})
    ingest_file(con, write(tmp_path, "h.csv", text), mapping=mapping)
    assert con.execute("select contact_reason, csat from interactions").fetchall() == [("x", 4.0)]


def test_a_renamed_header_never_collides_with_a_real_one(tmp_path):
    sniffed = sniff_file(write(tmp_path, "c.csv", "column 2,,date,provider,aht\na,b,2024-01-01,A,1\n"))
    assert len(set(sniffed.columns)) == 5 and sniffed.columns[1] == "column 2 (2)"


# --- mapping for tickets, complaints and event logs ----------------------------------------------------

def test_auto_mapping_skips_empty_and_junk_identity_columns(tmp_path):
    text = "date,vendor,client,agent,aht\n2024-01-01,?,Bank,,5\n2024-01-02,?,Bank,,6\n"
    sniffed = sniff_file(write(tmp_path, "junk.csv", text))
    assert "provider" not in sniffed.mapping.columns and "agent_id" not in sniffed.mapping.columns
    assert sniffed.mapping.columns["account"] == "client"
    assert any("'vendor' is empty or a null marker" in w and "provider" in w for w in sniffed.warnings)


def test_a_duration_is_derived_from_two_timestamp_columns(con, tmp_path):
    text = ("ticket,opened,closed,provider\n"
            "T1,2024-01-01 09:00,2024-01-01 10:30,A\n"    # 5,400 s
            "T2,2024-01-02 09:00,?,A\n"                   # still open: no resolution time
            "T3,2024-01-03 09:00,2024-01-02 09:00,A\n"    # closed before opened: the value is rejected
            "T4,2024-01-04 09:00,soon,A\n")               # unreadable end: the value is rejected
    mapping = Mapping(kind="interactions", columns={"occurred_at": "opened"},
                      derived={"resolution_seconds": {"from": "opened", "to": "closed"}})
    result = ingest_file(con, write(tmp_path, "t.csv", text), mapping=mapping)
    assert (result.rows_loaded, result.rows_rejected, result.values_rejected) == (4, 0, 2)
    assert con.execute("select interaction_id, resolution_seconds from interactions order by 1").fetchall() == [
        ("T1", 5400.0), ("T2", None), ("T3", None), ("T4", None)]
    assert kpi_values(con, ["time_to_resolve"]) == {"time_to_resolve": 5400.0}


def test_an_event_log_keeps_the_latest_state_and_the_first_open_time(con, tmp_path):
    text = ("number,state,opened_at,updated_at,made_sla,reopen_count\n"
            "INC1,New,01-03-2024 09:00,01-03-2024 09:05,TRUE,0\n"
            "INC1,Closed,01-03-2024 09:00,02-03-2024 17:00,FALSE,1\n"
            "INC1,Active,01-03-2024 09:00,01-03-2024 12:00,TRUE,0\n"
            "INC2,New,28-02-2024 23:00,28-02-2024 23:10,TRUE,0\n"
            "INC2,Resolved,29-02-2024 08:00,29-02-2024 09:00,TRUE,0\n")
    mapping = Mapping(kind="interactions", columns={"occurred_at": "opened_at"}, constants={"provider": "Desk"},
                      date_order="dmy", event_log={"key": "number", "order_by": "updated_at"})
    result = ingest_file(con, write(tmp_path, "log.csv", text), mapping=mapping)
    assert (result.rows_read, result.rows_loaded, result.rows_collapsed) == (5, 2, 3)
    assert "2 tickets from 5 events" in result.message
    assert result.rows_read == result.rows_loaded + result.rows_rejected + result.rows_duplicate + \
        result.rows_collapsed
    # INC1: latest is the Closed event (02-03 17:00, not the Active one listed after it)
    # INC2: latest is Resolved; its open time is the earliest of its events (28 Feb 23:00)
    assert con.execute("select interaction_id, occurred_at, sla_met, reopened from interactions order by 1"
                       ).fetchall() == [("INC1", datetime(2024, 3, 1, 9, 0), False, True),
                                        ("INC2", datetime(2024, 2, 28, 23, 0), True, False)]
    assert list_batches(con).iloc[0]["rows_collapsed"] == 3


def test_recode_folds_channel_and_reason_spellings(con, tmp_path):
    text = "date,provider,channel,reason,aht\n2024-01-01,A,Postal mail,Billing issue,5\n2024-01-02,A,FAX,bill,6\n"
    mapping = Mapping(kind="interactions", recode={"channel": {"postal mail": "email", "fax": "email"},
                                                   "contact_reason": {"bill": "Billing issue"}})
    ingest_file(con, write(tmp_path, "r.csv", text), mapping=mapping)
    assert con.execute("select channel, contact_reason, count(*) from interactions group by all").fetchall() == [
        ("email", "Billing issue", 2)]


def test_new_mapping_keys_round_trip_through_json():
    mapping = Mapping(kind="interactions", constants={"provider": "X"}, csat_scale=10,
                      recode={"resolved_first_contact": {"Closed with explanation": "yes"}},
                      derived={"resolution_seconds": {"from": "opened_at", "to": "closed_at"}},
                      event_log={"key": "number", "order_by": "sys_updated_at"}, volume_only=True)
    assert Mapping.from_json(mapping.to_json()) == mapping


def test_a_derived_field_must_be_a_duration():
    with pytest.raises(IngestError, match="not a duration"):
        Mapping(kind="interactions", derived={"csat": {"from": "a", "to": "b"}})


def test_a_mapping_naming_an_absent_derived_column_is_refused(con, tmp_path):
    mapping = Mapping(kind="interactions", derived={"resolution_seconds": {"from": "date", "to": "closed"}})
    result = ingest_file(con, write(tmp_path, "x.csv", "date,provider,aht\n2024-01-01,A,5\n"), mapping=mapping)
    assert result.status == "failed" and "'closed'" in result.message


# --- hostile spellings (issue 14) ----------------------------------------------------------------------

def test_locale_thousands_separators_are_read(con, tmp_path):
    nbsp, narrow = "\u00a0", "\u202f"
    text = ("call id;date;provider;cost\n"
            f"1;2024-01-01;A;1{nbsp}234,50\n"      # French: no-break space and decimal comma
            f"2;2024-01-01;A;2{narrow}000,25\n"    # narrow no-break space
            "3;2024-01-01;A;1.234.567,75\n"        # German: dots as thousands
            "4;2024-01-01;A;3 000,5\n")            # plain space
    ingest_file(con, write(tmp_path, "eu.csv", text))
    assert [c for (c,) in con.execute("select cost from interactions order by interaction_id").fetchall()] == [
        1234.5, 2000.25, 1234567.75, 3000.5]


def test_swiss_apostrophes_are_thousands_separators(con, tmp_path):
    ingest_file(con, write(tmp_path, "ch.csv", "call id,date,provider,cost\n1,2024-01-01,A,1'234.50\n"
                                               "2,2024-01-01,A,12'000\n"))
    assert con.execute("select sum(cost) from interactions").fetchone() == (13234.5,)


def test_names_are_normalised_before_they_become_identities(con, tmp_path):
    text = ("call id,date,provider,client,aht\n"
            "1,2024-01-01,Acme\u200b BPO,Caf\u0065\u0301,60\n"   # zero-width space; e + combining accent
            "2,2024-01-02,Acme   BPO,Caf\u00e9,60\n"             # collapsed spaces; precomposed é
            "3,2024-01-03, Acme\tBPO ,Café,60\n")
    ingest_file(con, write(tmp_path, "names.csv", text))
    assert con.execute("select distinct provider, account from interactions").fetchall() == [("Acme BPO", "Café")]


def test_csat_on_0_to_100_declared_as_1_to_10_is_a_column_problem_naming_scale_100(con, tmp_path):
    # detected, a 0–100 column is scale 100 and NPS off 0–10 refuses the file (tests/test_ingest_scales.py);
    # declared on another scale, the column problem names the fix
    text = "call id,date,provider,csat\n" + "".join(
        f"{i},2024-01-0{i},A,{c}\n" for i, c in enumerate([80, 95, 60, 75], 1))
    dry = ingest_file(con, write(tmp_path, "scores.csv", text), dry_run=True,
                      mapping=Mapping(kind="interactions", csat_scale=10))
    assert dry.rows_loaded == 4 and dry.values_rejected == 4
    assert '"csat_scale": 100' in " ".join(dry.column_problems)
