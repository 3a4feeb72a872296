"""`check`, `backup` and `restore`: consistency findings, rollup repair, and a lossless Parquet round trip."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from analytics import db, maintenance, rollups
from analytics.cli import main
from analytics.ingest import ingest_file

INTERACTIONS_CSV = (
    "Call ID,Call Start,Vendor,Program,Media Type,Wrap-up Code,AHT,CSAT,Customer\n"
    "c-1,2025-03-03 09:12:00,Northwind BPO,Retail Care,Phone,Billing,05:10,4,k1\n"
    "c-2,2025-03-03 10:40:00,Northwind BPO,Retail Care,Chat,Delivery,03:05,5,k2\n"
    "c-3,2025-03-04 11:02:00,Northwind BPO,Retail Care,Phone,Billing,07:45,2,k1\n"
    "c-4,2025-03-05 08:00:00,Contoso CX,Travel,Email,Refund \"=1+1\",04:00,3,k3\n"
    "c-5,yesterday,Contoso CX,Travel,Email,Returns,04:00,3,k4\n"
)
PERFORMANCE_CSV = (
    "Month,Provider,Program,QA Score,SLA %,Attrition\n"
    "2025-01,Northwind BPO,Retail Care,88.5,92%,31%\n"
    "2025-02,Northwind BPO,Retail Care,90,94%,29%\n"
)
ENGAGEMENTS_CSV = (
    "Provider,Account,Relationship Model,Contract Start,Notes\n"
    "Northwind BPO,Retail Care,partnership,2021-04-01,\"joint QBRs; notes, with commas\"\n"
    "Contoso CX,Travel,transactional,2022-01-15,\n"
)


@pytest.fixture(scope="module")
def _template(tmp_path_factory) -> Path:
    """A database file with one batch of each kind (and one rejected row), built once per module."""
    folder = tmp_path_factory.mktemp("template")
    path = folder / "source.duckdb"
    con = db.connect(path)
    for name, text in (("calls.csv", INTERACTIONS_CSV), ("scorecard.csv", PERFORMANCE_CSV),
                       ("register.csv", ENGAGEMENTS_CSV)):
        file = folder / name
        file.write_text(text, encoding="utf-8")
        assert ingest_file(con, file).status == "loaded"
    con.close()
    return path


@pytest.fixture(autouse=True)
def _use_template(_template, monkeypatch):
    monkeypatch.setitem(_TEMPLATE, "path", _template)


_TEMPLATE: dict[str, Path] = {}


def _loaded_db(tmp_path: Path) -> Path:
    """A fresh copy of the module's loaded database file (closed, so the copy is consistent)."""
    path = tmp_path / "source.duckdb"
    shutil.copyfile(_TEMPLATE["path"], path)
    return path


def _fingerprint(con, table: str) -> tuple[int, str]:
    """Row count plus an md5 over every row rendered as text, sorted — independent of maintenance.py."""
    return con.execute(
        f"select count(*), coalesce(md5(string_agg(cast(t as varchar), '|' order by cast(t as varchar))), '') "
        f"from {db.quote_ident(table)} t").fetchone()


def test_a_freshly_loaded_database_checks_clean(tmp_path):
    path = _loaded_db(tmp_path)
    assert main(["check", "--db", str(path)]) == 0
    con = db.connect(path, read_only=True)
    result = maintenance.check_database(con)
    con.close()
    assert result.ok and result.problems.empty and result.rollup_mismatches == 0


def test_check_finds_a_deleted_rollup_row_and_repair_rebuilds_the_rollup(tmp_path, capsys):
    path = _loaded_db(tmp_path)
    con = db.connect(path)
    con.execute("delete from rollup_daily where rowid = (select min(rowid) from rollup_daily)")
    con.close()

    assert main(["check", "--db", str(path), "--json"]) == 1
    found = json.loads(capsys.readouterr().out)
    assert found["ok"] is False and found["rollup_mismatches"] >= 1

    assert main(["check", "--db", str(path), "--repair", "--json"]) == 0
    repaired = json.loads(capsys.readouterr().out)
    assert repaired["ok"] is True and repaired["repaired"] is True

    con = db.connect(path, read_only=True)
    assert rollups.mismatches(con) == 0
    (contacts,) = con.execute("select sum(contacts) from rollup_daily").fetchone()
    (raw,) = con.execute("select count(*) from interactions").fetchone()
    con.close()
    assert contacts == raw == 4


