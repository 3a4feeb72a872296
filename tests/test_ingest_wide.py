"""Wide and long files end with a clear result: too many columns refused before any per-column work (load and
Data-page preview alike), the widest accepted file loads, and millions of blank lines keep physical line numbers.
The files are generated here, bounded in size; the tests assert the result, never the time."""
from __future__ import annotations

import pytest

from analytics import limits
from analytics.ingest import IngestError, ingest_file, sniff_file

BASE = ["call id", "date", "provider", "aht"]


def wide_file(tmp_path, n_columns: int, rows: int = 5):
    """An interactions export with `n_columns` columns: the four it needs, then unused `extra N` columns."""
    extra = n_columns - len(BASE)
    lines = [",".join(BASE + [f"extra {i}" for i in range(extra)])]
    lines += [",".join([str(r), f"2024-01-{r + 1:02d}", "Acme", str(60 + r)] + ["x"] * extra) for r in range(rows)]
    path = tmp_path / f"wide_{n_columns}.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_20000_column_file_is_refused_with_the_documented_limit(con, tmp_path):
    path = wide_file(tmp_path, 20_000)
    result = ingest_file(con, path)
    assert result.status == "failed"
    assert "20,000 columns, more than the 2,000 Rapport reads" in result.message
    assert con.execute("select count(*) from batches").fetchone() == (0,)
    # the Data page's preview path (sniff_file) refuses it too, before header names, kind scores or a preview
    with pytest.raises(IngestError, match="more than the 2,000"):
        sniff_file(path)


def test_the_widest_accepted_file_loads_and_one_column_more_is_refused(con, tmp_path):
    assert limits.MAX_COLUMNS == 2_000
    result = ingest_file(con, wide_file(tmp_path, limits.MAX_COLUMNS))
    assert (result.status, result.rows_loaded, result.rows_rejected) == ("loaded", 5, 0)
    assert con.execute("select list(handle_seconds order by interaction_id) from interactions").fetchone() == (
        [60.0, 61.0, 62.0, 63.0, 64.0],)
    wider = ingest_file(con, wide_file(tmp_path, limits.MAX_COLUMNS + 1))
    assert wider.status == "failed" and "2,001 columns" in wider.message


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["LF", "CRLF"])
def test_three_million_blank_lines_keep_physical_line_numbers(con, tmp_path, newline):
    blank = 3_000_000
    text = newline.join(["call id,date,provider,aht", "1,2024-01-01,A,60"]) + newline * (blank + 1) + newline.join(
        ["2,2024-01-02,A,70", "3,not a date,A,80", ""])
    path = tmp_path / "blank.csv"
    path.write_bytes(text.encode("utf-8"))
    result = ingest_file(con, path)
    # header = line 1, row 1 = line 2, the blank lines 3 … 3,000,002, then rows on 3,000,003 and 3,000,004
    assert (result.status, result.rows_read, result.rows_loaded, result.rows_rejected) == ("loaded", 3, 2, 1)
    assert list(result.rejects["line"]) == [blank + 4]


def test_blank_lines_before_the_header_are_counted(con, tmp_path):
    lead = 100_000
    path = tmp_path / "lead.csv"
    path.write_text("\n" * lead + "call id,date,provider,aht\n1,2024-01-01,A,60\n2,never,A,70\n", encoding="utf-8")
    assert sniff_file(path).header_line == lead + 1
    result = ingest_file(con, path)
    assert (result.rows_loaded, result.rows_rejected) == (1, 1)
    assert list(result.rejects["line"]) == [lead + 3]
