"""Exports as help-desk and contact-center platforms write them, beyond the five real files: Zendesk's ticket
export (offsets after a space, Good/Bad satisfaction, minutes in the header), a Salesforce case report (opened and
closed times, no duration column), Five9's call log (date and time apart, the caller's ANI), Genesys Cloud's
interactions export (milliseconds, unnamed) and a Freshdesk export (units in the headers, Likert wording).

Every expected value below is worked out by hand from the rows written here."""
from __future__ import annotations

from datetime import datetime

import pytest

from analytics.ingest import Mapping, ingest_file, sniff_file
from analytics.ingest.errors import IngestError

CONSTANTS = {"provider": "Acme BPO", "account": "Globex"}


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def rows(con, columns: str) -> list[tuple]:
    return con.execute(f"select {columns} from interactions order by interaction_id").fetchall()


ZENDESK = (
    '"Id","Requester","Requester id","Assignee","Created at","Solved at","Satisfaction Score","Via",'
    '"Full resolution time in minutes"\n'
    '"10231","Jane Roe","381992","Tom A","2024-03-01 09:12:44 +0000","2024-03-01 10:02:10 +0000","Good","Email","50"\n'
    '"10232","Max Mu","381993","Tom A","2024-03-01 11:00:01 -0500","","Offered","Web Widget",""\n'
    '"10233","Li Wei","381994","Ana B","2024-03-02 14:22:13 +0000","2024-03-03 08:01:00 +0000","Bad","Chat","1059"\n'
    '"10234","Jane Roe","381992","Ana B","2024-03-04 08:00:00 UTC","","Unoffered","Voice","30"\n')


def test_a_zendesk_ticket_export_loads_every_row_with_its_offsets_ratings_and_minutes(con, tmp_path, monkeypatch):
    monkeypatch.delenv("RAPPORT_TZ", raising=False)
    result = ingest_file(con, write(tmp_path, "zendesk.csv", ZENDESK),
                         mapping=Mapping(kind="interactions", constants=CONSTANTS))
    assert (result.status, result.rows_loaded, result.rows_rejected, result.values_rejected) == ("loaded", 4, 0, 0)
    assert rows(con, "interaction_id, occurred_at, customer_id, agent_id, channel, csat, resolution_seconds") == [
        # 09:12:44 +0000 is 09:12:44 UTC; Good = 5 on the 1–5 scale; 50 minutes = 3,000 s
        ("10231", datetime(2024, 3, 1, 9, 12, 44), "381992", "Tom A", "email", 5.0, 3000.0),
        # 11:00:01 at −05:00 is 16:00:01 UTC; a survey only offered is no rating, and not a rejected value
        ("10232", datetime(2024, 3, 1, 16, 0, 1), "381993", "Tom A", "web", None, None),
        ("10233", datetime(2024, 3, 2, 14, 22, 13), "381994", "Ana B", "chat", 1.0, 1059 * 60.0),
        ("10234", datetime(2024, 3, 4, 8, 0), "381992", "Ana B", "phone", None, 1800.0),
    ]
    assert con.execute("select distinct csat_scale from interactions").fetchall() == [(5,)]
    assert "CSAT ratings (column 'Satisfaction Score') are in words, read on the 1–5 scale" in "".join(result.date_notes)
    assert "Resolution times (column 'Full resolution time in minutes') are read in minutes" in "".join(
        result.date_notes)


SALESFORCE = (
    '"Case Number","Date/Time Opened","Date/Time Closed","Case Origin","Account Name","Contact Name","Case Owner"\n'
    '"00001001","1/15/2024 2:03 PM","1/15/2024 4:10 PM","Phone","Globex Corp","Hank Scorpio","Support Queue"\n'
    '"00001002","1/16/2024 9:15 AM","","Email","Initech","Bill Lumbergh","Support Queue"\n'
    '"00001003","1/17/2024 11:45 AM","1/18/2024 10:00 AM","Web","Globex Corp","Hank Scorpio","Tier 2"\n')