def test_check_reports_a_batch_missing_a_row_with_expected_and_actual_counts(tmp_path, capsys):
    path = _loaded_db(tmp_path)
    con = db.connect(path)
    (batch_id,) = con.execute("select batch_id from batches where kind = 'performance'").fetchone()
    con.execute("delete from performance where rowid = (select min(rowid) from performance)")
    con.close()

    assert main(["check", "--db", str(path), "--repair"]) == 1  # a missing raw row cannot be repaired
    con = db.connect(path, read_only=True)
    problems = maintenance.check_database(con).problems
    con.close()
    assert problems[["table", "batch_id", "expected_rows", "actual_rows"]].values.tolist() == [
        ["performance", batch_id, 2, 1]]


def test_check_reports_rows_whose_batch_record_is_gone(tmp_path):
    path = _loaded_db(tmp_path)
    con = db.connect(path)
    (batch_id,) = con.execute("select batch_id from batches where kind = 'interactions'").fetchone()
    con.execute("delete from batches where batch_id = ?", [batch_id])
    problems = maintenance.check_database(con).problems
    con.close()
    orphans = problems[problems["problem"].str.contains("missing from batches")]
    assert set(orphans["table"]) == {"interactions", "rejects", "rollup_daily", "rollup_monthly"}
    assert orphans.set_index("table").loc["interactions", "actual_rows"] == 4


def test_editing_the_register_does_not_count_as_an_inconsistency(tmp_path):
    from analytics.engagements import engagement_register, save_engagement_register

    path = _loaded_db(tmp_path)
    con = db.connect(path)
    register = engagement_register(con)
    assert save_engagement_register(con, register.head(1)) == []
    assert maintenance.check_database(con).ok
    con.close()


def test_backup_then_restore_reproduces_every_table_exactly(tmp_path, capsys):
    source = _loaded_db(tmp_path)
    backup_dir, target = tmp_path / "backup", tmp_path / "restored.duckdb"
    assert main(["backup", str(backup_dir), "--db", str(source)]) == 0
    manifest = json.loads((backup_dir / "manifest.json").read_text())
    assert {e["table"] for e in manifest["tables"]} >= {"batches", "interactions", "performance", "engagements",
                                                       "rejects", "rollup_daily", "rollup_monthly", "saved_mappings",
                                                       "meta"}
    assert all(len(e["sha256"]) == 64 and (backup_dir / e["file"]).is_file() for e in manifest["tables"])

    assert main(["restore", str(backup_dir), "--db", str(target)]) == 0
    before, after = db.connect(source, read_only=True), None
    try:
        expected = {t: _fingerprint(before, t) for t in maintenance.table_names(before)}
        before.close()
        after = db.connect(target, read_only=True)
        assert {t: _fingerprint(after, t) for t in maintenance.table_names(after)} == expected
        assert {e["table"]: e["rows"] for e in manifest["tables"]} == {t: n for t, (n, _) in expected.items()}
        assert maintenance.check_database(after).ok
    finally:
        (after or before).close()


def test_a_restored_database_accepts_new_batches_with_fresh_ids(tmp_path):
    source = _loaded_db(tmp_path)
    con = db.connect(source, read_only=True)
    maintenance.backup(con, tmp_path / "bk")
    (top,) = con.execute("select max(batch_id) from batches").fetchone()
    con.close()
    restored = db.connect(tmp_path / "new.duckdb")
    maintenance.restore(restored, tmp_path / "bk")
    extra = tmp_path / "april.csv"
    extra.write_text(INTERACTIONS_CSV.replace("c-", "a-").replace("2025-03", "2025-04"), encoding="utf-8")
    result = ingest_file(restored, extra)
    restored.close()
    assert result.status == "loaded" and result.batch_id == top + 1


