"""The bad-input corpus: nothing crashes, nothing half-loads, every problem is located."""
from __future__ import annotations

from pathlib import Path

import pytest

from analytics.contracts import KINDS
from analytics.export import csv_bytes
from analytics.ingest import ingest_file, sniff_file

CORPUS = Path(__file__).resolve().parent / "corpus"
FILES = sorted(p.name for p in CORPUS.glob("*.csv"))

# file -> (status, rows_loaded, rows_rejected) worked out by reading each file by hand. A bad optional
# measure rejects the value, not the row: VALUES_REJECTED below counts those cells.
EXPECTED = {
    "empty.csv": ("failed", 0, 0),
    "binary.csv": ("failed", 0, 0),
    "header_only.csv": ("failed", 0, 0),
    "only_blank_lines.csv": ("failed", 0, 0),
    "not_a_table.csv": ("failed", 0, 0),
    "html_disguised.csv": ("failed", 0, 0),
    "wrong_delimiter.csv": ("failed", 0, 0),
    "unknown_kind.csv": ("failed", 0, 0),
    "missing_measure.csv": ("failed", 0, 0),
    "missing_provider.csv": ("failed", 0, 0),
    "impossible_dates.csv": ("loaded", 1, 2),
    "out_of_range_scores.csv": ("loaded", 4, 0),
    "formula_injection.csv": ("loaded", 2, 0),
    "script_tag.csv": ("loaded", 1, 0),
    "duplicate_headers.csv": ("loaded", 1, 0),
    "blank_headers.csv": ("loaded", 2, 0),
    "ragged_rows.csv": ("loaded", 2, 2),
    # line 3 opens a quote that never closes: DuckDB would read line 4 (A3) into that value and A3 would vanish
    # (3 rows written, 2 accounted for), so the file is refused naming line 3
    "unterminated_quote.csv": ("failed", 0, 0),
    "future_dates.csv": ("loaded", 1, 1),
    "negative_durations.csv": ("loaded", 3, 0),
    "utf16.csv": ("loaded", 1, 0),
    "cp1252_euro.csv": ("loaded", 2, 0),
    "mixed_encodings.csv": ("loaded", 2, 0),
    "latin1_undefined_cp1252.csv": ("loaded", 1, 0),
    "bom_utf8.csv": ("loaded", 1, 0),
    "engagements_bad.csv": ("loaded", 1, 3),
    "performance_bad_percent.csv": ("loaded", 3, 0),
    "preamble_lines.csv": ("loaded", 1, 1),
    "bad_booleans.csv": ("loaded", 2, 0),
}
# csat -1, nps 12, ces 9 | aht -30, wait -1 | sla 150 %, attrition -4 % | fcr "maybe"
VALUES_REJECTED = {"out_of_range_scores.csv": 3, "negative_durations.csv": 2, "performance_bad_percent.csv": 2,
                   "bad_booleans.csv": 1}


def row_counts(con) -> dict[str, int]:
    return {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in (*KINDS, "rejects", "batches")}


def test_the_corpus_has_at_least_twenty_files_and_all_are_expected():
    assert len(FILES) >= 20 and set(FILES) == set(EXPECTED)


@pytest.mark.parametrize("name", FILES)
def test_bad_input_never_crashes_or_half_loads(con, name):
    before = row_counts(con)
    result = ingest_file(con, CORPUS / name)
    after = row_counts(con)
    status, loaded, rejected = EXPECTED[name]
    assert (result.status, result.rows_loaded, result.rows_rejected) == (status, loaded, rejected), result.message
    assert result.values_rejected == VALUES_REJECTED.get(name, 0), result.message
    if result.status == "failed":
        assert after == before
        assert name in result.message
    else:
        assert after[result.kind] == before[result.kind] + result.rows_loaded
        assert after["rejects"] - before["rejects"] >= result.rows_rejected
        assert result.rows_read == result.rows_loaded + result.rows_rejected + result.rows_duplicate
        stored = con.execute('select file_name, line, "column", reason from rejects where batch_id = ?',
                             [result.batch_id]).fetchall()
        assert all(f == name and line and line >= 2 and column and reason for f, line, column, reason in stored)
    if name in SPECIFIC:
        SPECIFIC[name](con, result)


# What a file shows beyond the counts, checked on the load the test above makes (one ingest per file).

def an_unterminated_quote_is_refused_naming_its_line(con, result):
    assert result.message.startswith("In file 'unterminated_quote.csv', row 3: a quoted field opened on this line "
                                     "is never closed"), result.message


def reject_lines_point_at_the_physical_line(con, result):
    assert result.rejects.to_dict("records") == [
        {"line": 5, "column": "date", "value": "oops", "reason": "could not read the value as a date/time for "
                                                                  "occurred_at", "scope": "row"}]


def cp1252_files_are_decoded_not_mangled(con, result):
    assert result.to_dict()["status"] == "loaded"
    rows = con.execute("select provider, cost from interactions order by interaction_id").fetchall()
    assert rows == [("Café Ltd", 3.5), ("Café Ltd", 1204.0)]


def utf16_files_are_decoded_not_mangled(con, result):
    assert con.execute("select provider, contact_reason from interactions").fetchall() == [
        ("Zürich Calls", "Rückruf")]


def formula_cells_are_stored_verbatim_and_neutralised_on_export(con, result):
    frame = con.execute("select interaction_id, contact_reason from interactions order by interaction_id").df()
    assert frame.loc[0, "contact_reason"].startswith("=HYPERLINK")
    exported = csv_bytes(frame).decode("utf-8")
    assert "'=HYPERLINK" in exported and "'+cmd|calc" in exported


def duplicate_headers_keep_the_first_column_and_rename_the_others_visibly(con, result):
    sniffed = sniff_file(CORPUS / "duplicate_headers.csv")
    assert any("duplicate header" in w for w in sniffed.warnings)
    assert len(set(sniffed.columns)) == len(sniffed.columns) == len(sniffed.preview.columns)
    assert con.execute("select csat from interactions").fetchone() == (4.0,)


SPECIFIC = {"unterminated_quote.csv": an_unterminated_quote_is_refused_naming_its_line,
            "preamble_lines.csv": reject_lines_point_at_the_physical_line,
            "cp1252_euro.csv": cp1252_files_are_decoded_not_mangled,
            "utf16.csv": utf16_files_are_decoded_not_mangled,
            "formula_injection.csv": formula_cells_are_stored_verbatim_and_neutralised_on_export,
            "duplicate_headers.csv": duplicate_headers_keep_the_first_column_and_rename_the_others_visibly}


def test_every_file_specific_check_names_a_corpus_file():
    assert set(SPECIFIC) <= set(FILES)