def test_a_salesforce_case_report_derives_resolution_time_from_its_opened_and_closed_times(con, tmp_path):
    path = write(tmp_path, "cases.csv", SALESFORCE)
    sniffed = sniff_file(path)
    assert sniffed.mapping.derived == {"resolution_seconds": {"from": "Date/Time Opened", "to": "Date/Time Closed"}}
    result = ingest_file(con, path)
    assert (result.status, result.rows_loaded) == ("loaded", 3)
    assert rows(con, "interaction_id, account, channel, customer_id, agent_id, resolution_seconds") == [
        ("00001001", "Globex Corp", "phone", "Hank Scorpio", "Support Queue", 2 * 3600 + 7 * 60.0),  # 2:03 → 4:10 PM
        ("00001002", "Initech", "email", "Bill Lumbergh", "Support Queue", None),                   # still open
        ("00001003", "Globex Corp", "web", "Hank Scorpio", "Tier 2", 22 * 3600 + 15 * 60.0),      # 11:45 → 10:00 next day
    ]
    # Hank Scorpio's second case came two days after his first: a repeat contact
    assert dict(con.execute("select interaction_id, is_repeat from interactions").fetchall())["00001003"] is True


def test_a_resolution_column_wins_over_deriving_one_and_a_mapping_can_derive_another(con, tmp_path):
    with_column = SALESFORCE.replace('"Case Owner"\n', '"Case Owner","Resolution Time"\n', 1).replace(
        '"Support Queue"\n', '"Support Queue","60"\n').replace('"Tier 2"\n', '"Tier 2","120"\n')
    sniffed = sniff_file(write(tmp_path, "cases.csv", with_column))
    assert sniffed.mapping.columns["resolution_seconds"] == "Resolution Time" and not sniffed.mapping.derived
    own = Mapping(kind="interactions", derived={"handle_seconds": {"from": "Date/Time Opened",
                                                                   "to": "Date/Time Closed"}})
    sniffed = sniff_file(write(tmp_path, "cases2.csv", SALESFORCE), mapping=own)
    assert sniffed.mapping.derived == own.derived  # a mapping that derives a duration is left as it says


FIVE9 = ("CALL ID,DATE,TIME,CAMPAIGN,AGENT NAME,ANI,HANDLE TIME,DISPOSITION\n"
         "5F9A001,2024/01/15,14:03:22,Acme Support,Ann Lee,5551234567,0:05:23,Resolved\n"
         "5F9A002,2024/01/15,14:10:02,Acme Support,Bob Ray,5559876543,0:12:01,Transferred\n"
         "5F9A003,2024/01/16,09:00:45,Acme Support,Ann Lee,5551234567,0:03:00,Resolved\n")


def test_a_five9_call_log_joins_date_and_time_and_takes_the_caller_ani_as_the_customer(con, tmp_path):
    result = ingest_file(con, write(tmp_path, "five9.csv", FIVE9),
                         mapping=Mapping(kind="interactions", constants={"provider": "Acme BPO"}))
    assert (result.status, result.rows_loaded) == ("loaded", 3)
    assert rows(con, "interaction_id, occurred_at, account, customer_id, handle_seconds, is_repeat") == [
        ("5F9A001", datetime(2024, 1, 15, 14, 3, 22), "Acme Support", "5551234567", 323.0, False),
        ("5F9A002", datetime(2024, 1, 15, 14, 10, 2), "Acme Support", "5559876543", 721.0, False),
        ("5F9A003", datetime(2024, 1, 16, 9, 0, 45), "Acme Support", "5551234567", 180.0, True),  # 19 h later
    ]


GENESYS = ("Conversation ID,Conversation Start,Media Type,Users - Interacted,Total Handle\n"
           "0a1b-22,2024-02-01T10:00:00.000Z,voice,Ann Lee,325000\n"
           "0a1b-23,2024-02-01T10:05:00.000Z,chat,Bob Ray,605000\n"
           "0a1b-24,2024-02-01T10:09:00.000Z,voice,Bob Ray,125000\n")


