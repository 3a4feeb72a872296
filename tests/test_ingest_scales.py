"""CSAT on 0–100 is recognised as a scale; NPS that is not 0–10 answers is refused as a column — never half-loaded."""
from __future__ import annotations

from analytics import contracts
from analytics.ingest import Mapping, ingest_file

# a 0–100 CSAT column: values at both ends, one ≤ 10 (a low score, not a 1–10 rating) and the 80 boundary
CSAT_100 = [0, 10, 35, 79, 80, 95, 100, 62, 88, 50]


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def csat_file(values) -> str:
    return "call id,date,provider,csat\n" + "".join(f"{i},2024-01-{1 + i % 28:02d},Acme,{v}\n"
                                                    for i, v in enumerate(values, 1))


def test_a_0_to_100_csat_column_is_detected_as_scale_100_and_loads_whole(con, tmp_path):
    result = ingest_file(con, write(tmp_path, "csat100.csv", csat_file(CSAT_100)))
    assert (result.status, result.rows_loaded, result.values_rejected) == ("loaded", 10, 0)
    assert con.execute("select distinct csat_scale from interactions").fetchall() == [(100,)]
    assert sorted(v for (v,) in con.execute("select csat from interactions").fetchall()) == sorted(CSAT_100)
    # top-two box on 0–100 is 80–100 (documented): counted by hand, 80, 95, 100, 88
    satisfied = sum(1 for v in CSAT_100 if v >= 80)
    assert satisfied == 4 and contracts.CSAT_TOP_TWO[100] == 80
    assert con.execute("select sum(csat_sat), sum(csat_n) from rollup_daily").fetchone() == (satisfied, 10)


def test_a_declared_scale_100_rejects_only_values_outside_0_to_100(con, tmp_path):
    result = ingest_file(con, write(tmp_path, "c.csv", csat_file([100, 0, 101, 70])),
                         mapping=Mapping(kind="interactions", csat_scale=100))
    assert (result.rows_loaded, result.values_rejected) == (4, 1)
    assert list(result.rejects["value"]) == ["101"]
    assert Mapping.from_dict({"kind": "interactions", "csat_scale": 100}).csat_scale == 100


def test_a_1_to_10_file_with_a_stray_value_keeps_its_scale(con, tmp_path):
    values = [7, 9, 10, 3] * 10 + [11]  # 40 of 41 ratings ≤ 10: the stray 11 is one bad value, not a 0–100 file
    result = ingest_file(con, write(tmp_path, "c.csv", csat_file(values)))
    assert con.execute("select distinct csat_scale from interactions").fetchall() == [(10,)]
    assert (result.rows_loaded, result.values_rejected) == (41, 1)


def test_an_nps_column_on_minus_100_to_100_is_refused_with_one_message_and_nothing_loads(con, tmp_path):
    text = "call id,date,provider,aht,nps\n" + "".join(
        f"{i},2024-01-0{i},A,60,{n}\n" for i, n in enumerate([-20, 40, 100, -100, 7, 0], 1))
    path = write(tmp_path, "nps.csv", text)
    for dry_run in (True, False):
        result = ingest_file(con, path, dry_run=dry_run)
        assert result.status == "failed"
        assert "4 of the 6 values in the NPS column are outside 0–10" in result.message
        assert "net promoter score" in result.message and "'nps'" in result.message
    assert con.execute("select (select count(*) from interactions) + (select count(*) from batches)").fetchone() == (0,)


def test_an_nps_column_of_0_to_10_answers_with_one_stray_value_loads_and_rejects_that_value(con, tmp_path):
    answers = [9, 10, 6, 8, 0, 3, 7] * 5 + [11]
    text = "call id,date,provider,nps\n" + "".join(f"{i},2024-01-{1 + i % 28:02d},A,{n}\n"
                                                   for i, n in enumerate(answers, 1))
    result = ingest_file(con, write(tmp_path, "nps.csv", text))
    assert (result.status, result.rows_loaded, result.values_rejected) == ("loaded", 36, 1)
    promoters = sum(1 for n in answers[:-1] if n >= 9)
    assert con.execute("select sum(nps_promoters), sum(nps_n) from rollup_daily").fetchone() == (promoters, 35)


def test_0_to_100_csat_and_off_scale_nps_in_one_file_refuse_the_file_for_nps(con, tmp_path):
    text = "call id,date,provider,csat,nps\n" + "".join(
        f"{i},2024-01-0{i},A,{c},{n}\n" for i, (c, n) in enumerate([(80, -20), (95, 40), (60, 100), (75, -100)], 1))
    result = ingest_file(con, write(tmp_path, "scores.csv", text), dry_run=True)
    assert result.status == "failed" and "NPS column" in result.message
    # without the NPS column the same CSAT values load whole on the 0–100 scale
    csat_only = "call id,date,provider,csat\n1,2024-01-01,A,80\n2,2024-01-02,A,95\n3,2024-01-03,A,60\n4,2024-01-04,A,75\n"
    loaded = ingest_file(con, write(tmp_path, "csat.csv", csat_only))
    assert (loaded.rows_loaded, loaded.values_rejected, loaded.column_problems) == (4, 0, ())


def test_the_csat_scale_is_decided_by_every_rating_not_only_the_first_ones(con, tmp_path):
    # The first 20,000 ratings are all 1–5, then 2,000 eights: 20,000 of 22,000 (91 %) are ≤ 5, under the 95 % a
    # 1–5 file needs, and all are ≤ 10, so the file is on 1–10 and no eight is rejected. Read in place (every line
    # one record) and staged (a blank line), since both guess the scale from the head and must correct it.
    head, tail = [1 + i % 5 for i in range(20_000)], [8] * 2_000
    assert sum(v <= 5 for v in head + tail) / len(head + tail) < contracts.CSAT_FIVE_SHARE
    for layout, end in (("in place", ""), ("staged", "\n")):
        text = "call id,date,provider,csat\n" + "".join(f"{layout}-{i},2024-01-{1 + i % 28:02d},{layout},{v}\n"
                                                       for i, v in enumerate(head + tail, 1)) + end
        result = ingest_file(con, write(tmp_path, f"{layout}.csv", text))
        assert (result.rows_loaded, result.values_rejected) == (22_000, 0), layout
        assert con.execute("select distinct csat_scale, count(*) filter (where csat = 8) from interactions "
                           "where provider = ? group by all", [layout]).fetchall() == [(10, 2_000)], layout


def test_a_tail_of_off_scale_ratings_does_not_rescale_a_1_to_5_file(con, tmp_path):
    # 21,000 ratings 1–5 then 100 sevens: 99.5 % are ≤ 5, so the scale stays 1–5 and only the sevens are rejected
    values = [1 + i % 5 for i in range(21_000)] + [7] * 100
    result = ingest_file(con, write(tmp_path, "c.csv", csat_file(values)))
    assert (result.rows_loaded, result.values_rejected) == (21_100, 100)
    assert con.execute("select distinct csat_scale from interactions").fetchall() == [(5,)]
    assert set(result.rejects["value"]) == {"7"} and len(result.rejects) == 100
