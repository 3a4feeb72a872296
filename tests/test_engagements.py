"""The engagement register editor: validation names row and column; saving replaces atomically."""
from __future__ import annotations

from datetime import date

import pandas as pd

from analytics.engagements import engagement_register, save_engagement_register

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
