"""Dedup that understands updates: a contact seen again with more measures filled in updates its stored row,
counts as `updated`, and dropping the later batch restores the earlier values (docs/DATA.md, identity rule)."""
from __future__ import annotations

from analytics import rollups
from analytics.ingest import drop_batch, ingest_file, list_batches

HEADER = "call start,vendor,client,channel,customer id,aht,csat\n"


def contact(i: int, csat: str = "") -> list[str]:
    """Contact i of an id-less export: its identity (time, provider, account, channel, customer) and AHT."""
    return [f"2024-01-{1 + i % 28:02d} {8 + i % 10:02d}:{i % 60:02d}", "Acme", "Bank", "phone", f"K{i}",
            str(100 + i), csat]


def write(tmp_path, name: str, rows: list[list[str]], header: str = HEADER):
    path = tmp_path / name
    path.write_text(header + "".join(",".join(r) + "\n" for r in rows), encoding="utf-8")
    return path


def stored(con) -> dict:
    """{customer id: (batch, aht, csat)} of the stored interactions."""
    return {k: (b, h, c) for k, b, h, c in con.execute(
        "select customer_id, batch_id, handle_seconds, csat from interactions").fetchall()}


def rollup_matches_raw(con) -> bool:
    """Contacts per batch and day, and CSAT ratings per batch, agree between the rollup and the raw rows."""
    raw = con.execute("select batch_id, count(*), count(csat) from interactions group by 1 order by 1").fetchall()
    rolled = con.execute("select batch_id, sum(contacts), sum(csat_n) from rollup_daily group by 1 "
                         "having sum(contacts) > 0 order by 1").fetchall()
    return rollups.mismatches(con) == 0 and raw == [tuple(int(v) for v in r) for r in rolled]


def overlapping_exports(tmp_path):
    """January's export (contacts 0–49, no CSAT yet) and a later one (10–59) where 10–19 gained a CSAT of 4."""
    first = [contact(i) for i in range(50)]
    second = [contact(i, "4" if i < 20 else "") for i in range(10, 60)]
    return write(tmp_path, "jan.csv", first), write(tmp_path, "later.csv", second)


def test_id_less_rows_gaining_a_csat_update_instead_of_loading_again(con, tmp_path):
    jan, later = overlapping_exports(tmp_path)
    first = ingest_file(con, jan)
    second = ingest_file(con, later)
    assert (first.rows_loaded, first.rows_updated) == (50, 0)
    # 50 rows read: 10 new (50–59), 10 updated (10–19), 30 unchanged (20–49)
    assert (second.rows_read, second.rows_loaded, second.rows_updated, second.rows_duplicate) == (50, 10, 10, 30)
    assert second.rows_read == (second.rows_loaded + second.rows_updated + second.rows_rejected
                                + second.rows_duplicate + second.rows_collapsed)
    assert "10 already loaded rows updated" in second.message
    rows = stored(con)
    assert len(rows) == 60  # not 70
    assert {k for k, (_, _, c) in rows.items() if c == 4} == {f"K{i}" for i in range(10, 20)}
    # an updated row moves to the batch that updated it; the rest stay where they were loaded
    assert {k for k, (b, _, _) in rows.items() if b == second.batch_id} == {f"K{i}" for i in range(10, 20)} | {
        f"K{i}" for i in range(50, 60)}
    assert rollup_matches_raw(con)
    listed = list_batches(con).set_index("batch_id")
    assert int(listed.loc[second.batch_id, "rows_updated"]) == 10


def test_deleting_the_later_batch_restores_the_earlier_values(con, tmp_path):
    jan, later = overlapping_exports(tmp_path)
    first = ingest_file(con, jan)
    before = stored(con)
    second = ingest_file(con, later)
    drop_batch(con, second.batch_id)
    assert stored(con) == before
    assert all(b == first.batch_id and c is None for b, _, c in stored(con).values())
    assert con.execute("select count(*) from interaction_versions").fetchone()[0] == 0
    assert rollup_matches_raw(con)


