"""The QBR of one engagement for one quarter: the `QbrReport` value and its HTML and PDF.

`reports.qbr_build.build_qbr_report` fills a `QbrReport` from the analytics layer;
`report_html` and `report_pdf` render it (`reports.pptx.report_pptx` makes the deck).
The report is a sequence of `Section`s — the quarter's story in the order it is presented —
each with plain sentences to read out, speaker notes carrying the numbers, an optional chart
and an optional table. The HTML is self-contained (charts as base64 images, no scripts, no
external URLs) and every piece of text is escaped; the PDF is one A4 landscape page.
"""
from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd
from fpdf import FPDF

from analytics.filters import engagement_label
from analytics.periods import parse_quarter_key, quarter_key, quarter_keys, quarter_text
from reports.render import chart_png, chart_svg

def parse_quarter(label: str) -> tuple[date, date] | None:
    """'2025-Q3' → (2025-07-01, 2025-09-30); None when the text is not a quarter key (`periods`)."""
    return parse_quarter_key(label)


def quarter_label(day: date | pd.Timestamp) -> str:
    """The quarter key ('2025-Q3') of the quarter holding `day` (`periods.quarter_key`)."""
    return quarter_key(day)


def available_quarters(first: date | None, last: date | None) -> list[str]:
    """Quarter keys from `first` to `last`, newest first (`periods.quarter_keys`)."""
    return quarter_keys(first, last)


@dataclass(frozen=True)
class Tile:
    kpi: str
    label: str
    value: str
    prior: str       # "+3.1 % vs prior quarter" or ""
    last_year: str   # "-2.0 % vs last year" or ""
    tone: str        # good | bad | neutral (for the change vs the prior quarter)
    direction: int   # +1 higher is better, -1 lower is better, 0 neutral


@dataclass(frozen=True, eq=False)
class ReportChart:
    key: str          # file-name friendly: health_trend, premium
    title: str
    spec: dict        # Vega-Lite, theme applied
    data: pd.DataFrame  # the aggregated rows behind the chart (for the CSV export)


@dataclass(frozen=True, eq=False)
class Section:
    key: str                         # summary | changes | attention | baseline | scorecard | agenda
    title: str
    lines: tuple[str, ...] = ()      # sentences to read out (plain text)
    notes: tuple[str, ...] = ()      # speaker notes: the numbers behind the lines
    chart: str | None = None         # key of a ReportChart shown with the section
    table: pd.DataFrame | None = None  # a small table with human headers, values already formatted as text
    empty: str = ""                  # what to say when the section has nothing to show
    tones: tuple[str, ...] = ()      # per line, when it has one: good | bad | neutral (a change), or the
                                     # status of a gap (below target | outside the band)


@dataclass(frozen=True, eq=False)
class QbrReport:
    provider: str
    account: str
    relationship_model: str | None
    quarter: str
    filters: tuple[str, ...]
    tiles: tuple[Tile, ...]
    charts: tuple[ReportChart, ...]
    findings: tuple[str, ...]
    theme: str = "light"
    notes: tuple[str, ...] = field(default=())  # what could not be shown and why
    sections: tuple[Section, ...] = field(default=())
    period: str = ""  # the quarter for people: 'Q3 2025'

    @property
    def engagement(self) -> str:
        return engagement_label(self.provider, self.account)

    @property
    def title(self) -> str:
        return f"Quarterly business review — {self.engagement}"

    @property
    def subtitle(self) -> str:
        model = self.relationship_model or "relationship model not recorded"
        period = self.period or (quarter_text(self.quarter) if parse_quarter_key(self.quarter) else self.quarter)
        return f"{period} · {model}"

    def section(self, key: str) -> Section | None:
        return next((s for s in self.sections if s.key == key), None)

    def chart(self, key: str | None) -> ReportChart | None:
        return next((c for c in self.charts if c.key == key), None)


# ---- HTML ---------------------------------------------------------------------------------------

_CSS = """
body{font-family:"DejaVu Sans",Helvetica,Arial,sans-serif;margin:24px;color:#1F2933;background:#fff}
h1{font-size:26px;margin:0 0 4px}.sub{font-size:16px;color:#52606D;margin:0 0 8px}
.filters{font-size:12px;color:#52606D;border-left:3px solid #0F5BA7;padding-left:8px;margin:0 0 16px}
.tiles{display:flex;flex-wrap:wrap;gap:10px;margin-bottom:16px}
.tile{border:1px solid #E4E7EB;border-radius:6px;padding:8px 12px;flex:1 1 0;min-width:120px}
.tile .label{font-size:12px;color:#52606D}.tile .value{font-size:24px;font-weight:bold}
.tile .change{font-size:12px}.good{color:#007A5A}.bad{color:#B5470B}.neutral{color:#52606D}
.charts{display:flex;flex-wrap:wrap;gap:16px}.charts img{width:520px;max-width:100%;height:auto}
h2{font-size:18px;margin:20px 0 6px}li{font-size:14px;margin-bottom:4px}
.notes{font-size:12px;color:#52606D}
table{border-collapse:collapse;font-size:13px;margin:6px 0}th,td{border-bottom:1px solid #E4E7EB;padding:3px 8px;
text-align:left}th{color:#52606D;font-weight:normal}
"""
_CSS_DARK = """
body{color:#E6EAF0;background:#0E1117}.sub,.filters,.tile .label,.neutral,.notes{color:#A0AAB8}
.tile{border-color:#2B313B}.good{color:#56C8A0}.bad{color:#F08C5A}th,td{border-color:#2B313B}th{color:#A0AAB8}
"""


