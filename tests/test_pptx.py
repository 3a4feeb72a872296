"""The QBR deck, opened with python-pptx: one slide per section, its texts, images and speaker notes."""
from __future__ import annotations

import io

import pytest
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE

from reports.pptx import report_pptx
from tests.builders import EVIL, NPS_CHANGE
from tests.builders import qbr_report as _report

TITLES = ["This quarter at a glance", "What changed", "Needs attention",
          "Against the baseline at the same relationship year", "Innovation, governance and gain-share",
          "Agenda and actions"]


@pytest.fixture(scope="module")
def slides() -> list:
    """The deck of a provider named like a script tag (its text must stay literal), opened with python-pptx."""
    deck = Presentation(io.BytesIO(report_pptx(_report(provider=EVIL))))
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
    assert slides[0].shapes.title.text == f"Quarterly business review — {EVIL} · Care & Billing"
    assert "Q3 2025 · partnership" in _texts(slides[0])
    assert [s.shapes.title.text for s in slides[1:]] == TITLES


def test_slides_carry_the_story_with_nps_in_points_and_notes_with_the_numbers(slides):
    summary, changes, attention = slides[1], slides[2], slides[3]
    assert "-40.0 pts vs Q1 2025" in _texts(summary)  # the tiles table
    assert "%" not in next(line for line in _texts(summary).splitlines() if line.startswith("-40.0"))
    assert NPS_CHANGE in _texts(changes)
    assert "Net promoter score is 0.0, 30.0 pts below the 30.0 target" in _texts(attention)
    notes = changes.notes_slide.notes_text_frame.text
    assert NPS_CHANGE in notes and "Net promoter score: -40.0 pts vs Q1 2025 (worse)" in notes
    assert all(s.has_notes_slide and s.notes_slide.notes_text_frame.text.strip() for s in slides)


def test_charts_are_images_on_their_sections_slides(slides):
    pictures = {s.shapes.title.text: sum(sh.shape_type == MSO_SHAPE_TYPE.PICTURE for sh in s.shapes)
                for s in slides[1:]}
    assert pictures == {"This quarter at a glance": 1, "What changed": 0, "Needs attention": 0,
                        "Against the baseline at the same relationship year": 1,
                        "Innovation, governance and gain-share": 1, "Agenda and actions": 0}


def test_agenda_slide_is_a_table_and_user_text_stays_literal(slides):
    agenda = slides[-1]
    assert any(shape.has_table for shape in agenda.shapes)
    assert f"Fix {EVIL}" in _texts(agenda)  # stored as a plain run, exactly as typed
