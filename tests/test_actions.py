"""The QBR agenda: notes and actions stored in DuckDB and carried forward until done."""
from __future__ import annotations

from datetime import date

import pandas as pd

from analytics import actions

P, A = "Apex", "Care"


def _rows(*items: dict) -> pd.DataFrame:
    base = {"action_id": None, "kind": "action", "text": "", "owner": None, "due": None, "status": "open"}
    return pd.DataFrame([{**base, **item} for item in items])


def test_an_open_action_shows_next_quarter_and_a_done_one_does_not(con):
    assert actions.save_agenda(con, P, A, "2025-Q2", _rows(
        {"text": "Retrain the billing queue", "owner": "Dana", "due": "2025-08-15"},
        {"text": "Share the attrition plan", "owner": "Lee", "status": "done"},
        {"kind": "note", "text": "CSAT fell after the tooling change"},
    )) == []
    q2 = actions.agenda(con, P, A, "2025-Q2")
    assert q2["text"].tolist() == ["Retrain the billing queue", "Share the attrition plan",
                                   "CSAT fell after the tooling change"]
    assert q2["due"].tolist()[0] == pd.Timestamp(date(2025, 8, 15))

    q3 = actions.agenda(con, P, A, "2025-Q3")
    assert q3["text"].tolist() == ["Retrain the billing queue"]  # the done action and the note stay in Q2
    assert q3["raised_quarter"].tolist() == ["2025-Q2"]
    assert actions.agenda(con, "Other", A, "2025-Q3").empty  # agendas belong to one engagement


def test_an_action_closed_in_a_later_quarter_shows_until_that_quarter(con):
    actions.save_agenda(con, P, A, "2025-Q1", _rows({"text": "Fix the IVR menu", "owner": "Sam"}))
    q2 = actions.agenda(con, P, A, "2025-Q2")
    q2.loc[0, "status"] = "done"
    assert actions.save_agenda(con, P, A, "2025-Q2", q2) == []
    assert actions.agenda(con, P, A, "2025-Q2")["status"].tolist() == ["done"]  # shown where it was closed
    assert actions.agenda(con, P, A, "2025-Q3").empty
    assert actions.agenda(con, P, A, "2025-Q1")["text"].tolist() == ["Fix the IVR menu"]


def test_a_row_removed_in_the_editor_is_deleted_and_an_empty_new_row_is_ignored(con):
    actions.save_agenda(con, P, A, "2025-Q2", _rows({"text": "One"}, {"text": "Two"}))
    shown = actions.agenda(con, P, A, "2025-Q2")
    edited = pd.concat([shown[shown["text"] == "Two"], _rows({})], ignore_index=True)
    assert actions.save_agenda(con, P, A, "2025-Q2", edited) == []
    assert actions.agenda(con, P, A, "2025-Q2")["text"].tolist() == ["Two"]


def test_bad_rows_are_named_and_nothing_is_written(con):
    errors = actions.save_agenda(con, P, A, "2025-Q2", _rows(
        {"text": "Fine", "due": "next Tuesday"}, {"owner": "Kim"}, {"text": "x", "status": "maybe"}))
    assert errors == [
        "Agenda row 1, column Due: 'next Tuesday' is not a date; use a date such as 2025-10-15, or leave it blank.",
        "Agenda row 2, column Text: the text is empty; write what was noted or agreed, or delete the row.",
        "Agenda row 3, column Status: 'maybe' is not one of open, in progress, done.",
    ]
    assert actions.agenda(con, P, A, "2025-Q2").empty
