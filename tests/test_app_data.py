"""The Data page driven through AppTest: sample button, upload → dry run → load, batch delete, register."""
from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analytics import db, ingest
from tests.builders import app_test

REAL = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "real"


def real_file(name: str) -> Path:
    """A real third-party export (../shared/data/real); skips only when that folder is absent."""
    path = REAL / name
    if not path.exists():
        pytest.skip(f"real export {name} not found at {REAL} (the shared data folder is absent)")
    return path

# A small interactions export in a typical platform's own spelling, with one bad row
EXPORT = (
    "Call ID,Call Start,Vendor,Program,Media Type,Wrap-up Code,AHT,CSAT\n"
    "c-1,2025-03-03 09:12:00,Northwind BPO,Retail Care,Phone,Billing,05:10,4\n"
    "c-2,2025-03-03 10:40:00,Northwind BPO,Retail Care,Chat,Delivery,03:05,5\n"
    "c-3,2025-03-04 11:02:00,Northwind BPO,Retail Care,Phone,Billing,07:45,2\n"
    "c-4,yesterday,Northwind BPO,Retail Care,Email,Returns,04:00,3\n"
).encode("utf-8")


def _app(path: Path, monkeypatch) -> AppTest:
    monkeypatch.setenv("RAPPORT_DB", str(path))
    at = app_test()
    at.switch_page("pages/data.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _texts(at: AppTest) -> str:
    parts = [e.value for kind in ("success", "warning", "error", "info", "markdown", "caption")
             for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts).replace("\\", "")


@pytest.fixture
def fresh_db(tmp_path) -> Path:
    return tmp_path / "fresh.duckdb"  # every test gets its own file, so its own cached connection


def _register_key() -> str:
    """The register editor's widget key: it changes with the data version, so old edits never replay."""
    return f"register_editor_{db.data_version(_connection())}"


def _seed_portfolio(at: AppTest) -> None:
    """Three registered engagements with two contacts each, written through the app's own connection."""
    from analytics.contracts import ENGAGEMENTS, INTERACTIONS
    from tests.builders import insert_rows

    con = _connection()
    pairs = [("Acme", "Bank", "partnership"), ("Beta", "Bank", "transactional"), ("Core", "Shop", "partnership")]
    insert_rows(con, ENGAGEMENTS, [{"provider": p, "account": a, "relationship_model": m,
                                    "contract_start": "2023-01-01"} for p, a, m in pairs], batch_id=1)
    insert_rows(con, INTERACTIONS, [{"interaction_id": f"{p}{i}", "occurred_at": f"2024-03-0{i + 1} 09:00:00",
                                     "provider": p, "account": a, "handle_seconds": 100.0}
                                    for i in range(2) for p, a, _ in pairs], batch_id=2)
    at.run()


def _connection():
    from ui.cached import cursor  # the app's own process-wide connection (a second one would clash)

    return cursor()


def test_empty_database_offers_the_sample_and_the_button_loads_it(fresh_db, monkeypatch):
    from functools import partial

    from analytics import sample

    # The button's own generator and load path, at 20,000 contacts instead of the default 300,000 (what the
    # page does with the portfolio does not depend on its size; generating 300,000 cost most of this test).
    monkeypatch.setattr(sample, "generate", partial(sample.generate, interactions=20_000))
    at = _app(fresh_db, monkeypatch)
    button = at.button(key="data_load_sample")
    button.click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Sample portfolio loaded" in _texts(at)
    assert not db.is_empty(_connection())
    at.run()
    (table,) = [d.value for d in at.dataframe if "status" in d.value.columns]
    stored = {s for (s,) in _connection().execute("select distinct status from batches").fetchall()}
    assert stored == {"loaded"} and set(table["status"]) == {"Loaded"}  # a person reads "Loaded"


def test_upload_is_sniffed_dry_run_counts_then_load_creates_a_batch_and_delete_removes_it(fresh_db, monkeypatch):
    at = _app(fresh_db, monkeypatch)
    at.file_uploader(key="data_uploads").set_value(("march.csv", EXPORT, "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    kind = [s for s in at.selectbox if s.key and s.key.endswith("_kind")][0]
    assert kind.value == "interactions"
    labels = {m.label: m.value for m in at.metric}
    assert labels["Delimiter"] == "comma" and labels["Header line"] == "1"

    dry = [b for b in at.button if b.key and b.key.endswith("_dry")][0]
    dry.click().run()
    assert not at.exception, [e.value for e in at.exception]
    result = at.session_state[dry.key.replace("_dry", "_result")]
    assert (result.status, result.rows_loaded, result.rows_rejected) == ("dry-run", 3, 1)
    assert "march.csv" in " ".join(w.value for w in at.warning).replace("\\", "")  # rejects → a warning
    assert ingest.list_batches(_connection()).empty  # a dry run writes nothing

    load = [b for b in at.button if b.key and b.key.endswith("_load")][0]
    load.click().run()
    assert not at.exception, [e.value for e in at.exception]
    batches = ingest.list_batches(_connection())
    assert len(batches) == 1 and int(batches["rows_loaded"].iloc[0]) == 3

    at.button(key="batch_delete").click().run()
    assert "Delete batch" in _texts(at) and len(ingest.list_batches(_connection())) == 1  # asks first
    at.button(key="batch_delete_yes").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert ingest.list_batches(_connection()).empty


def test_register_edit_with_an_invalid_model_is_refused_and_nothing_is_written(fresh_db, monkeypatch):
    from analytics.engagements import engagement_register

    at = _app(fresh_db, monkeypatch)
    _seed_portfolio(at)
    before = engagement_register(_connection())
    at.session_state[_register_key()] = {"edited_rows": {0: {"relationship_model": "vendor deal"}},
                                           "added_rows": [], "deleted_rows": []}
    at.run()
    at.button(key="register_save").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Nothing was saved" in _texts(at)
    after = engagement_register(_connection())
    assert after.equals(before)


# ---- real files, isolation, labels ----------------------------------------------------------------

def _errors(at: AppTest) -> list[str]:
    return [str(e.value) for e in at.error] + [str(e.value) for e in at.exception]


REAL_FILES = ("call_center_calls_pwc.csv", "itsm_incident_event_log.csv", "comcast_complaints.csv",
              "cfpb_complaints_apr2023.csv", "nhs111_provider_monthly.csv")


def test_every_real_file_gets_its_own_section_and_pwc_blank_headers_preview_with_human_labels(fresh_db,
                                                                                             monkeypatch):
    files = [(name, real_file(name).read_bytes(), "text/csv") for name in REAL_FILES]
    at = _app(fresh_db, monkeypatch)
    at.file_uploader(key="data_uploads").set_value([*files, ("march.csv", EXPORT, "text/csv")]).run()
    assert _errors(at) == []
    sections = [s.value.replace("\\", "") for s in at.subheader if s.value != "Relationship model changes"]
    assert sections == [*REAL_FILES, "march.csv"]  # one section per upload (other subheaders left aside)
    kinds = [s.value for s in at.selectbox if s.key and s.key.endswith("_kind")]  # each file has its section
    assert kinds == ["interactions"] * 4 + ["performance", "interactions"]
    previews = [d.value for d in at.dataframe]
    assert list(previews[0].columns)[-2:] == ["column 11", "column 12"]  # blank names, renamed for display
    labels = {s.label for s in at.selectbox}
    assert {"Provider", "Resolved on first contact", "When it happened *"} <= labels
    assert not {"resolved_first_contact", "provider", "occurred_at *"} & labels
    assert ["Loaded batches", "Engagement register"] == [h.value for h in at.header][1:3]


def test_a_file_that_cannot_be_read_gets_one_sentence_and_the_other_file_keeps_its_section(fresh_db, monkeypatch):
    at = _app(fresh_db, monkeypatch)
    at.file_uploader(key="data_uploads").set_value(
        [("empty.csv", b"", "text/csv"), ("march.csv", EXPORT, "text/csv")]).run()
    assert not at.exception, [e.value for e in at.exception]
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "empty" in errors[0] and "Traceback" not in errors[0]
    kinds = [s for s in at.selectbox if s.key and s.key.endswith("_kind")]
    assert len(kinds) == 1 and kinds[0].value == "interactions"
    assert "Engagement register" in [h.value for h in at.header]


def test_stale_upload_copies_are_swept_and_fresh_ones_kept(tmp_path):
    from ui.upload import UPLOAD_PREFIX, sweep_stale_copies

    old, new, other = (tmp_path / f"{UPLOAD_PREFIX}old.csv", tmp_path / f"{UPLOAD_PREFIX}new.csv",
                       tmp_path / "someone-else.csv")
    for path in (old, new, other):
        path.write_text("a,b\n")
    now = 1_000_000_000.0
    os.utime(old, (now - 7 * 3600, now - 7 * 3600))
    os.utime(new, (now - 60, now - 60))
    os.utime(other, (now - 7 * 3600, now - 7 * 3600))
    assert sweep_stale_copies(tmp_path, now=now) == 1
    assert (old.exists(), new.exists(), other.exists()) == (False, True, True)


def test_upload_copies_exist_only_while_an_operation_runs(fresh_db, monkeypatch, tmp_path):
    import tempfile

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    at = _app(fresh_db, monkeypatch)
    at.file_uploader(key="data_uploads").set_value(("march.csv", EXPORT, "text/csv")).run()
    assert sorted(p.name for p in scratch.iterdir()) == []  # sniffed from a copy that is gone again
    [b for b in at.button if b.key and b.key.endswith("_dry")][0].click().run()
    [b for b in at.button if b.key and b.key.endswith("_load")][0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert int(ingest.list_batches(_connection())["rows_loaded"].iloc[0]) == 3
    assert sorted(p.name for p in scratch.iterdir()) == []


def test_a_file_name_is_never_read_as_markdown_in_the_rejects_expander(fresh_db, monkeypatch):
    name = "[click](https://evil.example) :red[x].csv"
    at = _app(fresh_db, monkeypatch)
    at.file_uploader(key="data_uploads").set_value((name, EXPORT, "text/csv")).run()
    [b for b in at.button if b.key and b.key.endswith("_dry")][0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    expanders = [e.label for e in at.expander]
    assert "First rejected rows (line, column, value, reason)" in expanders
    assert not any("evil" in label for label in expanders)
    assert f"First 1 rejected rows of {name}" in [t.value for t in at.text]  # plain text, verbatim


# ---- batches: paged rejects -----------------------------------------------------------------------

def _batch_with_rejects(n: int) -> None:
    with db.write_transaction(_connection()) as cur:
        cur.execute("insert into batches (batch_id, file_name, sha256, kind, rows_read, rows_loaded, rows_rejected,"
                    " rows_duplicate) values (7, 'big.csv', 'sha', 'interactions', ?, 0, ?, 0)", [n, n])
        cur.execute("insert into rejects (batch_id, file_name, line, \"column\", value, reason)"
                    " select 7, 'big.csv', i + 1, 'CSAT', 'x' || i, 'not a number' from range(1, ?) t(i)", [n + 1])


def test_rejects_are_shown_a_page_at_a_time(fresh_db, monkeypatch):
    at = _app(fresh_db, monkeypatch)
    _batch_with_rejects(120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    captions = [c.value for c in at.caption]
    assert any(c.startswith("Rows 1–50 of 120") for c in captions)
    table = [d.value for d in at.dataframe if "reason" in d.value.columns][0]
    assert len(table) == 50 and list(table["line"])[:2] == [2, 3]
    at.number_input(key="rejects_page_7").set_value(3).run()
    assert any(c.value.startswith("Rows 101–120 of 120") for c in at.caption)
    table = [d.value for d in at.dataframe if "reason" in d.value.columns][0]
    assert list(table["line"]) == list(range(102, 122))


# ---- register: unknown models, confirmation, undo; backup -----------------------------------------

def test_engagements_without_a_model_are_offered_for_classification(fresh_db, monkeypatch):
    from analytics.contracts import INTERACTIONS
    from analytics.engagements import engagement_register
    from tests.builders import insert_rows

    at = _app(fresh_db, monkeypatch)
    insert_rows(_connection(), INTERACTIONS, [
        {"interaction_id": f"n{i}", "occurred_at": f"2025-05-0{i + 1} 10:00:00", "provider": "Nova BPO",
         "account": "Unassigned", "handle_seconds": 100.0} for i in range(4)])
    at.run()
    assert any("1 engagement has data but is not in the register" in w.value for w in at.warning)
    assert any("“Unassigned” is one bucket" in c.value for c in at.caption)
    at.session_state[f"register_unknown_{db.data_version(_connection())}"] = {
        "edited_rows": {0: {"relationship_model": "transactional"}}, "added_rows": [], "deleted_rows": []}
    at.run()
    at.button(key="register_classify").click().run()
    assert not at.exception, [e.value for e in at.exception]
    register = engagement_register(_connection())
    assert register[["provider", "account", "relationship_model"]].values.tolist() == \
        [["Nova BPO", "Unassigned", "transactional"]]
    assert str(register["contract_start"].iloc[0])[:10] == "2025-05-01"
    assert any("1 engagement added" in s.value for s in at.success)


def test_a_save_that_deletes_rows_asks_first_and_undo_brings_them_back(fresh_db, monkeypatch):
    from analytics.engagements import engagement_register

    at = _app(fresh_db, monkeypatch)
    _seed_portfolio(at)
    before = engagement_register(_connection())
    at.session_state[_register_key()] = {"edited_rows": {}, "added_rows": [],
                                           "deleted_rows": list(range(len(before)))}
    at.run()
    at.button(key="register_save").click().run()
    assert any("empties the register" in w.value for w in at.warning)
    assert engagement_register(_connection()).equals(before)  # nothing written until confirmed
    at.button(key="register_confirm_yes").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert engagement_register(_connection()).empty
    at.button(key="register_undo").click().run()
    assert not at.exception, [e.value for e in at.exception]
    after = engagement_register(_connection())
    assert after.drop(columns=[]).equals(before)
    assert any(f"Register restored ({len(before)} engagements)" in s.value for s in at.success)


def test_back_up_now_writes_a_verified_backup_next_to_the_database(fresh_db, monkeypatch):
    import json

    monkeypatch.delenv("RAPPORT_BACKUP_DIR", raising=False)  # the default: a backups folder beside the database
    at = _app(fresh_db, monkeypatch)
    _seed_portfolio(at)
    at.button(key="data_backup").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(s.value.startswith("Backed up") for s in at.success)
    (folder,) = (fresh_db.parent / "backups").iterdir()
    manifest = json.loads((folder / "manifest.json").read_text())
    rows = {t["table"]: t["rows"] for t in manifest["tables"]}
    (interactions,) = _connection().execute("select count(*) from interactions").fetchone()
    assert rows["interactions"] == interactions == 6 and rows["engagements"] == 3


def test_pwc_loads_from_the_page_with_a_provider_for_every_row(fresh_db, monkeypatch):
    pwc = real_file("call_center_calls_pwc.csv").read_bytes()
    at = _app(fresh_db, monkeypatch)
    at.file_uploader(key="data_uploads").set_value(("call_center_calls_pwc.csv", pwc, "text/csv")).run()
    [t for t in at.text_input if t.key.endswith("_const_provider")][0].set_value("PwC call centre").run()
    [b for b in at.button if b.key and b.key.endswith("_load")][0].click().run()
    assert _errors(at) == []
    assert any("5,000 rows read: 5,000 loaded, 0 rejected" in s.value for s in at.success)
    batches = ingest.list_batches(_connection())
    assert batches[["rows_read", "rows_loaded"]].values.tolist() == [[5000, 5000]]  # SOURCES.md: 5,000 calls
    # the new engagement is not in the register yet: the page asks for its model
    assert any("1 engagement has data but is not in the register" in w.value for w in at.warning)


def test_the_premium_page_says_how_many_engagements_it_left_out_and_why(fresh_db, monkeypatch):
    from analytics.contracts import ENGAGEMENTS, INTERACTIONS
    from tests.builders import insert_rows

    con = db.connect(fresh_db)
    insert_rows(con, ENGAGEMENTS, [{"provider": "Acme", "account": "Bank", "relationship_model": "partnership",
                                    "contract_start": "2023-01-01"}], batch_id=1)
    insert_rows(con, INTERACTIONS, [
        {"interaction_id": f"{p}{i}", "occurred_at": f"2024-03-0{i + 1} 09:00:00", "provider": p, "account": a,
         "handle_seconds": 100.0} for i in range(2) for p, a in (("Acme", "Bank"), ("Gamma", "Shop"), ("Delta", "Shop"))
    ], batch_id=2)
    con.close()
    monkeypatch.setenv("RAPPORT_DB", str(fresh_db))
    at = app_test()
    at.switch_page("pages/premium.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    notes = [c.value for c in at.caption if "left out" in c.value]
    assert notes == ["2 engagements with data are left out of this comparison: they are not in the engagement "
                     "register, so the relationship model is unknown."]


# ---- tickets: value recoding and a derived duration from the editor ----------------------------------

TICKETS = (
    "Complaint ID,Date received,Date closed,Company,Submitted via,Company response,Timely response?\n"
    "t1,2024-04-01 09:00,2024-04-02 09:00,Acme,Web,Closed with explanation,Yes\n"
    "t2,2024-04-01 10:00,2024-04-01 12:00,Acme,Phone,Closed with explanation,Yes\n"
    "t3,2024-04-02 09:00,,Acme,Web,In progress,No\n"
    "t4,2024-04-03 09:00,2024-04-05 09:00,Acme,Web,Untimely response,No\n"
    "t5,2024-04-03 11:00,2024-04-03 11:30,Acme,Web,Closed with explanation,Yes\n"
).encode("utf-8")


def test_ticket_outcomes_are_recoded_and_resolution_time_derived_in_the_editor(fresh_db, monkeypatch):
    at = _app(fresh_db, monkeypatch)
    at.file_uploader(key="data_uploads").set_value(("tickets.csv", TICKETS, "text/csv")).run()
    assert _errors(at) == []
    kind = [s for s in at.selectbox if s.key and s.key.endswith("_kind")][0]
    prefix = kind.key[: -len("_kind")] + "_interactions_(recognised from the headers)"
    at.selectbox(key=f"{prefix}_resolved_first_contact").set_value("Company response").run()
    at.selectbox(key=f"{prefix}_opt_derived_resolution_seconds_from").set_value("Date received")
    at.selectbox(key=f"{prefix}_opt_derived_resolution_seconds_to").set_value("Date closed").run()
    # the editor offers the column's values, most frequent first: Closed with explanation, In progress, Untimely
    at.session_state[f"{prefix}_opt_recode_resolved_first_contact_Company response"] = {
        "edited_rows": {0: {"read_as": "yes"}, 1: {"read_as": "(empty)"}, 2: {"read_as": "no"}},
        "added_rows": [], "deleted_rows": []}
    at.run()
    [b for b in at.button if b.key and b.key.endswith("_load")][0].click().run()
    assert _errors(at) == []
    rows = _connection().execute(
        "select interaction_id, resolved_first_contact, resolution_seconds from interactions order by 1").fetchall()
    assert rows == [("t1", True, 86400.0), ("t2", True, 7200.0), ("t3", None, None), ("t4", False, 172800.0),
                    ("t5", True, 1800.0)]
    mapping = ingest.Mapping.from_json(_connection().execute("select mapping from batches").fetchone()[0])
    assert mapping.recode["resolved_first_contact"] == {"Closed with explanation": "yes", "In progress": "",
                                                        "Untimely response": "no"}
    assert mapping.derived == {"resolution_seconds": {"from": "Date received", "to": "Date closed"}}


GENESYS = ("Conversation ID,Conversation Start,Media Type,Users - Interacted,Total Handle,Wait Time (min),Vendor\n"
           "g1,2024-02-01T10:00:00.000Z,voice,Ann Lee,325000,1.5,Acme\n"
           "g2,2024-02-01T10:05:00.000Z,chat,Bob Ray,605000,0.5,Acme\n"
           "g3,2024-02-01T10:09:00.000Z,voice,Bob Ray,125000,2,Acme\n").encode()


def test_an_excel_workbook_is_previewed_and_loaded_from_the_page(fresh_db, monkeypatch, tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["Call ID", "Call Start", "Vendor", "Handle Time"])
    book.active.append(["C1", datetime(2024, 1, 15, 14, 3, 22), "Acme", 323])
    book.active.append(["C2", datetime(2024, 1, 16, 9, 0), "Acme", 721])
    book.save(tmp_path / "calls.xlsx")
    at = _app(fresh_db, monkeypatch)
    at.file_uploader(key="data_uploads").set_value(
        ("calls.xlsx", (tmp_path / "calls.xlsx").read_bytes(),
         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")).run()
    assert _errors(at) == []
    [b for b in at.button if b.key and b.key.endswith("_load")][0].click().run()
    assert _errors(at) == []
    assert _connection().execute("select interaction_id, occurred_at, provider, handle_seconds from interactions "
                                 "order by 1").fetchall() == [("C1", datetime(2024, 1, 15, 14, 3, 22), "Acme", 323.0),
                                                              ("C2", datetime(2024, 1, 16, 9, 0), "Acme", 721.0)]


def test_the_automatic_resolution_time_is_shown_and_clearing_it_on_the_page_loads_none(fresh_db, monkeypatch):
    at = _app(fresh_db, monkeypatch)
    at.file_uploader(key="data_uploads").set_value(("tickets.csv", TICKETS, "text/csv")).run()
    kind = [s for s in at.selectbox if s.key and s.key.endswith("_kind")][0]
    prefix = kind.key[: -len("_kind")] + "_interactions_(recognised from the headers)_opt"
    # derived without being asked (the file has a closing-time column and no resolution time) …
    assert (at.selectbox(key=f"{prefix}_derived_resolution_seconds_from").value,
            at.selectbox(key=f"{prefix}_derived_resolution_seconds_to").value) == ("Date received", "Date closed")
    # … and a user who does not want it clears it
    at.selectbox(key=f"{prefix}_derived_resolution_seconds_to").set_value("— not in file —").run()
    [b for b in at.button if b.key and b.key.endswith("_load")][0].click().run()
    assert _errors(at) == []
    assert _connection().execute("select count(*), count(resolution_seconds) from interactions").fetchone() == (5, 0)
    mapping = ingest.Mapping.from_json(_connection().execute("select mapping from batches").fetchone()[0])
    assert (mapping.derived, mapping.auto_derive) == ({}, False)


def test_a_duration_in_milliseconds_is_flagged_and_its_unit_chosen_on_the_page(fresh_db, monkeypatch):
    at = _app(fresh_db, monkeypatch)
    at.file_uploader(key="data_uploads").set_value(("genesys.csv", GENESYS, "text/csv")).run()
    assert _errors(at) == []
    # the preview says the handle times are implausible as seconds, and where to fix it
    (note,) = [str(i.value) for i in at.info if "Total Handle" in str(i.value)]
    assert "325,000" in note and "Tickets, complaints and value recoding" in note
    kind = [s for s in at.selectbox if s.key and s.key.endswith("_kind")][0]
    prefix = kind.key[: -len("_kind")] + "_interactions_(recognised from the headers)_opt"
    # the wait column's header names its unit: offered as already chosen
    assert at.selectbox(key=f"{prefix}_unit_wait_seconds").value == "minutes"
    assert at.selectbox(key=f"{prefix}_unit_handle_seconds").value == "seconds"
    at.selectbox(key=f"{prefix}_unit_handle_seconds").set_value("milliseconds").run()
    [b for b in at.button if b.key and b.key.endswith("_load")][0].click().run()
    assert _errors(at) == []
    assert _connection().execute("select interaction_id, handle_seconds, wait_seconds from interactions "
                                 "order by 1").fetchall() == [("g1", 325.0, 90.0), ("g2", 605.0, 30.0),
                                                              ("g3", 125.0, 120.0)]
    mapping = ingest.Mapping.from_json(_connection().execute("select mapping from batches").fetchone()[0])
    assert mapping.units == {"handle_seconds": "ms"}  # the header's own unit is not repeated


def test_the_rejects_csv_holds_every_reject_and_is_built_only_from_the_database(fresh_db, monkeypatch):
    import csv
    import io

    from analytics import rejects

    monkeypatch.setenv("RAPPORT_DB", str(fresh_db))  # the app's own connection to a new file; no page needed
    _batch_with_rejects(120)
    text = rejects.rejects_csv(_connection(), 7).decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 120 == rejects.reject_count(_connection(), 7)
    assert (rows[0]["line"], rows[0]["value"], rows[0]["scope"], rows[-1]["line"]) == ("2", "x1", "row", "121")
    assert rejects.page_count(120) == 3 and rejects.page_count(0) == 1


def test_frames_shown_by_the_page_never_carry_blank_or_repeated_column_names():
    import pandas as pd

    from ui.upload import displayable, mappable_columns, unique_columns

    assert unique_columns(["a", "", " ", "a", "A", "a (2)"]) == ["a", "column 2", "column 3", "a (2)", "A",
                                                                 "a (2) (2)"]
    frame = pd.DataFrame([[1, 2, 3]], columns=["x", "", ""])
    assert list(displayable(frame).columns) == ["x", "column 2", "column 3"]
    assert list(frame.columns) == ["x", "", ""]  # the input is left as it was
    assert mappable_columns(("x", "", "y", "x")) == ["x", "y"]


def test_the_reporting_time_zone_is_shown_and_a_bad_one_is_one_sentence(fresh_db, monkeypatch):
    monkeypatch.setenv("RAPPORT_TZ", "America/New_York")
    assert "Reporting time zone: America/New_York" in _texts(_app(fresh_db, monkeypatch))
    monkeypatch.setenv("RAPPORT_TZ", "Mars/Olympus_Mons")
    at = _app(fresh_db, monkeypatch)
    errors = [str(e.value).replace("\\", "") for e in at.error]  # shown escaped: no Markdown
    assert any("Mars/Olympus_Mons" in e and "RAPPORT_TZ" in e for e in errors), errors



def test_a_model_change_recorded_on_the_page_is_dated_in_the_history(fresh_db, monkeypatch):
    import datetime

    at = _app(fresh_db, monkeypatch)
    _seed_portfolio(at)
    at.run()
    at.selectbox(key="model_change_engagement").select_index(1)  # Beta · Bank, transactional since 2023-01-01
    at.selectbox(key="model_change_model").set_value("partnership")
    at.date_input(key="model_change_date").set_value(datetime.date(2024, 7, 1))
    at.button[[b.label for b in at.button].index("Record model change")].click()
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    rows = _connection().execute("select relationship_model, effective_from from engagement_models "
                                 "where provider = 'Beta' order by effective_from").fetchall()
    assert rows == [("transactional", datetime.date(2023, 1, 1)), ("partnership", datetime.date(2024, 7, 1))]
    assert "Beta · Bank runs as partnership from 2024-07-01." in _texts(at)