def test_restore_refuses_a_database_that_already_holds_data(tmp_path, capsys):
    source = _loaded_db(tmp_path)
    assert main(["backup", str(tmp_path / "bk"), "--db", str(source)]) == 0
    con = db.connect(source, read_only=True)
    before = {t: _fingerprint(con, t) for t in maintenance.table_names(con)}
    con.close()
    assert main(["restore", str(tmp_path / "bk"), "--db", str(source)]) == 2
    assert "already holds data" in capsys.readouterr().err
    con = db.connect(source, read_only=True)
    assert {t: _fingerprint(con, t) for t in maintenance.table_names(con)} == before
    con.close()


def test_restore_refuses_a_damaged_backup_and_leaves_no_database_behind(tmp_path, capsys):
    source = _loaded_db(tmp_path)
    assert main(["backup", str(tmp_path / "bk"), "--db", str(source)]) == 0
    damaged = tmp_path / "bk" / "interactions.parquet"
    damaged.write_bytes(damaged.read_bytes()[:-10] + b"0123456789")
    target = tmp_path / "new.duckdb"
    assert main(["restore", str(tmp_path / "bk"), "--db", str(target)]) == 2
    assert "sha256" in capsys.readouterr().err
    assert not target.exists()


def test_backup_refuses_to_overwrite_an_earlier_backup(tmp_path, capsys):
    source = _loaded_db(tmp_path)
    assert main(["backup", str(tmp_path / "bk"), "--db", str(source)]) == 0
    assert main(["backup", str(tmp_path / "bk"), "--db", str(source)]) == 2
    assert "already holds a backup" in capsys.readouterr().err


def test_check_of_a_missing_database_file_says_so_instead_of_creating_one(tmp_path, capsys):
    missing = tmp_path / "nope.duckdb"
    assert main(["check", "--db", str(missing)]) == 2
    assert "no database" in capsys.readouterr().err and not missing.exists()


def test_restore_refuses_a_directory_without_a_manifest(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["restore", str(tmp_path / "empty"), "--db", str(tmp_path / "x.duckdb")]) == 2
    assert "manifest.json" in capsys.readouterr().err


@pytest.mark.parametrize("table", ["interactions", "batches"])
def test_table_checksum_changes_when_one_value_changes(con, table, tmp_path):
    file = tmp_path / "calls.csv"
    file.write_text(INTERACTIONS_CSV, encoding="utf-8")
    ingest_file(con, file)
    before = maintenance.table_checksum(con, table)
    column = "channel" if table == "interactions" else "file_name"
    con.execute(f"update {table} set {column} = {column} || 'x' where rowid = (select min(rowid) from {table})")
    assert maintenance.table_checksum(con, table) != before


# ---- backups from inside the serving process -----------------------------------------------------------

def test_backup_now_writes_a_timestamped_folder_that_restores_exactly_and_keeps_the_newest(tmp_path):
    from datetime import datetime, timedelta, timezone

    source = _loaded_db(tmp_path)
    con = db.connect(source)
    start = datetime(2026, 12, 4, 9, 30, tzinfo=timezone.utc)
    made = [maintenance.backup_now(con, tmp_path / "backups", now=start + timedelta(hours=h), keep=2)
            for h in (0, 1, 2)]
    before = {t: _fingerprint(con, t) for t in maintenance.table_names(con)}
    con.close()
    assert made[0].directory.name == "rapport-backup-20261204T093000Z"
    assert sorted(p.name for p in (tmp_path / "backups").iterdir()) == [m.directory.name for m in made[1:]]
    assert made[2].removed == (made[0].directory,)
    assert maintenance.latest_backup(tmp_path / "backups") == made[2].directory
    restored = db.connect(tmp_path / "restored.duckdb")
    maintenance.restore(restored, made[2].directory)
    assert {t: _fingerprint(restored, t) for t in maintenance.table_names(restored)} == before
    restored.close()


def test_backup_now_runs_beside_an_open_write_and_takes_only_committed_rows(tmp_path):
    source = _loaded_db(tmp_path)
    con = db.connect(source)
    (committed,) = con.execute("select count(*) from batches").fetchone()
    writer = con.cursor()
    writer.execute("begin transaction")
    writer.execute("insert into batches (batch_id, file_name, sha256, kind, rows_read, rows_loaded, rows_rejected, "
                   "rows_duplicate) values (99, 'in-flight.csv', 'x', 'interactions', 1, 1, 0, 0)")
    result = maintenance.backup_now(con, tmp_path / "backups")  # no write lock taken: the writer is not blocked
    writer.execute("commit")
    writer.close()
    con.close()
    rows = dict(zip(result.manifest["table"], result.manifest["rows"]))
    assert rows["batches"] == committed and result.rows == int(result.manifest["rows"].sum())


