"""`python -m analytics report …` prints the frames the pages show."""
from __future__ import annotations

import csv
import json

import pytest

from analytics import db, sample
from analytics.cli import main
from analytics.filters import Filters
from analytics.trends import kpi_trend


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("report") / "sample.duckdb"
    with db.connect(path) as con:
        sample.generate(con, interactions=20_000)
    return path


def run_json(capsys, *argv) -> list[dict]:
    assert main(["report", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_trends_json_is_the_trend_frame_as_records(sample_db, capsys):
    records = run_json(capsys, "trends", "--db", str(sample_db), "--kpi", "fcr", "--grain", "quarter")
    with db.connect(sample_db, read_only=True) as con:
        expected = kpi_trend(con, "fcr", Filters(), grain="quarter")
    assert [r["kpi"] for r in records] == ["fcr"] * len(expected)
    assert [r["value"] for r in records] == pytest.approx(expected["value"].tolist())
    assert {"period", "kpi", "value", "rolling_mean", "target", "yoy_change", "anomaly"} <= set(records[0])


def test_filter_options_narrow_the_report(sample_db, capsys):
    everyone = run_json(capsys, "trends", "--db", str(sample_db), "--kpi", "contacts", "--grain", "year")
    one = run_json(capsys, "trends", "--db", str(sample_db), "--kpi", "contacts", "--grain", "year",
                   "--model", "partnership", "--from", "2024-01-01")
    assert len(one) == 2  # 2024 and 2025
    assert sum(r["value"] for r in one) < sum(r["value"] for r in everyone)


def test_premium_report_has_the_documented_columns(sample_db, capsys):
    records = run_json(capsys, "premium", "--db", str(sample_db), "--kpi", "quality_score")
    assert {"kpi", "relationship_year", "partnership", "transactional", "premium_pct", "ci_low", "ci_high",
            "n_partnership", "n_transactional", "sufficient"} <= set(records[0])


def test_csv_output_writes_the_frame(sample_db, tmp_path, capsys):
    out = tmp_path / "claims.csv"
    assert main(["report", "claims", "--db", str(sample_db), "--csv", str(out)]) == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == 4 and {"claim", "verdict", "measured"} <= set(rows[0])


def test_an_unknown_view_is_refused_with_the_choices(sample_db, capsys):
    assert main(["report", "insight", "--db", str(sample_db), "--view", "nope"]) == 2
    assert "channel-mix" in capsys.readouterr().err


def test_a_missing_database_is_a_clear_error_and_none_is_created(tmp_path, capsys):
    missing = tmp_path / "typo" / "absent.duckdb"
    assert main(["report", "findings", "--db", str(missing)]) == 2
    err = capsys.readouterr().err
    assert f"There is no database at {missing}" in err and "Traceback" not in err
    assert not missing.parent.exists()


def test_the_grain_and_split_choices_are_kpi_frames_own():
    from analytics import kpi_frames
    from analytics.cli import report

    assert report.GRAINS == kpi_frames.GRAINS
    assert report.SPLITS == tuple(kpi_frames.SPLITS)


def test_building_the_parser_loads_no_pandas():
    # every command's parser is built at start-up: what they import there every command pays for
    import subprocess
    import sys

    code = ("import sys; from analytics.cli import build_parser; build_parser(); "
            "print(sorted(m for m in ('pandas', 'numpy', 'pyarrow', 'analytics.ingest', 'analytics.query') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