def test_milliseconds_without_a_unit_load_with_a_note_and_a_declared_unit_reads_them(con, tmp_path):
    path = write(tmp_path, "genesys.csv", GENESYS)
    unnamed = ingest_file(con, path, mapping=Mapping(kind="interactions", constants=CONSTANTS), dry_run=True)
    assert unnamed.status == "dry-run"
    (note,) = [n for n in unnamed.date_notes if "handle_seconds" in n]
    assert "325,000" in note and '"units": {"handle_seconds": "ms"}' in note  # the median, and the way out
    result = ingest_file(con, path, mapping=Mapping(kind="interactions", constants=CONSTANTS,
                                                    units={"handle_seconds": "ms"}))
    assert (result.status, result.rows_loaded) == ("loaded", 3)
    assert rows(con, "interaction_id, occurred_at, channel, agent_id, handle_seconds") == [
        ("0a1b-22", datetime(2024, 2, 1, 10, 0), "phone", "Ann Lee", 325.0),
        ("0a1b-23", datetime(2024, 2, 1, 10, 5), "chat", "Bob Ray", 605.0),
        ("0a1b-24", datetime(2024, 2, 1, 10, 9), "phone", "Bob Ray", 125.0),
    ]
    assert not any("median" in n for n in result.date_notes)


FRESHDESK = ("Ticket ID,Created time,Source,Agent,Talk Time (min),Wait Time ms,Satisfaction\n"
             "1,2024-02-01 10:00,Phone,Ann,5.5,1000,Very satisfied\n"
             "2,2024-02-01 11:00,Portal,Ann,1:30,2000,Neutral\n"
             "3,2024-02-02 11:00,Email,Bob,,,Dissatisfied\n"
             "4,2024-02-02 12:00,Email,Bob,2,,Not rated\n")


def test_a_unit_in_the_header_is_read_and_clock_values_stay_durations(con, tmp_path):
    result = ingest_file(con, write(tmp_path, "freshdesk.csv", FRESHDESK),
                         mapping=Mapping(kind="interactions", constants=CONSTANTS))
    assert (result.status, result.rows_loaded, result.values_rejected) == ("loaded", 4, 0)
    # 5.5 min = 330 s, 1:30 is 90 s as written, 2 min = 120 s; 1,000 ms = 1 s; Likert wording: very satisfied 5,
    # neutral 3, dissatisfied 2, not rated none
    assert rows(con, "interaction_id, channel, handle_seconds, wait_seconds, csat") == [
        ("1", "phone", 330.0, 1.0, 5.0), ("2", "web", 90.0, 2.0, 3.0), ("3", "email", None, None, 2.0),
        ("4", "email", 120.0, None, None)]
    assert "Wait times (column 'Wait Time ms') are read in milliseconds, stored in seconds" in result.date_notes


def test_a_poor_to_excellent_scale_reads_good_as_three(con, tmp_path):
    text = ("call id,date,provider,rating\n1,2024-01-02,A,Excellent\n2,2024-01-02,A,Good\n3,2024-01-03,A,Poor\n"
            "4,2024-01-03,A,very good\n5,2024-01-04,A,Fair\n")
    result = ingest_file(con, write(tmp_path, "survey.csv", text))
    assert (result.status, result.rows_loaded, result.values_rejected) == ("loaded", 5, 0)
    assert rows(con, "interaction_id, csat") == [("1", 5.0), ("2", 3.0), ("3", 1.0), ("4", 4.0), ("5", 2.0)]


def test_a_words_recode_in_the_mapping_wins_over_the_built_in_wording(con, tmp_path):
    text = "call id,date,provider,csat\n1,2024-01-02,A,Good\n2,2024-01-02,A,Bad\n"
    mapping = Mapping(kind="interactions", recode={"csat": {"Good": "4", "Bad": "2"}})
    assert ingest_file(con, write(tmp_path, "own.csv", text), mapping=mapping).status == "loaded"
    assert rows(con, "interaction_id, csat") == [("1", 4.0), ("2", 2.0)]


