"""The QBR deck built from a literal database, opened with python-pptx: one slide per section, its texts,
images and speaker notes, every change in its unit."""
from __future__ import annotations

import io
from datetime import date

import pandas as pd
import pytest
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE

from analytics import actions, db, kpis
from analytics.contracts import ENGAGEMENTS, INTERACTIONS, PERFORMANCE
from analytics.filters import Filters
from reports.pptx import report_pptx
from reports.qbr_build import build_qbr_report
from tests.builders import insert_rows

EVIL = "<script>alert(1)</script>"
P, A = "Apex", "Care"
TITLES = ["This quarter at a glance", "What changed", "Needs attention",
          "Against the baseline at the same relationship year", "Innovation, governance and gain-share",
          "Agenda and actions"]
NPS = kpis.kpi("nps").label


@pytest.fixture(scope="module")
def slides() -> list:
    """NPS falls from 40 (Q1 2025: 5 promoters, 1 detractor of 10) to 0 (Q2 2025: 3 and 3); quality 90 against
    a transactional engagement's 80 in the same relationship year; an action typed like a script tag."""
    con = db.connect(":memory:")
    insert_rows(con, ENGAGEMENTS, [{"provider": p, "account": A, "relationship_model": m,
                                    "contract_start": date(2024, 1, 1)}
                                   for p, m in ((P, "partnership"), ("Other", "transactional"))])
    insert_rows(con, PERFORMANCE, [{"period": date(2025, 5, 1), "provider": p, "account": A, "quality_score": q}
                                   for p, q in ((P, 90.0), ("Other", 80.0))], batch_id=3)
    rows = []
    for day, promoters, detractors in ((date(2025, 2, 10), 5, 1), (date(2025, 5, 10), 3, 3)):
        rows += [{"interaction_id": f"{day}-{i}", "occurred_at": day, "provider": P, "account": A,
                  "channel": "phone", "nps": 10 if i < promoters else (3 if i < promoters + detractors else 8)}
                 for i in range(10)]
    insert_rows(con, INTERACTIONS, rows, batch_id=2)
    actions.save_agenda(con, P, A, "2025-Q2", pd.DataFrame([{"action_id": None, "kind": "action",
                                                             "text": f"Fix {EVIL}", "owner": "Dana", "due": None,
                                                             "status": "open"}]))
    report = build_qbr_report(con, P, A, "2025-Q2", Filters())
    con.close()
    deck = Presentation(io.BytesIO(report_pptx(report)))
    assert deck.slide_width > deck.slide_height  # 16:9
    return list(deck.slides)


def _texts(slide) -> str:
    parts = []
    for shape in slide.shapes:
        if shape.has_text_frame:
            parts.append(shape.text_frame.text)
        if shape.has_table:
            parts += [cell.text for row in shape.table.rows for cell in row.cells]
    return "\n".join(parts)


def test_deck_has_a_title_slide_then_one_slide_per_section(slides):
    assert slides[0].shapes.title.text == "Quarterly business review — Apex · Care"
    assert "Q2 2025 · partnership" in _texts(slides[0])
    assert [s.shapes.title.text for s in slides[1:]] == TITLES


def test_slides_carry_the_story_with_nps_in_points_and_notes_with_the_numbers(slides):
    summary, changes, attention = slides[1], slides[2], slides[3]
    assert "-40.0 pts vs Q1 2025" in _texts(summary)  # the tiles table
    assert f"{NPS} fell 40.0 pts to 0.0 from Q1 2025" in _texts(changes)
    assert f"{NPS} is 0.0, 30.0 pts below the 30.0 target" in _texts(attention)
    assert "%" not in " ".join(line for line in _texts(changes).splitlines() if NPS in line)
    notes = changes.notes_slide.notes_text_frame.text
    assert f"{NPS} fell 40.0 pts to 0.0 from Q1 2025" in notes and f"{NPS}: -40.0 pts vs Q1 2025 (worse)" in notes
    assert all(s.has_notes_slide and s.notes_slide.notes_text_frame.text.strip() for s in slides)


def test_the_baseline_chart_is_an_image_beside_its_sentence(slides):
    baseline = slides[4]
    assert sum(shape.shape_type == MSO_SHAPE_TYPE.PICTURE for shape in baseline.shapes) == 1
    assert ("Quality score, relationship year 2: 90.0, +10.0 pts vs transactional deals at 80.0 (1 engagement)"
            in _texts(baseline))
    for title in ("What changed", "Needs attention", "Agenda and actions"):  # text-only sections
        slide = next(s for s in slides if s.shapes.title.text == title)
        assert not any(shape.shape_type == MSO_SHAPE_TYPE.PICTURE for shape in slide.shapes), title


def test_agenda_slide_is_a_table_and_user_text_stays_literal(slides):
    agenda = slides[-1]
    assert any(shape.has_table for shape in agenda.shapes)
    assert f"Fix {EVIL}" in _texts(agenda)  # stored as a plain run, exactly as typed
