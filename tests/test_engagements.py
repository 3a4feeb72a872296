"""The engagement register editor: validation names row and column; saving replaces atomically."""
from __future__ import annotations

from datetime import date

import pandas as pd

from analytics.contracts import INTERACTIONS, PERFORMANCE
from analytics.engagements import (classify_engagements, engagement_register, register_change, register_versions,
                                   save_engagement_register, undo_last_register_change, unregistered_engagements)
from tests.builders import insert_rows

GOOD = pd.DataFrame([
    {"provider": "Acme", "account": "Bank", "relationship_model": "partnership", "contract_start": "2020-01-01",
     "contract_end": None, "pricing_model": "gain-share", "notes": None},
    {"provider": "Beta", "account": "Bank", "relationship_model": "transactional", "contract_start": "2021-06-01",
     "contract_end": "2024-05-31", "pricing_model": None, "notes": "re-competed"},
])


def test_a_valid_register_replaces_the_old_one(con):
    assert save_engagement_register(con, GOOD) == []
    assert save_engagement_register(con, GOOD.iloc[[1]]) == []
    register = engagement_register(con)
    assert list(register.columns) == ["provider", "account", "relationship_model", "contract_start",
                                      "contract_end", "pricing_model", "notes"]
    assert register.to_dict("records")[0]["provider"] == "Beta" and len(register) == 1
    assert pd.Timestamp(register.loc[0, "contract_end"]).date() == date(2024, 5, 31)


def test_invalid_rows_are_reported_by_row_and_column_and_nothing_is_written(con):
    save_engagement_register(con, GOOD)
    bad = pd.concat([GOOD, pd.DataFrame([
        {"provider": "Acme", "account": "Bank", "relationship_model": "friendship", "contract_start": "someday",
         "contract_end": None},
        {"provider": "", "account": "Shop", "relationship_model": "partnership", "contract_start": "2022-01-01",
         "contract_end": "2021-01-01"},
    ])], ignore_index=True)
    errors = save_engagement_register(con, bad)
    assert any(e.startswith("row 3:") and "already on row 1" in e for e in errors)
    assert any(e.startswith("row 3, column relationship_model") for e in errors)
    assert any(e.startswith("row 3, column contract_start") for e in errors)
    assert any(e.startswith("row 4, column provider") for e in errors)
    assert any(e.startswith("row 4, column contract_end") for e in errors)
    assert len(engagement_register(con)) == 2


# ---- engagements with data but no register row; undo ---------------------------------------------


def _seed_data(con) -> None:
    """Acme·Bank is registered; Gamma·Shop has 3 contacts from 2024-02-10; Delta·Shop has 2 scorecard months."""
    save_engagement_register(con, GOOD.iloc[[0]])
    insert_rows(con, INTERACTIONS, [
        {"interaction_id": f"g{i}", "occurred_at": f"2024-02-{10 + i} 09:00:00", "provider": "Gamma",
         "account": "Shop", "handle_seconds": 60.0} for i in range(3)
    ] + [{"interaction_id": "a1", "occurred_at": "2024-01-05 09:00:00", "provider": "Acme", "account": "Bank",
          "handle_seconds": 60.0}], batch_id=1)
    insert_rows(con, PERFORMANCE, [
        {"period": "2023-11-01", "provider": "Delta", "account": "Shop", "quality_score": 80.0},
        {"period": "2023-12-01", "provider": "Delta", "account": "Shop", "quality_score": 82.0},
    ], batch_id=2)


def test_engagements_seen_only_in_the_data_are_listed_with_where_and_since_when(con):
    _seed_data(con)
    unknown = unregistered_engagements(con)
    rows = {(r.provider, r.account): r for r in unknown.itertuples(index=False)}
    assert set(rows) == {("Gamma", "Shop"), ("Delta", "Shop")}  # Acme·Bank is registered
    gamma, delta = rows[("Gamma", "Shop")], rows[("Delta", "Shop")]
    assert (gamma.seen_in, pd.Timestamp(gamma.first_seen).date(), int(gamma.contacts)) == \
        ("interactions", date(2024, 2, 1), 3)  # the monthly rollup: first month with data
    assert (delta.seen_in, pd.Timestamp(delta.first_seen).date(), int(delta.scorecard_months)) == \
        ("scorecards", date(2023, 11, 1), 2)
    assert pd.isna(gamma.scorecard_months) and pd.isna(delta.contacts)


def test_classifying_adds_only_the_rows_given_a_model_and_names_the_editor_row_on_error(con):
    _seed_data(con)
    unknown = unregistered_engagements(con).rename(columns={"first_seen": "contract_start"})
    unknown["relationship_model"] = None
    gamma = unknown.index[unknown["provider"] == "Gamma"][0]
    unknown.loc[gamma, "relationship_model"] = "partnership"
    bad = unknown.astype({"contract_start": object})
    bad.loc[gamma, "contract_start"] = "not a date"
    errors, added = classify_engagements(con, bad)
    assert added == 0 and errors == [f"row {gamma + 1}, column contract_start: not a date is not a date"]
    errors, added = classify_engagements(con, unknown)
    assert (errors, added) == ([], 1)
    register = engagement_register(con).set_index(["provider", "account"])
    assert register.loc[("Gamma", "Shop"), "relationship_model"] == "partnership"
    assert list(unregistered_engagements(con)["provider"]) == ["Delta"]


def test_a_save_that_removes_rows_is_flagged_and_undo_restores_the_previous_register(con):
    assert save_engagement_register(con, GOOD) == []
    change = register_change(con, GOOD.iloc[[1]])
    assert change.removed == ("Acme · Bank",) and change.needs_confirmation
    assert not register_change(con, GOOD).needs_confirmation
    assert register_change(con, GOOD.iloc[0:0]).empties
    assert save_engagement_register(con, GOOD.iloc[0:0]) == []  # emptied
    assert engagement_register(con).empty
    assert undo_last_register_change(con) == 2
    restored = engagement_register(con)
    assert list(restored["provider"]) == ["Acme", "Beta"]
    assert pd.Timestamp(restored.loc[1, "contract_end"]).date() == date(2024, 5, 31)
    # the first save kept the empty register it replaced: undo goes back to it, then there is nothing left
    assert undo_last_register_change(con) == 0 and engagement_register(con).empty
    assert undo_last_register_change(con) is None and register_versions(con).empty
