"""The CLI under hostile arguments, files and faults: never a traceback, always one sentence and a non-zero exit,
valid JSON with --json, no database created by a command that only reads, no terminal control characters.

Every case runs in-process through `main()` (the code path `python -m analytics` runs, fast); each failure class
(a file that is not a database, a usage error, a full disk simulated with RLIMIT_FSIZE) also runs once as
`python -m analytics …` in a real subprocess.
"""
from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from analytics import db, maintenance
from analytics.cli import build_parser, main, parsers
from analytics.cli.report import REPORTS
from analytics.ingest import ingest_file
from tests.builders import insert_rows

REPO = Path(__file__).resolve().parents[1]
GOOD = "call id,date,provider,csat\nA1,2024-01-01,Acme,4\nA2,2024-01-02,Acme,5\nA3,not-a-date,Acme,5\n"


def subcommands() -> list[str]:
    (action,) = [a for a in build_parser()._actions if a.dest == "command"]
    return sorted(action.choices)


def command_paths(*, groups: bool = False) -> list[str]:
    """Every command the parser offers, as typed: "ingest", "rollups import", … (with `groups`: "rollups" too)."""
    return sorted(path for path, sub in parsers(build_parser()) if groups or sub.get_default("func") is not None)


# Every command, by whether it may create or change files. A command that only reads must never create a
# database (or its folder) at a mistyped --db; `test_every_command_is_classified` keeps this list whole.
READS = {"batches", "check", "backup", "drop-batch", "rejects", "report"}
WRITES = {"ingest", "sample", "seed-if-empty", "restore", "rollups import", "rollups job", "rollups golden"}


@pytest.fixture(scope="module")
def loaded(tmp_path_factory) -> Path:
    """A closed database file holding GOOD as batch 1, built once and copied per test."""
    folder = tmp_path_factory.mktemp("loaded")
    (folder / "good.csv").write_text(GOOD, encoding="utf-8")
    with db.connect(folder / "good.duckdb") as con:
        assert ingest_file(con, folder / "good.csv").status == "loaded"
    return folder / "good.duckdb"


@pytest.fixture
def ws(tmp_path, loaded):
    """A workspace: a good database with one batch, broken database files, a folder, CSV and mapping files."""
    good = tmp_path / "good.duckdb"
    (tmp_path / "good.csv").write_text(GOOD, encoding="utf-8")
    shutil.copyfile(loaded, good)
    (tmp_path / "zero.duckdb").write_bytes(b"")
    (tmp_path / "junk.duckdb").write_bytes(b"this is a spreadsheet, not a database\n" * 50)
    (tmp_path / "truncated.duckdb").write_bytes(good.read_bytes()[:3000])
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "keep.txt").write_text("x")
    (tmp_path / "empty").mkdir()
    (tmp_path / "existing.txt").write_text("do not overwrite")
    for name, mapping in {"columns_string.json": '{"kind": "interactions", "columns": "provider"}',
                          "constants_list.json": '{"kind": "interactions",\n "constants": ["Acme"]}',
                          "broken.json": '{"kind": "interactions",\n  "columns": {"provider": "Vendor",}\n}',
                          "array.json": '["interactions"]',
                          "bad_order.json": '{"kind": "interactions", "date_order": "ymd"}'}.items():
        (tmp_path / name).write_text(mapping, encoding="utf-8")
    return tmp_path