@pytest.mark.parametrize("units, message", [({"csat": "ms"}, "duration fields"),
                                            ({"handle_seconds": "fortnights"}, "ms, seconds, minutes")])
def test_a_unit_outside_durations_or_unknown_is_refused_with_the_choices(units, message):
    with pytest.raises(IngestError, match=message):
        Mapping(kind="interactions", units=units)


def test_units_round_trip_through_the_mapping_json():
    mapping = Mapping(kind="interactions", units={"wait_seconds": "minutes"})
    assert Mapping.from_json(mapping.to_json()) == mapping


GERMAN = ("Datum;Uhrzeit;Kanal;Dienstleister;Kunde;Bearbeitungszeit (Sek.);Zufriedenheit;Gelöst\n"
          "15.01.2024;14:03;Telefon;Callcenter Nord;K-1001;323,5;4;ja\n"
          "15.01.2024;15:10;E-Mail;Callcenter Nord;K-1002;1.201,0;2;nein\n"
          "16.01.2024;09:00;Chat;Callcenter Süd;K-1001;180;5;ja\n")


def test_a_german_export_in_windows_1252_maps_its_headers_and_reads_its_values(con, tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(GERMAN.encode("cp1252"))
    sniffed = sniff_file(path)
    assert (sniffed.kind, sniffed.delimiter) == ("interactions", ";")
    assert sniffed.mapping.columns == {
        "occurred_at": "Datum", "occurred_time": "Uhrzeit", "provider": "Dienstleister", "channel": "Kanal",
        "customer_id": "Kunde", "handle_seconds": "Bearbeitungszeit (Sek.)", "resolved_first_contact": "Gelöst",
        "csat": "Zufriedenheit"}
    result = ingest_file(con, path)
    assert (result.status, result.rows_loaded, result.rows_rejected) == ("loaded", 3, 0)
    # day-first (15 > 12), decimal commas with dot thousands, ja/nein
    assert con.execute("select occurred_at, provider, channel, customer_id, handle_seconds, csat, "
                       "resolved_first_contact from interactions order by occurred_at").fetchall() == [
        (datetime(2024, 1, 15, 14, 3), "Callcenter Nord", "phone", "K-1001", 323.5, 4.0, True),
        (datetime(2024, 1, 15, 15, 10), "Callcenter Nord", "email", "K-1002", 1201.0, 2.0, False),
        (datetime(2024, 1, 16, 9, 0), "Callcenter Süd", "chat", "K-1001", 180.0, 5.0, True),
    ]


INTERCOM = ("sep=,\n"  # Excel's delimiter hint above the header
            "Conversation ID,Created at (UTC),Conversation rating,Time to first response (seconds),Talk time\n"
            "c1,2024-01-02 10:00:00,Amazing,120,5m 23s\n"
            "c2,2024-01-02T11:00:00Z,OK,30,1h 2m\n"
            "c3,2024-01-03 11:00:00,Bad,,45 sec\n"
            "c4,2024-01-03 12:00:00,Terrible,,2 hours 3 minutes\n"
            "c5,2024-01-03 13:00:00,Great,,1d 4h\n"
            "c6,2024-01-03 14:00:00,,,1.5 min\n"
            "c7,2024-01-03 15:00:00,,,5 parsecs\n")


def test_an_intercom_export_with_a_utc_header_emoji_ratings_and_durations_in_words(con, tmp_path, monkeypatch):
    monkeypatch.setenv("RAPPORT_TZ", "America/New_York")
    result = ingest_file(con, write(tmp_path, "intercom.csv", INTERCOM),
                         mapping=Mapping(kind="interactions", constants=CONSTANTS))
    assert (result.status, result.rows_loaded, result.rows_rejected, result.values_rejected) == ("loaded", 7, 0, 1)
    # the header says UTC: naive values are UTC, as is 11:00Z; New York is UTC−5 in January
    assert rows(con, "interaction_id, occurred_at, csat, wait_seconds, handle_seconds") == [
        ("c1", datetime(2024, 1, 2, 5, 0), 5.0, 120.0, 5 * 60 + 23.0),
        ("c2", datetime(2024, 1, 2, 6, 0), 3.0, 30.0, 3600 + 2 * 60.0),
        ("c3", datetime(2024, 1, 3, 6, 0), 2.0, None, 45.0),
        ("c4", datetime(2024, 1, 3, 7, 0), 1.0, None, 2 * 3600 + 3 * 60.0),
        ("c5", datetime(2024, 1, 3, 8, 0), 4.0, None, 86400 + 4 * 3600.0),
        ("c6", datetime(2024, 1, 3, 9, 0), None, None, 90.0),
        ("c7", datetime(2024, 1, 3, 10, 0), None, None, None),  # not a duration: its value is rejected
    ]
    assert [(line, value) for line, _, value, _, _ in result.reject_rows] == [(9, "5 parsecs")]


def test_a_column_without_a_zone_in_its_header_is_read_in_the_reporting_zone(con, tmp_path, monkeypatch):
    monkeypatch.setenv("RAPPORT_TZ", "America/New_York")
    text = "call id,start time,provider,aht\n1,2024-01-02 10:00:00,A,60\n2,2024-01-02T10:00:00Z,A,60\n"
    assert ingest_file(con, write(tmp_path, "local.csv", text)).status == "loaded"
    assert rows(con, "interaction_id, occurred_at") == [("1", datetime(2024, 1, 2, 10, 0)),
                                                        ("2", datetime(2024, 1, 2, 5, 0))]


SCORECARD = ('Month,Vendor,Program,AHT (sec),Service Level %,Quality Score,Attrition %,CSAT %,FCR %,Calls Handled,'
             'Cost per Resolution ($)\n'
             'Jan-2024,Acme BPO,Globex Care,412,82.5%,91,38%,84%,71%,"12,450",$5.10\n'
             'Feb-2024,Acme BPO,Globex Care,398,85.1%,92,35%,86%,73%,"11,980",$4.95\n')


def test_a_provider_scorecard_with_signs_in_its_headers_maps_every_kpi(con, tmp_path):
    result = ingest_file(con, write(tmp_path, "scorecard.csv", SCORECARD))
    assert (result.kind, result.status, result.rows_loaded) == ("performance", "loaded", 2)
    assert con.execute(
        "select period, sla_attainment, agent_attrition, reported_csat_pct, reported_fcr, reported_aht_seconds, "
        "contacts_handled, cost_per_resolution, quality_score from performance order by period").fetchall() == [
        (datetime(2024, 1, 1).date(), 0.825, 0.38, 0.84, 0.71, 412.0, 12450.0, 5.10, 91.0),
        (datetime(2024, 2, 1).date(), 0.851, 0.35, 0.86, 0.73, 398.0, 11980.0, 4.95, 92.0),
    ]


REGISTER = ('Vendor,Client,Relationship Type,Contract Start Date,Contract End Date\n'
            'Acme BPO,Globex Care,Strategic Partnership,01/02/2023,12/31/2025\n'
            'Beta Services,Initech Support,Vendor,07/01/2023,\n')


def test_a_date_column_that_fits_both_orders_takes_the_order_its_file_proves_elsewhere(con, tmp_path):
    result = ingest_file(con, write(tmp_path, "register.csv", REGISTER))
    assert (result.kind, result.status, result.rows_loaded) == ("engagements", "loaded", 2)
    assert result.date_notes == ()  # 12/31/2025 proves month-first: nothing left ambiguous
    assert con.execute("select provider, relationship_model, contract_start, contract_end from engagements "
                       "order by provider").fetchall() == [
        ("Acme BPO", "partnership", datetime(2023, 1, 2).date(), datetime(2025, 12, 31).date()),
        ("Beta Services", "transactional", datetime(2023, 7, 1).date(), None)]
    # alone, the start dates could be read either way: month-first, and said so
    alone = write(tmp_path, "starts.csv", "Vendor,Client,Relationship Type,Contract Start Date\n"
                                          "Acme BPO,Globex Care,Partnership,01/02/2023\n")
    assert any("day-first and month-first" in n for n in ingest_file(con, alone, dry_run=True).date_notes)


NAMED_DATES = ("Case Number,Opened,Closed,Account Name,Handle Time\n"
               '1,"January 15, 2024 2:03 PM","Jan. 16, 2024 9:00 AM",Globex,60\n'
               '2,"Monday, January 22, 2024","22-Jan-2024 17:30",Globex,60\n'
               "3,15 Feb 2024 14:03,2024/02/15 4:03:30 PM,Globex,60\n")


def test_dates_with_month_names_weekdays_and_twelve_hour_clocks_are_read(con, tmp_path):
    path = write(tmp_path, "report.csv", NAMED_DATES)
    assert "Month DD, YYYY" in sniff_file(path).date_formats["occurred_at"]
    result = ingest_file(con, path)
    assert (result.status, result.rows_loaded, result.rows_rejected, result.values_rejected) == ("loaded", 3, 0, 0)
    assert rows(con, "interaction_id, occurred_at, resolution_seconds") == [
        ("1", datetime(2024, 1, 15, 14, 3), 18 * 3600 + 57 * 60.0),   # 2:03 PM → 9:00 AM the next day
        ("2", datetime(2024, 1, 22, 0, 0), 17.5 * 3600),             # midnight → 17:30
        ("3", datetime(2024, 2, 15, 14, 3), 2 * 3600 + 30.0),          # 14:03 → 4:03:30 PM
    ]


def test_a_bare_closed_header_derives_only_when_it_holds_dates_and_a_mapping_can_turn_deriving_off(tmp_path):
    flag = write(tmp_path, "flag.csv", "id,opened,closed,provider,aht\n1,2024-01-02 10:00,yes,A,60\n")
    dates = write(tmp_path, "dates.csv", "id,opened,closed,provider,aht\n1,2024-01-02 10:00,2024-01-03 10:00,A,60\n")
    assert sniff_file(flag).mapping.derived == {}
    assert sniff_file(dates).mapping.derived == {"resolution_seconds": {"from": "opened", "to": "closed"}}
    off = Mapping(kind="interactions", auto_derive=False)
    assert sniff_file(dates, mapping=off).mapping.derived == {}
    assert Mapping.from_json(off.to_json()) == off and '"auto_derive": false' in off.to_json()


PAGES = ("pages/overview.py", "pages/trends.py", "pages/health.py", "pages/insight.py", "pages/premium.py",
         "pages/qbr.py", "pages/data.py")


@pytest.fixture(scope="module")
def platforms_database(tmp_path_factory):
    """One database holding every platform export above, each loaded as a user would (constants where the export
    names no provider or account)."""
    from analytics import db

    folder = tmp_path_factory.mktemp("platforms")
    path = folder / "rapport.duckdb"
    named = Mapping(kind="interactions", constants=CONSTANTS)
    loads = [("zendesk.csv", ZENDESK, named), ("cases.csv", SALESFORCE, None), ("five9.csv", FIVE9,
             Mapping(kind="interactions", constants={"provider": "Acme BPO"})),
             ("genesys.csv", GENESYS, Mapping(kind="interactions", constants=CONSTANTS, units={"handle_seconds": "ms"})),
             ("freshdesk.csv", FRESHDESK, named), ("intercom.csv", INTERCOM, named), ("report.csv", NAMED_DATES, None),
             ("scorecard.csv", SCORECARD, None), ("register.csv", REGISTER, None)]
    con = db.connect(path)
    try:
        statuses = {name: ingest_file(con, write(folder, name, text), mapping=mapping).status
                    for name, text, mapping in loads}
        german = folder / "german.csv"
        german.write_bytes(GERMAN.encode("cp1252"))
        statuses["german.csv"] = ingest_file(con, german).status
    finally:
        con.close()
    return path, statuses


def test_every_platform_export_loads_into_one_database(platforms_database):
    _, statuses = platforms_database
    assert set(statuses.values()) == {"loaded"}, statuses


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_on_the_platform_exports_together(platforms_database, page, monkeypatch):
    from tests.builders import app_test

    path, _ = platforms_database
    monkeypatch.setenv("RAPPORT_DB", str(path))
    at = app_test()
    at.switch_page(page)
    at.run()
    problems = [f"exception: {e.value}" for e in at.exception] + [f"error: {e.value}" for e in at.error]
    assert problems == [], f"{page}: {problems}"


PIVOTED = ("Acme BPO scorecard\n"
           "Metric,Target,Jan-24,Feb-24,Mar-24\n"
           "AHT (sec),400,412,398,405\n"
           "Service Level %,80%,82.5%,85.1%,n/a?\n"
           "Quality Score,90,91,92,abc\n")


def test_a_scorecard_with_months_across_loads_one_row_per_month_and_rejects_name_the_cell(con, tmp_path):
    path = write(tmp_path, "deck.csv", PIVOTED)
    sniffed = sniff_file(path)
    assert sniffed.kind == "performance" and sniffed.columns == ("Month", "AHT (sec)", "Service Level %",
                                                                 "Quality Score")
    assert any("months across the columns" in w for w in sniffed.warnings)
    mapping = Mapping(kind="performance", constants=CONSTANTS)
    dry = ingest_file(con, path, mapping=mapping, dry_run=True)
    result = ingest_file(con, path, mapping=mapping)
    assert (result.status, result.rows_loaded, result.values_rejected) == ("loaded", 3, 2)
    # the Target column is not a month: left out
    assert con.execute("select period, reported_aht_seconds, sla_attainment, quality_score from performance "
                       "order by period").fetchall() == [
        (datetime(2024, 1, 1).date(), 412.0, 0.825, 91.0), (datetime(2024, 2, 1).date(), 398.0, 0.851, 92.0),
        (datetime(2024, 3, 1).date(), 405.0, None, None)]
    # each reject where the value stands in the file as given: the KPI's line, the month's column
    placed = [(4, "Mar-24", "n/a?"), (5, "Mar-24", "abc")]
    assert sorted((line, column, value) for line, column, value, _, _ in result.reject_rows) == placed
    assert sorted((line, column, value) for line, column, value, _, _ in dry.reject_rows) == placed
    assert con.execute('select line, "column", value from rejects order by line').fetchall() == placed


def test_a_table_with_dates_for_headers_but_no_kpi_rows_is_not_turned_round(con, tmp_path):
    text = "Team,2024-01-01,2024-01-02\nNorth,5,6\nSouth,7,8\n"
    result = ingest_file(con, write(tmp_path, "roster.csv", text))
    assert result.status == "failed" and "could not tell whether this is" in result.message
    assert sniff_file(write(tmp_path, "roster2.csv", text)).columns == ("Team", "2024-01-01", "2024-01-02")


def test_a_quarterly_scorecard_is_refused_saying_the_scorecards_are_monthly(con, tmp_path):
    text = "Quarter,Vendor,Program,AHT (sec),Quality Score\nQ1 2024,Acme,Globex,412,91\nQ2 2024,Acme,Globex,398,92\n"
    result = ingest_file(con, write(tmp_path, "quarterly.csv", text))
    assert result.status == "failed"
    assert "column 'Quarter' holds quarters, and scorecards are read one row per month" in result.message
    assert con.execute("select count(*) from performance").fetchone() == (0,)
