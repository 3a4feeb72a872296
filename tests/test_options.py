"""filter_options: the sidebar's choices come from every dataset, sorted and distinct."""
from __future__ import annotations

from datetime import date, datetime

from analytics.options import filter_options
from tests.builders import insert_rows


def test_empty_database_offers_no_choices(con):
    options = filter_options(con)
    assert options["dates"] == []
    assert all(options[k] == [] for k in ("providers", "accounts", "engagements", "channels", "reasons",
                                          "segments", "models"))


def test_choices_union_interactions_scorecards_and_the_register(con):
    insert_rows(con, "interactions", [
        {"occurred_at": datetime(2024, 3, 5, 9), "provider": "Bolt", "account": "Telco", "channel": "phone",
         "contact_reason": "billing", "customer_segment": "gold"},
        {"occurred_at": datetime(2024, 5, 1, 9), "provider": "Bolt", "account": "Telco", "channel": "chat",
         "contact_reason": None, "customer_segment": "gold"},
    ], batch_id=1)
    insert_rows(con, "performance", [
        {"period": date(2024, 6, 1), "provider": "Acme", "account": "Bank", "quality_score": 80.0},
    ], batch_id=2)
    insert_rows(con, "engagements", [
        {"provider": "Acme", "account": "Bank", "relationship_model": "partnership",
         "contract_start": date(2020, 1, 1)},
        {"provider": "Cove", "account": "Retail", "relationship_model": "transactional",
         "contract_start": date(2021, 1, 1)},
    ], batch_id=3)
    options = filter_options(con)
    assert options["providers"] == ["Acme", "Bolt", "Cove"]
    assert options["accounts"] == ["Bank", "Retail", "Telco"]
    assert options["engagements"] == ["Acme · Bank", "Bolt · Telco", "Cove · Retail"]
    assert options["channels"] == ["chat", "phone"]
    assert options["reasons"] == ["billing"]
    assert options["segments"] == ["gold"]
    assert options["models"] == ["partnership", "transactional"]
    # a scorecard month covers its whole month
    assert options["dates"] == [date(2024, 3, 5), date(2024, 6, 30)]