def run(capsys, argv: list[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def assert_clean_failure(code: int, out: str, err: str, *, as_json: bool) -> str:
    """Non-zero exit, no traceback; with --json a failed JSON object (or per-file list); returns the message."""
    assert code != 0, (out, err)
    assert "Traceback" not in out + err and 'File "' not in out + err, out + err
    if as_json:
        payload = json.loads(out)
        if isinstance(payload, list):  # ingest: one result per file
            failed = [r for r in payload if r["status"] == "failed"]
            assert failed, payload
            return failed[0]["message"]
        assert payload["status"] == "failed" and payload["message"], payload
        return payload["message"]
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert lines, err
    return lines[-1]


def cases(ws: Path) -> dict[str, list[str]]:
    """Bad invocations, by what is wrong."""
    w = str(ws)
    good = f"{w}/good.duckdb"
    return {
        "mapping columns is a string": ["ingest", f"{w}/good.csv", "--mapping", f"{w}/columns_string.json", "--db", good],
        "mapping constants is a list": ["ingest", f"{w}/good.csv", "--mapping", f"{w}/constants_list.json", "--db", good],
        "mapping is broken JSON": ["ingest", f"{w}/good.csv", "--mapping", f"{w}/broken.json", "--db", good],
        "mapping is an array": ["ingest", f"{w}/good.csv", "--mapping", f"{w}/array.json", "--db", good],
        "mapping date order unknown": ["ingest", f"{w}/good.csv", "--mapping", f"{w}/bad_order.json", "--db", good],
        "mapping file missing": ["ingest", f"{w}/good.csv", "--mapping", f"{w}/nope.json", "--db", good],
        "ingest a missing file": ["ingest", f"{w}/nope.csv", "--db", good],
        "ingest a folder": ["ingest", f"{w}/folder", "--db", good],
        "ingest unknown kind": ["ingest", f"{w}/good.csv", "--kind", "calls", "--db", good],
        "ingest into junk": ["ingest", f"{w}/good.csv", "--db", f"{w}/junk.duckdb"],
        "ingest into zero-byte": ["ingest", f"{w}/good.csv", "--db", f"{w}/zero.duckdb"],
        "ingest into truncated": ["ingest", f"{w}/good.csv", "--db", f"{w}/truncated.duckdb"],
        "ingest into a folder": ["ingest", f"{w}/good.csv", "--db", f"{w}/folder"],
        "batches on junk": ["batches", "--db", f"{w}/junk.duckdb"],
        "batches on zero-byte": ["batches", "--db", f"{w}/zero.duckdb"],
        "batches on truncated": ["batches", "--db", f"{w}/truncated.duckdb"],
        "batches on a folder": ["batches", "--db", f"{w}/folder"],
        "rejects of a word": ["rejects", "abc", "--db", good],
        "rejects of a negative id": ["rejects", "-1", "--db", good],
        "rejects of an unknown batch": ["rejects", "999", "--db", good],
        "rejects csv into a missing folder": ["rejects", "1", "--csv", f"{w}/no/such/out.csv", "--db", good],
        "rejects csv onto a folder": ["rejects", "1", "--csv", f"{w}/folder", "--db", good],
        "drop an unknown batch": ["drop-batch", "999", "--db", good],
        "drop a word": ["drop-batch", "x", "--db", good],
        "sample a negative count": ["sample", "--interactions", "-5", "--db", f"{w}/s.duckdb"],
        "sample a word": ["sample", "--interactions", "many", "--db", f"{w}/s.duckdb"],
        "seed into junk": ["seed-if-empty", "--db", f"{w}/junk.duckdb"],
        "check junk": ["check", "--db", f"{w}/junk.duckdb"],
        "check truncated": ["check", "--db", f"{w}/truncated.duckdb"],
        "check zero-byte": ["check", "--db", f"{w}/zero.duckdb"],
        "check a folder": ["check", "--repair", "--db", f"{w}/folder"],
        "backup onto a file": ["backup", f"{w}/existing.txt", "--db", good],
        "backup into a non-empty folder": ["backup", f"{w}/folder", "--db", good],
        "backup of junk": ["backup", f"{w}/bk", "--db", f"{w}/junk.duckdb"],
        "restore from a missing folder": ["restore", f"{w}/nope", "--db", f"{w}/new.duckdb"],
        "restore from a folder without manifest": ["restore", f"{w}/empty", "--db", f"{w}/new.duckdb"],
        "restore onto junk": ["restore", f"{w}/empty", "--db", f"{w}/junk.duckdb"],
        "report an unknown view": ["report", "insight", "--view", "nope", "--db", good],
        "report a bad date": ["report", "trends", "--from", "31/01/2024", "--db", good],
        "report dates reversed": ["report", "trends", "--from", "2024-02-01", "--to", "2024-01-01", "--db", good],
        "report an unknown kpi": ["report", "trends", "--kpi", "happiness", "--db", good],
        "report csv into a missing folder": ["report", "trends", "--csv", f"{w}/no/out.csv", "--db", good],
        "report csv onto a folder": ["report", "trends", "--csv", f"{w}/folder", "--db", good],
        "report on junk": ["report", "trends", "--db", f"{w}/junk.duckdb"],
        "report an unknown name": ["report", "happiness", "--db", good],
        "report a bad grain": ["report", "trends", "--grain", "decade", "--db", good],
        "report a bad split": ["report", "trends", "--split", "mood", "--db", good],
        "ingest no files": ["ingest", "--db", good],
        "ingest a mapping with no file": ["ingest", f"{w}/good.csv", "--mapping", "--db", good],
        "batches with an argument": ["batches", "extra", "--db", good],
        "drop-batch on junk": ["drop-batch", "1", "--db", f"{w}/junk.duckdb"],
        "rejects on junk": ["rejects", "1", "--db", f"{w}/junk.duckdb"],
        "sample an engagement count that is a word": ["sample", "--engagements", "lots", "--db", f"{w}/s.duckdb"],
        "sample a seed that is a word": ["sample", "--seed", "x", "--db", f"{w}/s.duckdb"],
        "seed into truncated": ["seed-if-empty", "--db", f"{w}/truncated.duckdb"],
        "check with an argument": ["check", "extra", "--db", good],
        "backup without a folder": ["backup", "--db", good],
        "restore without --db": ["restore", f"{w}/empty"],
        "restore without a folder": ["restore", "--db", f"{w}/new.duckdb"],
        "rollups without a subcommand": ["rollups", "--db", good],
        "rollups an unknown subcommand": ["rollups", "frobnicate"],
        "rollups import from a missing folder": ["rollups", "import", f"{w}/nope", "--db", good],
        "rollups import a folder without manifest": ["rollups", "import", f"{w}/empty", "--db", good],
        "rollups import months that are words": ["rollups", "import", f"{w}/empty", "--months", "spring"],
        "rollups job output into a missing folder": ["rollups", "job", "--output", f"{w}/no/job.py"],
        "rollups job output onto a folder": ["rollups", "job", "--output", f"{w}/folder"],
        "rollups golden with an argument": ["rollups", "golden", "extra"],
        "an unknown command": ["frobnicate"],
        "no command": [],
    }


@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_every_bad_invocation_is_one_sentence_with_a_non_zero_exit(ws, capsys, as_json):
    failures = {}
    for name, argv in cases(ws).items():
        code, out, err = run(capsys, argv + (["--json"] if as_json else []))
        try:
            message = assert_clean_failure(code, out, err, as_json=as_json)
            assert "\n" not in message.strip(), message
        except (AssertionError, ValueError) as exc:
            failures[name] = f"{exc} | out={out[-300:]!r} err={err[-300:]!r}"
    assert failures == {}


@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_every_subcommand_refuses_an_unknown_option_cleanly(capsys, as_json):
    for command in command_paths(groups=True):
        code, out, err = run(capsys, [*command.split(), "--no-such-option"] + (["--json"] if as_json else []))
        assert_clean_failure(code, out, err, as_json=as_json)


def test_every_command_has_bad_invocations_among_the_cases(ws):
    """A new command (read from the parser) fails here until `cases` tries it with bad arguments."""
    tried = {" ".join(argv[:n]) for argv in cases(ws).values() for n in (1, 2)}  # "ingest", "rollups import"
    assert [path for path in command_paths(groups=True) if path not in tried] == []


def test_every_command_is_classified_as_reading_or_writing():
    assert sorted(READS | WRITES) == command_paths() and not READS & WRITES


def test_every_command_takes_the_one_db_option_before_or_after_its_arguments(ws, capsys):
    good = str(ws / "good.duckdb")
    for argv in (["batches", "--db", good, "--json"], ["--db", good, "batches", "--json"],
                 ["rejects", "--db", good, "1", "--json"], ["report", "--json", "--db", good, "trends"]):
        code, out, err = run(capsys, argv)
        assert code == 0, (argv, err)
        json.loads(out)
    for path in command_paths():
        assert main([*path.split(), "--help"]) == 0
        assert "--db DB" in capsys.readouterr().out, path
    parser = build_parser()
    for argv in (["rollups", "--db", good, "import", "DIR"], ["rollups", "import", "DIR", "--db", good],
                 ["--db", good, "rollups", "import", "DIR"]):  # a group's --db survives its subcommand
        assert parser.parse_args(argv).db == good, argv
    assert parser.parse_args(["rollups", "import", "DIR"]).db is None
    assert parser.parse_args(["batches"]).json is False and parser.parse_args(["batches", "--json"]).json is True


def test_messages_name_the_file_the_place_and_the_fix(ws, capsys):
    w = str(ws)
    expected = {
        "mapping columns is a string": ["columns_string.json", '"columns" must be an object', "not a str"],
        "mapping constants is a list": ["constants_list.json", "line 2", '"constants" must be an object'],
        "mapping is broken JSON": ["broken.json", "line 2, column", "not valid JSON"],
        "ingest into junk": ["junk.duckdb", "not a Rapport database", "restore"],
        "ingest into zero-byte": ["zero.duckdb", "not a Rapport database"],
        "batches on truncated": ["truncated.duckdb", "damaged", "restore"],
        "batches on a folder": ["folder", "is a folder"],
        "check junk": ["junk.duckdb", "restore"],
        "check truncated": ["truncated.duckdb", "damaged", "restore"],
        "rejects csv into a missing folder": [f"{w}/no/such", "does not exist", "create the folder"],
        "rejects csv onto a folder": ["is a folder", "give a file name"],
        "report csv onto a folder": ["is a folder"],
        "backup onto a file": ["existing.txt", "is a file"],
        "backup into a non-empty folder": ["already holds files"],
        "sample a negative count": ["zero or more"],
        "report dates reversed": ["after --to"],
        "rejects of an unknown batch": ["no batch 999", "batches"],
    }
    all_cases = cases(ws)
    for name, parts in expected.items():
        code, out, err = run(capsys, all_cases[name] + ["--json"])
        message = assert_clean_failure(code, out, err, as_json=True)
        assert all(p in message for p in parts), (name, message)
    assert (ws / "existing.txt").read_text() == "do not overwrite"


def test_commands_that_only_read_never_create_a_database_or_folder(ws, capsys):
    typo = ws / "tpyo" / "rapport.duckdb"
    runs = [["batches"], ["rejects", "1"], ["check"], ["check", "--repair"], ["backup", str(ws / "bk")],
            ["drop-batch", "1"], ["ingest", str(ws / "good.csv"), "--dry-run"],
            *(["report", name] for name in sorted(REPORTS))]
    assert {argv[0] for argv in runs} == READS | {"ingest"}
    for argv in runs:
        code, out, err = run(capsys, [*argv, "--db", str(typo), "--json"])
        if argv[0] == "ingest":  # a dry run checks the file against an empty in-memory database
            assert code == 0 and json.loads(out)[0]["status"] == "dry-run"
        else:
            assert str(typo) in assert_clean_failure(code, out, err, as_json=True)
        assert not typo.parent.exists(), argv
    assert not (ws / "bk").exists()


def test_sample_into_a_database_that_already_holds_it_is_refused_and_changes_nothing(ws, capsys):
    target = str(ws / "s.duckdb")
    assert run(capsys, ["sample", "--interactions", "0", "--db", target, "--json"])[0] == 0
    with db.connect(target, read_only=True) as con:
        before = con.execute("select count(*) from batches").fetchone()
    code, out, err = run(capsys, ["sample", "--interactions", "0", "--db", target, "--json"])
    message = assert_clean_failure(code, out, err, as_json=True)
    assert "already holds the sample portfolio" in message and "drop-batch" in message
    with db.connect(target, read_only=True) as con:
        assert con.execute("select count(*) from batches").fetchone() == before


def test_a_read_only_database_file_gets_a_sentence_and_reading_commands_still_work(ws, capsys, monkeypatch):
    # Tests may run as root, where chmod does not stop writes: simulate the OS refusal DuckDB reports.
    real_connect = duckdb.connect

    def refusing(database, read_only=False, **kw):
        if not read_only and str(database).endswith("good.duckdb"):
            raise duckdb.IOException(f'IO Error: Cannot open file "{database}": Permission denied')
        return real_connect(database, read_only=read_only, **kw)

    monkeypatch.setattr(duckdb, "connect", refusing)
    good = str(ws / "good.duckdb")
    code, out, err = run(capsys, ["drop-batch", "1", "--db", good, "--json"])
    message = assert_clean_failure(code, out, err, as_json=True)
    assert "cannot be written" in message and "good.duckdb" in message
    code, out, err = run(capsys, ["check", "--repair", "--db", good])
    assert "cannot be written" in assert_clean_failure(code, out, err, as_json=False)
    code, out, _ = run(capsys, ["check", "--db", good, "--json"])
    assert code == 0 and json.loads(out)["ok"] is True
    code, out, _ = run(capsys, ["batches", "--db", good, "--json"])
    assert code == 0 and len(json.loads(out)) == 1


def test_check_names_a_damaged_table_and_suggests_restore(ws, capsys, monkeypatch):
    def unreadable(con, table):
        if table == "interactions":
            raise duckdb.IOException('IO Error: Could not read enough bytes from file "good.duckdb"')
        return "0"

    monkeypatch.setattr(maintenance, "table_checksum", unreadable)
    code, out, err = run(capsys, ["check", "--db", str(ws / "good.duckdb"), "--json"])
    message = assert_clean_failure(code, out, err, as_json=True)
    assert "interactions" in message and "damaged" in message and "restore" in message


def test_a_busy_database_fails_cleanly_in_json_and_backup_points_to_the_in_app_backup(ws, capsys):
    good = ws / "good.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('ready', flush=True); "
                               "sys.stdin.read()", str(good)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"  # the other process now holds the file
        code, out, err = run(capsys, ["batches", "--db", str(good), "--json"])
        assert "another process" in assert_clean_failure(code, out, err, as_json=True)
        code, out, err = run(capsys, ["backup", str(ws / "bk"), "--db", str(good), "--json"])
        message = assert_clean_failure(code, out, err, as_json=True)
        assert "RAPPORT_BACKUP_EVERY_HOURS" in message and "Data page" in message
    finally:
        holder.stdin.close()
        holder.wait()


def test_terminal_control_characters_from_user_values_are_shown_as_escapes(ws, capsys):
    hostile = "Acme\x1b[2J\x1b]0;pwned\x07\u202e"
    database = ws / "evil.duckdb"
    with db.connect(database) as con:
        insert_rows(con, "interactions", [{"occurred_at": "2024-01-01 09:00", "provider": hostile, "account": "Care",
                                           "channel": "phone", "csat": 4}])
        con.execute("insert into rejects by name select 1 as batch_id, ? as file_name, 3 as line, ? as \"column\", "
                    "? as value, 'not a date' as reason", [f"calls{hostile}.csv", hostile, hostile])
    texts = []
    for argv in (["rejects", "1"], ["batches"], ["report", "trends", "--split", "provider"]):
        code, out, err = run(capsys, [*argv, "--db", str(database)])
        assert code == 0, err
        texts.append(out + err)
    for argv in (["check"], *(["report", name] for name in sorted(REPORTS))):  # every report prints names
        code, out, err = run(capsys, [*argv, "--db", str(database)])
        assert "Traceback" not in out + err, (argv, err)
        texts.append(out + err)
    (ws / f"calls{hostile}.csv").write_text(GOOD, encoding="utf-8")
    for argv in (["batches", "--db", str(ws / f"x{hostile}.duckdb")],
                 ["ingest", str(ws / f"calls{hostile}.csv"), "--db", str(database)]):
        texts.append("".join(run(capsys, argv)[1:]))
    joined = "".join(texts)
    assert hostile.count("Acme") and "Acme" in joined
    assert not any(c in joined for c in "\x1b\x07\u202e"), repr(joined[:500])
    assert "\\x1b[2J" in joined and "\\x07" in joined


def test_the_cli_prints_the_date_order_note_the_data_page_shows(ws, capsys):
    (ws / "dm.csv").write_text("call id,date,provider,csat\nA1,01.03.2024,Acme,4\nA2,02.04.2024,Acme,5\n")
    code, out, _ = run(capsys, ["ingest", str(ws / "dm.csv"), "--db", str(ws / "dm.duckdb")])
    assert code == 0 and "note:" in out and "month-first" in out and "date_order" in out
    code, out, _ = run(capsys, ["ingest", str(ws / "dm.csv"), "--db", str(ws / "dm2.duckdb"), "--json",
                                "--dry-run"])
    (result,) = json.loads(out)
    assert code == 0 and any("day-first and month-first" in n for n in result["notes"])


def test_every_subcommand_fails_cleanly_on_a_file_that_is_not_a_database(ws, capsys):
    junk = str(ws / "junk.duckdb")
    runtime = {"ingest": [str(ws / "good.csv")], "rejects": ["1"], "drop-batch": ["1"],
               "backup": [str(ws / "bk")], "restore": [str(ws / "empty")], "report": ["trends"],
               "rollups": ["import", str(ws / "empty")]}
    for command in subcommands():
        argv = [command, "--db", junk, "--json", *runtime.get(command, [])]
        code, out, err = run(capsys, argv)
        message = assert_clean_failure(code, out, err, as_json=True)
        assert "junk.duckdb" in message or "manifest" in message, (argv, message)


# ---- real subprocesses -------------------------------------------------------------------------------------
#
# `python -m analytics …` as a user types it: one process per failure class (a file that is not a database,
# a usage error, a full disk), since the in-process cases above run the same main() for every command.

def _cli(argv: list[str], **kw) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("RAPPORT_DEBUG", None)
    return subprocess.Popen([sys.executable, "-m", "analytics", *argv], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, **kw)


def _file_size_limit(limit: int):
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write fails with EFBIG instead of killing the process
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_real_processes_fail_cleanly_on_junk_on_bad_options_and_on_a_full_disk(ws):
    # A full disk, simulated with RLIMIT_FSIZE below the size of what each file needs written: the cp1252
    # export fails while it is transcoded to a UTF-8 copy, the UTF-8 one while its rows go into the
    # database's write-ahead log (the database file itself, already larger than the limit, is not grown).
    database = ws / "full.duckdb"
    db.connect(database).close()
    limit = 32 * 1024
    rows = "".join(f"c{i},2024-01-{i % 28 + 1:02d} 10:00,Acme,Care,phone,4\n" for i in range(3_000))
    (ws / "big.csv").write_text("call id,date,provider,account,channel,csat\n" + rows, encoding="utf-8")
    (ws / "big1252.csv").write_bytes(("call id,date,provider,account,channel,csat\n" + rows.replace(
        "Acme", "Acmé")).encode("cp1252"))
    assert min((ws / "big.csv").stat().st_size, database.stat().st_size) > 2 * limit

    argvs = {"junk": ["report", "trends", "--db", str(ws / "junk.duckdb"), "--json"],
             "usage": ["batches", "--no-such-option"],
             "full disk": ["ingest", str(ws / "big1252.csv"), str(ws / "big.csv"), "--db", str(database), "--json"]}
    # All at once: each process mostly imports pandas and DuckDB, so they overlap well.
    running = {name: _cli(argv, preexec_fn=_file_size_limit(limit) if name == "full disk" else None)
               for name, argv in argvs.items()}
    done = {name: (process.communicate(), process.returncode) for name, process in running.items()}
    for name, ((out, err), code) in done.items():
        assert code != 0 and "Traceback" not in out + err, (name, err)

    (_, err), _ = done["usage"]
    assert "error:" in err and "--no-such-option" in err
    (out, _), _ = done["junk"]
    payload = json.loads(out)
    assert payload["status"] == "failed" and "junk.duckdb" in payload["message"], payload
    (out, _), _ = done["full disk"]
    transcoded, direct = json.loads(out)
    assert transcoded["status"] == direct["status"] == "failed", (transcoded, direct)
    assert "disk is full" in transcoded["message"] and "disk is full" in direct["message"], (transcoded, direct)
    assert "full.duckdb" in direct["message"], direct  # it names what could not be written
    with db.connect(database, read_only=True) as con:
        assert con.execute("select count(*) from batches").fetchone() == (0,)
        assert maintenance.check_database(con).ok


def test_rejects_in_text_shows_the_first_rows_and_says_how_to_get_the_rest(ws, capsys):
    from analytics.cli.data import TEXT_ROWS

    database = ws / "many.duckdb"
    with db.connect(database) as con:
        con.execute("insert into rejects by name select 7 as batch_id, 'f.csv' as file_name, range + 2 as line, "
                    "'date' as \"column\", 'x' || range as value, 'not a date' as reason from range(?)",
                    [TEXT_ROWS + 5])
        con.execute("insert into batches (batch_id, file_name, sha256, kind, rows_read, rows_loaded, rows_rejected, "
                    "rows_duplicate) values (7, 'f.csv', 'h', 'interactions', ?, 0, ?, 0)", [TEXT_ROWS + 5] * 2)
    code, out, _ = run(capsys, ["rejects", "7", "--db", str(database)])
    assert code == 0 and f"x{TEXT_ROWS - 1}" in out and f"x{TEXT_ROWS}" not in out
    assert "… and 5 more rejected rows" in out and "--csv" in out
    code, out, _ = run(capsys, ["rejects", "7", "--db", str(database), "--json"])
    assert code == 0 and len(json.loads(out)) == TEXT_ROWS + 5