def _svg_image(svg: str, alt_text: str) -> str:
    # An <img> with an SVG data URL cannot run script and keeps chart text out of the page markup.
    encoded = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return f'<img alt="{html.escape(alt_text)}" src="data:image/svg+xml;base64,{encoded}">'


_TONE_CLASS = {"good": "good", "bad": "bad", "neutral": "neutral"}  # gaps to a target read as "bad"


def _table_html(table: pd.DataFrame) -> str:
    e = html.escape
    head = "".join(f"<th>{e(str(c))}</th>" for c in table.columns)
    body = "".join("<tr>" + "".join(f"<td>{e(str(v))}</td>" for v in row) + "</tr>"
                   for row in table.itertuples(index=False))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def report_html(report: QbrReport, *, svgs: dict[str, str] | None = None) -> str:
    """The report as one self-contained HTML page (no scripts, no external resources).

    Tiles first, then every section in order with its chart, sentences and table.
    `svgs` maps chart keys to already rendered SVG (rendered here when absent).
    """
    e = html.escape
    svgs = svgs or {}
    tiles = "".join(
        f'<div class="tile"><div class="label">{e(t.label)}</div><div class="value">{e(t.value)}</div>'
        f'<div class="change {e(t.tone)}">{e(t.prior)}</div><div class="change neutral">{e(t.last_year)}</div></div>'
        for t in report.tiles
    )
    parts = []
    for section in report.sections:
        chart = report.chart(section.chart)
        image = f'<div class="charts">{_svg_image(svgs.get(chart.key) or chart_svg(chart.spec), chart.title)}</div>' \
            if chart else ""
        tones = section.tones or ("",) * len(section.lines)
        lines = "".join(f'<li class="{_TONE_CLASS.get(tone, "bad")}">{e(line)}</li>' if tone
                        else f"<li>{e(line)}</li>" for line, tone in zip(section.lines, tones))
        said = f"<ul>{lines}</ul>" if lines else (f'<p class="notes">{e(section.empty)}</p>' if section.empty else "")
        table = _table_html(section.table) if section.table is not None and not section.table.empty else ""
        parts.append(f'<section><h2>{e(section.title)}</h2>{image}{said}{table}</section>')
    notes = "".join(f"<p class=\"notes\">{e(n)}</p>" for n in report.notes)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{e(report.title)}</title><style>{_CSS}{_CSS_DARK if report.theme == 'dark' else ''}</style>"
        "</head><body>"
        f"<h1>{e(report.title)}</h1><p class=\"sub\">{e(report.subtitle)}</p>"
        f"<p class=\"filters\">Filters applied: {e('; '.join(report.filters))}</p>"
        f"<div class=\"tiles\">{tiles}</div>{''.join(parts)}{notes}</body></html>\n"
    )


# ---- PDF ----------------------------------------------------------------------------------------

_FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
# PDF colours per theme: page, ink, muted text, tile border, and the change tones.
_PDF_COLOURS = {
    "light": {"page": (255, 255, 255), "ink": (31, 41, 51), "muted": (82, 96, 109), "border": (228, 231, 235),
              "good": (0, 122, 90), "bad": (181, 71, 11), "neutral": (82, 96, 109)},
    "dark": {"page": (14, 17, 23), "ink": (230, 234, 240), "muted": (160, 170, 184), "border": (43, 49, 59),
             "good": (86, 200, 160), "bad": (240, 140, 90), "neutral": (160, 170, 184)},
}


def _pdf_font(pdf: FPDF) -> tuple[str, bool]:
    """DejaVu (full Unicode) when installed, else the core Helvetica (Latin-1 only)."""
    regular, bold = _FONT_DIR / "DejaVuSans.ttf", _FONT_DIR / "DejaVuSans-Bold.ttf"
    if regular.exists() and bold.exists():
        pdf.add_font("DejaVu", "", str(regular))
        pdf.add_font("DejaVu", "B", str(bold))
        return "DejaVu", True
    return "Helvetica", False


