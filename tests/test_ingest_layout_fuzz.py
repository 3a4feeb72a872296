"""Layout fuzz: preambles (one with a quoted newline), quoted newlines, blank lines, NUL bytes, ragged rows and
unterminated quotes, in any order. The assertion is the accounting invariant: every data record written is
read, and rows read = loaded + rejected + duplicate + collapsed; rejected rows carry their physical line; or
the file is refused with a sentence naming it and the database is unchanged. RAPPORT_SOAK=1 runs many more.
"""
from __future__ import annotations

import os

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from analytics.ingest import ingest_file
from tests.recorded_state import emptied_database

# Each example is a whole ingest (about 0.4 CPU s) into one database brought back to empty before it; deadline
# and health checks come from the suite's hypothesis profile (tests/conftest.py).
SETTINGS = settings(max_examples=1000 if os.environ.get("RAPPORT_SOAK") == "1" else 20)

PIECES = ["good", "good", "good", "multiline", "blank", "blanks", "ragged_more", "ragged_less", "bad_date", "nul"]
PREAMBLES = {"none": "", "title": "Rapport layout export\n", "quoted": '"Rapport layout\nexport",made today\n\n'}


def _render(pieces: list[str], preamble: str, unterminated_at: int | None) -> tuple[str, int, set[int], set[int]]:
    """(file text, data records written, physical lines that must be rejected, lines that may be)."""
    # two well-formed rows first, as every real export has: with fewer, a title row can pass for the header
    text = PREAMBLES[preamble] + "call id,call start,vendor,aht\nA1,2023-05-01 08:00,Acme,60\nA2,2023-05-02 08:00,Acme,60\n"
    line = text.count("\n") + 1  # physical line of the next record
    records, must, may = 2, set(), set()
    for i, piece in enumerate(pieces):
        when = f"2024-{1 + i % 12:02d}-{1 + i % 28:02d} 09:00"
        if unterminated_at == i:
            text += f'U{i},{when},"Acme,300\n'  # the quote never closes
            records, line = records + 1, line + 1
            continue
        if piece == "blank":
            text, line = text + "\n", line + 1
            continue
        if piece == "blanks":
            text, line = text + "\n\n\n", line + 3
            continue
        row = {"good": f"C{i},{when},Acme,300\n",
               "multiline": f'C{i},{when},"Acme\nWest",300\n',
               "ragged_more": f"C{i},{when},Acme,300,extra\n",
               "ragged_less": f"C{i},{when}\n",
               "bad_date": f"C{i},never,Acme,300\n",
               "nul": f"C{i},{when},Ac\x00me,300\n"}[piece]
        if piece in ("ragged_more", "ragged_less", "bad_date"):
            must.add(line)
        if piece == "nul":
            may.add(line)
        text += row
        records, line = records + 1, line + row.count("\n")
    return text, records, must, may


@pytest.fixture(scope="module")
def empty():
    """One database for the module's examples, emptied before each (`empty()` returns it)."""
    yield from emptied_database()


@SETTINGS
# found by this test: a quoted two-field preamble and two short rows tied the table's width and won the header
@example(pieces=["ragged_less", "ragged_less"], preamble="quoted", unterminated=None)
# found by this test: rows with an extra field outnumbering the well-formed ones made a data row the header
@example(pieces=["ragged_more"] * 3, preamble="none", unterminated=None)
@example(pieces=["ragged_more"] * 7 + ["good"], preamble="title", unterminated=None)
@example(pieces=["ragged_less"] * 3, preamble="quoted", unterminated=None)
@given(pieces=st.lists(st.sampled_from(PIECES), min_size=1, max_size=25),
       preamble=st.sampled_from(sorted(PREAMBLES)), unterminated=st.one_of(st.none(), st.integers(0, 24)))
def test_every_data_record_is_accounted_for_whatever_the_layout(tmp_path_factory, empty, pieces, preamble,
                                                               unterminated):
    unterminated_at = unterminated if unterminated is not None and unterminated < len(pieces) else None
    text, records, must, may = _render(pieces, preamble, unterminated_at)
    path = tmp_path_factory.mktemp("layout") / "layout.csv"
    path.write_bytes(text.encode("utf-8"))
    con = empty()
    result = ingest_file(con, path)
    if result.status == "failed":
        assert "'layout.csv'" in result.message, result.message
        # refused only for a quote that swallows later lines, or for NUL bytes (a binary file)
        assert ((unterminated_at is not None and "never closed" in result.message)
                or ("nul" in pieces and "binary file" in result.message)), result.message
        assert con.execute("select count(*) from batches").fetchone() == (0,)
        assert con.execute("select count(*) from interactions").fetchone() == (0,)
        return
    assert result.rows_read == records, (result.rows_read, records, text)
    assert result.rows_read == (result.rows_loaded + result.rows_rejected + result.rows_duplicate
                                + result.rows_collapsed)
    (stored,) = con.execute("select count(*) from interactions").fetchone()
    assert stored == result.rows_loaded
    row_lines = {int(line) for line, scope in zip(result.rejects["line"], result.rejects["scope"])
                 if scope == "row"}
    if unterminated_at is None:
        assert must <= row_lines <= must | may, (sorted(must), sorted(row_lines), text)