def test_reingesting_the_same_rows_is_all_duplicate(con, tmp_path):
    jan, later = overlapping_exports(tmp_path)
    ingest_file(con, jan)
    ingest_file(con, later)
    same = write(tmp_path, "later-again.csv", [contact(i, "4" if i < 20 else "") for i in reversed(range(10, 60))])
    again = ingest_file(con, same)
    assert (again.status, again.rows_loaded, again.rows_updated, again.rows_duplicate) == ("empty", 0, 0, 50)
    # the January export again (a new file: its rows lack the CSAT the stored rows have) changes nothing either
    old = ingest_file(con, write(tmp_path, "jan-again.csv", [contact(i) for i in range(49, -1, -1)]))
    assert (old.rows_loaded, old.rows_updated, old.rows_duplicate) == (0, 0, 50)
    assert len(stored(con)) == 60


def test_a_source_id_with_a_changed_measure_updates_and_drop_restores(con, tmp_path):
    header = "call id,call start,vendor,client,customer id,aht,csat\n"
    a = ingest_file(con, write(tmp_path, "a.csv", [["C1", "2024-01-02 10:00", "Acme", "Bank", "K1", "300", "2"],
                                                   ["C2", "2024-01-03 10:00", "Acme", "Bank", "K2", "200", ""]],
                               header))
    b = ingest_file(con, write(tmp_path, "b.csv", [["C1", "2024-01-02 10:00", "Acme", "Bank", "K1", "300", "5"],
                                                   ["C2", "2024-01-03 10:00", "Acme", "Bank", "K2", "", ""]], header))
    # C1's CSAT changed (an update); C2 has nothing new (an empty AHT does not erase the stored one)
    assert (b.rows_loaded, b.rows_updated, b.rows_duplicate) == (0, 1, 1)
    assert b.status == "loaded"
    assert stored(con) == {"K1": (b.batch_id, 300.0, 5.0), "K2": (a.batch_id, 200.0, None)}
    assert rollup_matches_raw(con)
    drop_batch(con, b.batch_id)
    assert stored(con) == {"K1": (a.batch_id, 300.0, 2.0), "K2": (a.batch_id, 200.0, None)}
    assert rollup_matches_raw(con)


def test_a_chain_of_updates_unwinds_in_any_order(con, tmp_path):
    header = "call id,call start,vendor,client,customer id,aht,csat\n"
    row = ["C1", "2024-01-02 10:00", "Acme", "Bank", "K1"]
    a = ingest_file(con, write(tmp_path, "a.csv", [row + ["300", ""]], header))
    b = ingest_file(con, write(tmp_path, "b.csv", [row + ["300", "3"]], header))
    c = ingest_file(con, write(tmp_path, "c.csv", [row + ["300", "5"]], header))
    assert stored(con) == {"K1": (c.batch_id, 300.0, 5.0)}
    drop_batch(con, b.batch_id)  # the middle one: C's values stay, and dropping C now leads back to A
    assert stored(con) == {"K1": (c.batch_id, 300.0, 5.0)}
    drop_batch(con, c.batch_id)
    assert stored(con) == {"K1": (a.batch_id, 300.0, None)}
    assert rollup_matches_raw(con)
    # dropping the first batch while a later one holds the row keeps the row; dropping that one removes it
    d = ingest_file(con, write(tmp_path, "d.csv", [row + ["300", "4"]], header))
    drop_batch(con, a.batch_id)
    assert stored(con) == {"K1": (d.batch_id, 300.0, 4.0)}
    drop_batch(con, d.batch_id)
    assert stored(con) == {}
    assert con.execute("select count(*) from interaction_versions").fetchone()[0] == 0
    assert rollup_matches_raw(con)


def test_dry_run_counts_updates_and_writes_nothing(con, tmp_path):
    jan, later = overlapping_exports(tmp_path)
    ingest_file(con, jan)
    before = stored(con)
    dry = ingest_file(con, later, dry_run=True)
    assert (dry.status, dry.rows_loaded, dry.rows_updated, dry.rows_duplicate) == ("dry-run", 10, 10, 30)
    assert stored(con) == before


def test_rows_differing_in_a_measure_within_one_file_stay_separate_contacts(con, tmp_path):
    # same identity, different AHT, no id: two contacts (nothing says one is an update of the other)
    rows = [contact(1), contact(1)]
    rows[1][5] = "999"
    result = ingest_file(con, write(tmp_path, "a.csv", rows))
    assert (result.rows_loaded, result.rows_duplicate) == (2, 0)
