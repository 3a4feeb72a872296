"""`python -m analytics ingest | batches | drop-batch | rejects | seed-if-empty`, driven through main()."""
from __future__ import annotations

import json

import pytest

from analytics.cli import main

GOOD = "call id,date,provider,csat\nA1,2024-01-01,Acme,4\nA2,2024-01-02,Acme,9\nA3,not-a-date,Acme,5\n"
BAD = "name,colour\nbob,red\n"


@pytest.fixture
def files(tmp_path):
    (tmp_path / "good.csv").write_text(GOOD)
    (tmp_path / "bad.csv").write_text(BAD)
    return tmp_path


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_ingest_json_prints_one_object_per_file_and_fails_when_any_file_fails(files, capsys):
    database = str(files / "t.duckdb")
    code, out, _ = run(capsys, "ingest", str(files / "good.csv"), str(files / "bad.csv"), "--db", database, "--json")
    results = json.loads(out)
    assert code == 1
    documented = {"file", "kind", "batch_id", "status", "rows_read", "rows_loaded", "rows_rejected",
                  "rows_duplicate", "message"}
    assert all(documented <= set(r) for r in results), results
    assert [(r["status"], r["rows_loaded"], r["rows_rejected"]) for r in results] == [("loaded", 2, 1),
                                                                                     ("failed", 0, 0)]
    assert "bad.csv" in results[1]["message"]


def test_ingest_of_good_files_exits_zero_and_reingest_is_skipped(files, capsys):
    database = str(files / "t.duckdb")
    assert run(capsys, "ingest", str(files / "good.csv"), "--db", database, "--json")[0] == 0
    code, out, _ = run(capsys, "ingest", str(files / "good.csv"), "--db", database, "--json")
    assert code == 0 and json.loads(out)[0]["status"] == "skipped"


def test_dry_run_writes_nothing_and_creates_no_database(files, capsys):
    database = files / "new" / "t.duckdb"
    code, out, _ = run(capsys, "ingest", str(files / "good.csv"), "--db", str(database), "--dry-run", "--json")
    assert code == 0 and json.loads(out)[0]["status"] == "dry-run"
    assert not database.parent.exists()


def test_dry_run_on_an_existing_database_leaves_it_unchanged(files, capsys):
    database = str(files / "t.duckdb")
    run(capsys, "ingest", str(files / "good.csv"), "--db", database, "--json")
    before = (files / "t.duckdb").read_bytes()
    (files / "more.csv").write_text(GOOD.replace("A1", "B1").replace("A2", "B2"))
    code, out, _ = run(capsys, "ingest", str(files / "more.csv"), "--db", database, "--dry-run", "--json")
    assert code == 0 and json.loads(out)[0]["status"] == "dry-run"
    code, out, _ = run(capsys, "batches", "--db", database, "--json")
    assert len(json.loads(out)) == 1 and (files / "t.duckdb").read_bytes() == before


def test_mapping_file_supplies_constants(files, capsys):
    (files / "noprov.csv").write_text("date,csat\n2024-01-01,4\n")
    (files / "m.json").write_text(json.dumps({"kind": "interactions", "constants": {"provider": "Acme"}}))
    code, out, _ = run(capsys, "ingest", str(files / "noprov.csv"), "--mapping", str(files / "m.json"),
                       "--db", str(files / "t.duckdb"), "--json")
    assert code == 0 and json.loads(out)[0]["rows_loaded"] == 1


def test_batches_rejects_and_drop_batch(files, capsys):
    database = str(files / "t.duckdb")
    run(capsys, "ingest", str(files / "good.csv"), "--db", database, "--json")
    code, out, _ = run(capsys, "batches", "--db", database, "--json")
    (batch,) = json.loads(out)
    assert code == 0 and (batch["rows_loaded"], batch["rows_rejected"]) == (2, 1)

    code, out, _ = run(capsys, "rejects", str(batch["batch_id"]), "--db", database, "--json")
    assert code == 0 and [(r["line"], r["column"], r["value"]) for r in json.loads(out)] == [(4, "date", "not-a-date")]
    target = files / "rejects.csv"
    assert run(capsys, "rejects", str(batch["batch_id"]), "--db", database, "--csv", str(target))[0] == 0
    assert target.read_text().splitlines()[0].startswith("file_name,line,column,value,reason")

    code, out, _ = run(capsys, "drop-batch", str(batch["batch_id"]), "--db", database)
    assert code == 0 and "2 rows removed" in out
    code, _, err = run(capsys, "drop-batch", str(batch["batch_id"]), "--db", database)
    assert code == 2 and "no batch" in err and "Traceback" not in err
    code, out, _ = run(capsys, "drop-batch", str(batch["batch_id"]), "--db", database, "--json")
    assert code == 2 and json.loads(out)["status"] == "failed" and "no batch" in json.loads(out)["message"]


def test_seed_if_empty_leaves_a_database_with_data_alone(files, capsys):
    database = str(files / "t.duckdb")
    run(capsys, "ingest", str(files / "good.csv"), "--db", database, "--json")
    code, out, _ = run(capsys, "seed-if-empty", "--db", database)
    assert code == 0 and "nothing seeded" in out


def test_a_busy_database_gives_a_friendly_error(files, capsys, monkeypatch):
    from analytics import db

    def held_elsewhere(path=None, *, read_only=False):
        raise db.DatabaseBusyError("The database is open for writing in another process.")

    monkeypatch.setattr(db, "connect", held_elsewhere)
    code, _, err = run(capsys, "ingest", str(files / "good.csv"), "--db", str(files / "t.duckdb"))
    assert code == 2 and "another process" in err and "Traceback" not in err


def test_ingest_of_a_clean_file_loads_no_pandas(tmp_path):
    """The command line's ingest runs on DuckDB alone: pandas (~0.5 s to import), numpy and pyarrow load only when
    a command prints or returns a frame."""
    import subprocess
    import sys
    from pathlib import Path

    clean = tmp_path / "clean.csv"
    clean.write_text("\n".join(GOOD.splitlines()[:3]) + "\n")
    code = ("import json, sys; from analytics.cli import main; "
            f"assert main(['ingest', {str(clean)!r}, '--db', {str(tmp_path / 't.duckdb')!r}, '--json']) == 0; "
            "print(json.dumps(sorted(m for m in ('pandas', 'numpy', 'pyarrow') if m in sys.modules)))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1]) == []
