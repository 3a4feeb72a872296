"""The QBR as a PowerPoint deck (python-pptx): a title slide, then one slide per report section.

Charts are PNG images rendered offline by vl-convert (the same images as the PDF); tables are
native PowerPoint tables; every slide's speaker notes carry the sentences and the numbers behind
them, so the presenter can read them out. All text is set as plain runs (never parsed as markup).
"""
from __future__ import annotations

import io

import pandas as pd
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.util import Emu, Inches, Pt

from reports.qbr import QbrReport, Section
from reports.render import chart_png

SLIDE_W, SLIDE_H = Inches(13.333), Inches(7.5)  # 16:9
MARGIN = Inches(0.5)
TITLE_H = Inches(1.0)
BODY_PT, SMALL_PT, TABLE_PT = 20, 16, 13
MAX_TABLE_ROWS = 8
_COLOURS = {
    "light": {"background": RGBColor(0xFF, 0xFF, 0xFF), "ink": RGBColor(0x1F, 0x29, 0x33),
              "muted": RGBColor(0x52, 0x60, 0x6D)},
    "dark": {"background": RGBColor(0x0E, 0x11, 0x17), "ink": RGBColor(0xE6, 0xEA, 0xF0),
             "muted": RGBColor(0xA0, 0xAA, 0xB8)},
}


def _background(slide, colour: RGBColor) -> None:
    fill = slide.background.fill
    fill.solid()
    fill.fore_color.rgb = colour


def _title(slide, text: str, colour: RGBColor) -> None:
    shape = slide.shapes.title
    shape.left, shape.top, shape.width, shape.height = MARGIN, Inches(0.3), SLIDE_W - 2 * MARGIN, TITLE_H
    shape.text_frame.text = text
    for paragraph in shape.text_frame.paragraphs:
        for run in paragraph.runs:
            run.font.size, run.font.bold, run.font.color.rgb = Pt(32), True, colour


def _text_box(slide, left, top, width, height, lines: list[str], colour: RGBColor, size: int) -> None:
    frame = slide.shapes.add_textbox(left, top, width, height).text_frame
    frame.word_wrap = True
    for i, line in enumerate(lines):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        run = paragraph.add_run()
        run.text = line
        run.font.size, run.font.color.rgb = Pt(size), colour
        paragraph.space_after = Pt(8)


def _table(slide, left, top, width, frame: pd.DataFrame, colour: RGBColor) -> None:
    frame = frame.head(MAX_TABLE_ROWS)
    rows, cols = len(frame) + 1, len(frame.columns)
    table = slide.shapes.add_table(rows, cols, left, top, width, Inches(0.4) * rows).table
    for c, name in enumerate(frame.columns):
        table.cell(0, c).text = str(name)
    for r, record in enumerate(frame.itertuples(index=False), start=1):
        for c, value in enumerate(record):
            table.cell(r, c).text = "—" if value is None or (isinstance(value, float) and value != value) \
                else str(value)
    for r in range(rows):
        for c in range(cols):
            for paragraph in table.cell(r, c).text_frame.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(TABLE_PT)


def _notes(slide, lines: list[str]) -> None:
    slide.notes_slide.notes_text_frame.text = "\n".join(lines)


def _picture(slide, png: bytes, left, top, max_width, max_height) -> None:
    picture = slide.shapes.add_picture(io.BytesIO(png), left, top, width=max_width)
    if picture.height > max_height:  # keep the aspect ratio, fit the height instead
        ratio = max_height / picture.height
        picture.height, picture.width = int(max_height), int(picture.width * ratio)


def _section_slide(prs, report: QbrReport, section: Section, pngs: dict[str, bytes], colours: dict) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[5])  # title only
    _background(slide, colours["background"])
    _title(slide, section.title, colours["ink"])
    top = MARGIN + TITLE_H
    body_h = SLIDE_H - top - MARGIN
    full_w = SLIDE_W - 2 * MARGIN
    lines = list(section.lines) or ([section.empty] if section.empty else [])
    chart = report.chart(section.chart)
    if section.key == "summary" and report.tiles:
        tiles = pd.DataFrame({"KPI": [t.label for t in report.tiles], "This quarter": [t.value for t in report.tiles],
                              "vs prior quarter": [t.prior or "—" for t in report.tiles],
                              "vs last year": [t.last_year or "—" for t in report.tiles]})
        table_w = Emu(int(full_w * (0.55 if chart else 1.0)))
        _table(slide, MARGIN, top, table_w, tiles, colours["ink"])
        if chart:
            left = MARGIN + table_w + Inches(0.2)
            _picture(slide, pngs.get(chart.key) or chart_png(chart.spec), left, top, SLIDE_W - left - MARGIN,
                     body_h - Inches(0.8))
        _text_box(slide, MARGIN, SLIDE_H - MARGIN - Inches(0.6), full_w, Inches(0.6), lines[:1], colours["muted"],
                  SMALL_PT)
    elif chart:
        chart_w = Emu(int(full_w * 0.55))
        _picture(slide, pngs.get(chart.key) or chart_png(chart.spec), MARGIN, top, chart_w, body_h)
        left = MARGIN + chart_w + Inches(0.3)
        _text_box(slide, left, top, SLIDE_W - left - MARGIN, body_h, lines, colours["ink"],
                  SMALL_PT if len(lines) > 3 else BODY_PT)
    elif section.table is not None and not section.table.empty and section.key == "agenda":
        _table(slide, MARGIN, top, full_w, section.table, colours["ink"])
    else:
        _text_box(slide, MARGIN, top, full_w, body_h, lines, colours["ink"], BODY_PT if len(lines) <= 5 else SMALL_PT)
    _notes(slide, list(section.lines) + list(section.notes) + ([section.empty] if not section.lines and
                                                               section.empty else []))


def report_pptx(report: QbrReport, *, pngs: dict[str, bytes] | None = None) -> bytes:
    """The deck as .pptx bytes: a title slide, then one slide per section of `report`.

    `pngs` maps chart keys to already rendered PNG bytes (rendered here when absent).
    """
    pngs = pngs or {}
    colours = _COLOURS.get(report.theme, _COLOURS["light"])
    prs = Presentation()
    prs.slide_width, prs.slide_height = SLIDE_W, SLIDE_H

    slide = prs.slides.add_slide(prs.slide_layouts[0])
    _background(slide, colours["background"])
    title, subtitle = slide.shapes.title, slide.placeholders[1]
    # the default template is 4:3: stretch its placeholders across the 16:9 slide
    title.left, title.top, title.width, title.height = MARGIN, Inches(2.0), SLIDE_W - 2 * MARGIN, Inches(1.6)
    subtitle.left, subtitle.top, subtitle.width, subtitle.height = MARGIN, Inches(3.8), SLIDE_W - 2 * MARGIN, \
        Inches(2.0)
    title.text_frame.word_wrap = True
    title.text_frame.text = report.title
    for run in slide.shapes.title.text_frame.paragraphs[0].runs:
        run.font.size, run.font.bold, run.font.color.rgb = Pt(36), True, colours["ink"]
    subtitle.text_frame.text = report.subtitle
    extra = subtitle.text_frame.add_paragraph()
    extra.add_run().text = "Filters applied: " + "; ".join(report.filters)
    for paragraph, size in zip(subtitle.text_frame.paragraphs, (24, 14)):
        for run in paragraph.runs:
            run.font.size, run.font.color.rgb = Pt(size), colours["muted"]
    _notes(slide, [report.title, report.subtitle, "Filters applied: " + "; ".join(report.filters),
                   *report.notes])

    for section in report.sections:
        _section_slide(prs, report, section, pngs, colours)
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()