def test_the_schedule_backs_up_when_due_and_not_before(tmp_path):
    from datetime import datetime, timedelta, timezone

    source = _loaded_db(tmp_path)
    con = db.connect(source)
    now = datetime(2026, 12, 4, 9, 0, tzinfo=timezone.utc)
    schedule = maintenance.BackupSchedule(con, timedelta(hours=24), tmp_path / "backups")
    assert schedule.due(now) == timedelta(0)  # no backup yet: due at once
    first = schedule.run_due(now)
    assert first is not None and schedule.run_due(now + timedelta(hours=23)) is None
    assert schedule.due(now + timedelta(hours=23)) == timedelta(hours=1)
    second = schedule.run_due(now + timedelta(hours=24, minutes=1))
    assert second is not None and second.directory != first.directory

    # The thread's loop: back up when due, wait until the next one, stop when told (no real waiting).
    clock = iter([now + timedelta(days=3)] * 4)
    schedule.clock = lambda: next(clock)
    waits: list[float] = []
    schedule.loop(lambda seconds: waits.append(seconds) or True)
    assert waits == [24 * 3600.0] and len(list((tmp_path / "backups").iterdir())) == 3
    con.close()


def test_a_failing_scheduled_backup_is_remembered_and_never_raises(tmp_path):
    from datetime import datetime, timedelta, timezone

    source = _loaded_db(tmp_path)
    (tmp_path / "not-a-folder").write_text("x")
    con = db.connect(source)
    schedule = maintenance.BackupSchedule(con, timedelta(hours=1), tmp_path / "not-a-folder")
    now = datetime(2026, 12, 4, 9, 0, tzinfo=timezone.utc)
    assert schedule.run_due(now) is None and schedule.last_error
    assert schedule.due(now + timedelta(minutes=30)) == timedelta(minutes=30)  # retried at the next interval
    con.close()


def test_scheduled_backups_start_once_per_database_only_when_configured(tmp_path, monkeypatch):
    from datetime import datetime, timezone

    source = _loaded_db(tmp_path)
    con = db.connect(source)
    monkeypatch.delenv(maintenance.BACKUP_EVERY_ENV, raising=False)
    assert maintenance.start_scheduled_backups(con, source) is None
    monkeypatch.setenv(maintenance.BACKUP_EVERY_ENV, "soon")
    with pytest.raises(maintenance.MaintenanceError, match="RAPPORT_BACKUP_EVERY_HOURS='soon'"):
        maintenance.start_scheduled_backups(con, source)
    # A fresh backup exists, so the started thread has nothing to do until it is stopped.
    folder = tmp_path / "backups" / f"rapport-backup-{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}"
    folder.mkdir(parents=True)
    (folder / maintenance.MANIFEST).write_text('{"version": 1, "tables": []}')
    monkeypatch.setenv(maintenance.BACKUP_EVERY_ENV, "24")
    monkeypatch.setenv(maintenance.BACKUP_DIR_ENV, str(tmp_path / "backups"))
    schedule = maintenance.start_scheduled_backups(con, source)
    try:
        assert schedule is not None and maintenance.start_scheduled_backups(con, source) is schedule
    finally:
        schedule.stop()
        schedule._thread.join()
        maintenance._SCHEDULES.clear()
    assert [p.name for p in (tmp_path / "backups").iterdir()] == [folder.name]
    con.close()


def test_a_backup_that_fails_midway_leaves_no_folder_that_looks_like_a_backup(tmp_path, monkeypatch):
    source = _loaded_db(tmp_path)
    con = db.connect(source, read_only=True)

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(maintenance, "_sha256", disk_full)
    with pytest.raises(OSError):
        maintenance.backup(con, tmp_path / "bk")
    con.close()
    assert list(tmp_path.glob("*bk*")) == []