def report_pdf(report: QbrReport, *, pngs: dict[str, bytes] | None = None) -> bytes:
    """The report as a one-page A4 landscape PDF (charts as PNG images), in the report's theme.

    `pngs` maps chart keys to already rendered PNG bytes (rendered here when absent).
    """
    pngs = pngs or {}
    colour = _PDF_COLOURS.get(report.theme, _PDF_COLOURS["light"])
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(12, 10, 12)
    pdf.add_page()
    pdf.set_fill_color(*colour["page"])
    pdf.rect(0, 0, pdf.w, pdf.h, style="F")
    font, unicode_ok = _pdf_font(pdf)

    def text(value: str) -> str:
        if unicode_ok:
            return value
        return value.replace("—", "-").replace("−", "-").replace("·", "-").encode("latin-1", "replace").decode(
            "latin-1")

    def fitted(value: str, width: float, size: float, style: str = "", smallest: float = 5.5) -> str:
        """Set the largest font size ≤ `size` at which `value` fits `width`; return the text to print."""
        value = text(value)
        while size > smallest:
            pdf.set_font(font, style, size)
            if pdf.get_string_width(value) <= width:
                return value
            size -= 0.5
        pdf.set_font(font, style, smallest)
        return value

    width = pdf.w - pdf.l_margin - pdf.r_margin
    pdf.set_text_color(*colour["ink"])
    pdf.cell(width, 9, fitted(report.title, width, 18, "B", smallest=11), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(font, "", 12)
    pdf.set_text_color(*colour["muted"])
    pdf.cell(width, 6, text(report.subtitle), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(font, "", 8)
    pdf.multi_cell(width, 4, text("Filters applied: " + "; ".join(report.filters)), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)

    # Tiles: up to 8 in one row.
    if report.tiles:
        gap = 2.5
        tile_w = (width - gap * (len(report.tiles) - 1)) / len(report.tiles)
        inner = tile_w - 4
        top = pdf.get_y()
        for i, t in enumerate(report.tiles):
            x = pdf.l_margin + i * (tile_w + gap)
            pdf.set_draw_color(*colour["border"])
            pdf.rect(x, top, tile_w, 22)
            pdf.set_text_color(*colour["muted"])
            pdf.set_xy(x + 2, top + 1.5)
            pdf.cell(inner, 4, fitted(t.label, inner, 7))
            pdf.set_text_color(*colour["ink"])
            pdf.set_xy(x + 2, top + 6)
            pdf.cell(inner, 7, fitted(t.value, inner, 13, "B"))
            pdf.set_text_color(*colour.get(t.tone, colour["neutral"]))
            pdf.set_xy(x + 2, top + 13.5)
            pdf.cell(inner, 3.5, fitted(t.prior, inner, 6.5))
            pdf.set_text_color(*colour["neutral"])
            pdf.set_xy(x + 2, top + 17)
            pdf.cell(inner, 3.5, fitted(t.last_year, inner, 6.5))
        pdf.set_y(top + 25)

    # Charts side by side, each half the width, aspect kept from the PNG.
    if report.charts:
        top = pdf.get_y()
        chart_w = (width - 6) / 2
        bottom = top
        for i, c in enumerate([c for c in report.charts if c.key != "gainshare"][:2]):
            image = pdf.image(io.BytesIO(pngs.get(c.key) or chart_png(c.spec)), x=pdf.l_margin + i * (chart_w + 6),
                              y=top, w=chart_w)
            bottom = max(bottom, top + image.rendered_height)
        pdf.set_y(bottom + 3)

    # Two columns of sentences below the charts: what changed | needs attention, gain-share, actions.
    column_w = (width - 8) / 2
    top = pdf.get_y()

    def column(x: float, blocks: list[tuple[str, list[str]]]) -> None:
        pdf.set_xy(x, top)
        for heading, lines in blocks:
            if pdf.get_y() > pdf.h - 18:
                return
            pdf.set_x(x)
            pdf.set_text_color(*colour["ink"])
            pdf.set_font(font, "B", 10.5)
            pdf.cell(column_w, 6, text(heading), new_x="LEFT", new_y="NEXT")
            pdf.set_font(font, "", 8.5)
            for line in lines:
                if pdf.get_y() > pdf.h - 14:
                    return  # one page, always
                pdf.set_x(x)
                pdf.multi_cell(column_w, 4.2, text(("• " if unicode_ok else "- ") + line), new_x="LEFT",
                               new_y="NEXT")
            pdf.ln(1.5)

    def block(key: str, limit: int) -> list[tuple[str, list[str]]]:
        section = report.section(key)
        if section is None:
            return []
        return [(section.title, list(section.lines[:limit]) or ([section.empty] if section.empty else []))]

    column(pdf.l_margin, block("changes", 6) or [("What changed", list(report.findings))])
    column(pdf.l_margin + column_w + 8, block("attention", 4) + block("scorecard", 3) + block("agenda", 3))
    if report.notes:
        pdf.set_xy(pdf.l_margin, pdf.h - 12)
        pdf.set_text_color(*colour["muted"])
        pdf.set_font(font, "", 7)
        pdf.cell(width, 4, text(" ".join(report.notes))[:400])
    return bytes(pdf.output())
