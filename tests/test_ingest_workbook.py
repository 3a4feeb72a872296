"""Excel workbooks (.xlsx) as providers send them: the data sheet found and read as its CSV export would be, with the
sheet's row numbers as the rejects' lines. The workbooks are written here with openpyxl; every expected value is
worked out by hand from the cells written."""
from __future__ import annotations

import zipfile
from datetime import date, datetime, time, timedelta

import openpyxl
import pytest

from analytics.ingest import ingest_file, sniff_file


def scorecard_book(path, *, notes_sheet: bool = True):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Scorecard"
    sheet.append(["Acme BPO monthly scorecard (generated 2024-03-01)"])
    sheet.append([])
    sheet.append(["Month", "Vendor", "Program", "Service Level %", "Quality Score", "AHT (sec)", "Calls Handled"])
    sheet.append([date(2024, 1, 1), "Acme BPO", "Globex Care", 0.825, 91, 412.0, 12450])
    sheet.append([date(2024, 2, 1), "Acme BPO", "Globex Care", 0.851, 92, 398.5, 11980])
    for row in (4, 5):
        sheet.cell(row, 4).number_format = "0.0%"
    if notes_sheet:
        notes = book.create_sheet("Notes")
        notes.append(["Comment", "Owner"])
        notes.append(["Attrition spiked in January", "Ops"])
    book.save(path)
    return path


def test_a_scorecard_workbook_skips_its_title_reads_typed_cells_and_names_the_sheet_it_read(con, tmp_path):
    path = scorecard_book(tmp_path / "scorecard.xlsx")
    sniffed = sniff_file(path)
    assert (sniffed.kind, sniffed.header_line) == ("performance", 3)
    assert any("sheet 'Scorecard' was read (not 'Notes')" in w for w in sniffed.warnings)
    result = ingest_file(con, path)
    assert (result.status, result.rows_loaded, result.rows_rejected) == ("loaded", 2, 0)
    assert any("'Scorecard' was read" in note for note in result.date_notes)
    assert con.execute("select period, provider, account, sla_attainment, quality_score, reported_aht_seconds, "
                       "contacts_handled from performance order by period").fetchall() == [
        (date(2024, 1, 1), "Acme BPO", "Globex Care", 0.825, 91.0, 412.0, 12450.0),
        (date(2024, 2, 1), "Acme BPO", "Globex Care", 0.851, 92.0, 398.5, 11980.0),
    ]


def test_an_interactions_workbook_reads_dates_times_and_durations_and_rejects_on_the_sheet_row(con, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Call ID", "Call Start", "Vendor", "Handle Time", "Talk Time", "Resolved", "CSAT", "Notes"])
    sheet.append(["C1", datetime(2024, 1, 15, 14, 3, 22), "Acme", timedelta(minutes=5, seconds=23), None, True, 5,
                  "first call"])
    # a start that Excel stored as a day fraction one microsecond short of 09:00:00
    sheet.append(["C2", datetime(2024, 1, 16, 8, 59, 59, 999999), "Acme", time(0, 12, 1), None, False, 2])
    sheet.append([])  # an empty row inside the data: kept as an empty line, so the sheet's row numbers hold
    sheet.append(["C3", "not a date", "Acme", 60, None, True, 4])
    sheet.append([1001, datetime(2024, 1, 17, 10, 0), "Acme", 30.5, None, None, None])
    book.save(tmp_path / "calls.xlsx")
    result = ingest_file(con, tmp_path / "calls.xlsx")
    assert (result.status, result.rows_loaded, result.rows_rejected) == ("loaded", 3, 1)
    # row 5 of the sheet: its start is not a date
    assert [(line, column, value) for line, column, value, _, _ in result.reject_rows] == \
        [(5, "Call Start", "not a date")]
    assert con.execute("select interaction_id, occurred_at, handle_seconds, resolved_first_contact, csat "
                       "from interactions order by 1").fetchall() == [
        ("1001", datetime(2024, 1, 17, 10, 0), 30.5, None, None),
        ("C1", datetime(2024, 1, 15, 14, 3, 22), 323.0, True, 5.0),
        ("C2", datetime(2024, 1, 16, 9, 0, 0), 721.0, False, 2.0),
    ]


def test_a_workbook_without_data_or_a_damaged_one_is_refused_with_a_sentence(con, tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["Call ID", "Call Start", "Vendor", "Handle Time"])
    book.save(tmp_path / "header_only.xlsx")
    result = ingest_file(con, tmp_path / "header_only.xlsx")
    assert result.status == "failed" and "no sheet with a header row and data rows" in result.message
    with zipfile.ZipFile(tmp_path / "damaged.xlsx", "w") as archive:
        archive.writestr("xl/workbook.xml", "<not really a workbook")
    result = ingest_file(con, tmp_path / "damaged.xlsx")
    assert result.status == "failed" and "the workbook cannot be read" in result.message
    assert "CSV UTF-8" in result.message
    with zipfile.ZipFile(tmp_path / "export.zip", "w") as archive:
        archive.writestr("export.csv", "call id,date,provider,aht\n1,2024-01-02,A,60\n")
    result = ingest_file(con, tmp_path / "export.zip")
    assert result.status == "failed" and "ZIP archive" in result.message and "unzip it" in result.message
    assert con.execute("select count(*) from batches").fetchone() == (0,)


def test_the_same_workbook_twice_is_skipped_and_a_one_sheet_workbook_has_no_sheet_note(con, tmp_path):
    path = scorecard_book(tmp_path / "one.xlsx", notes_sheet=False)
    first = ingest_file(con, path)
    assert first.status == "loaded" and not any("sheet" in note for note in first.date_notes)
    assert ingest_file(con, path).status == "skipped"


@pytest.mark.parametrize("value, text", [(None, ""), (True, "TRUE"), (12450.0, "12450"), (0.825, "0.825"),
                                         (date(2024, 1, 1), "2024-01-01"),
                                         (datetime(2024, 1, 1, 0, 0), "2024-01-01"),
                                         (datetime(2024, 1, 1, 9, 30, 0, 500000), "2024-01-01 09:30:00.500"),
                                         (time(9, 5, 7), "09:05:07"), (timedelta(hours=26, seconds=3), "26:00:03")])
def test_each_cell_is_written_as_an_export_writes_it(value, text):
    from analytics.ingest.workbook import _text

    assert _text(value) == text


def test_formulas_never_calculated_are_said_to_load_empty(con, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Call ID", "Call Start", "Vendor", "Handle Time"])
    sheet.append(["C1", "=DATE(2024,1,2)", "Acme", "=60*5"])  # openpyxl writes formulas, never their values
    sheet.append(["C2", datetime(2024, 1, 3, 9, 0), "Acme", 240])
    book.save(tmp_path / "formulas.xlsx")
    result = ingest_file(con, tmp_path / "formulas.xlsx")
    assert (result.status, result.rows_loaded, result.rows_rejected) == ("loaded", 1, 1)
    (note,) = [n for n in result.date_notes if "formula" in n]
    assert note.startswith("2 formula cells of sheet 'Sheet' have no saved value") and "save it" in note
    assert [(line, column) for line, column, _, _, _ in result.reject_rows] == [(2, "Call Start")]
