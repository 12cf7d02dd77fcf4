"""Real documents and transcripts written for the import tests, one per format, each
made by the library a word processor or a video call would use for that format."""

from __future__ import annotations

from pathlib import Path

VTT = """WEBVTT

1
00:00:01.000 --> 00:00:04.200
<v Interviewer>Thanks for joining the call. How did you come to peer support?</v>

2
00:00:04.500 --> 00:00:07.000
<v Interviewer>Take your time.</v>

3
00:00:07.500 --> 00:00:12.000
<v Dana Lee>I came through my own recovery. Someone sat with me when I needed it.</v>

4
00:00:12.500 --> 00:00:15.000
<v Interviewer>And what keeps you in the role?</v>

5
00:01:02.000 --> 00:01:09.250
<v Dana Lee>Honestly, the people. The pay is poor.</v>
"""

SRT = """1
00:00:01,000 --> 00:00:03,000
Interviewer: Where do you work?

2
00:00:03,500 --> 00:00:06,000
P2: In a community mental health team. Two days a week.

3
00:00:06,500 --> 00:00:08,000
Interviewer: How is it?
"""

TURNS = """Focus group 1, 3 May 2024, community centre

Facilitator: Let's start with introductions. Who would like to go first?
P1: I will. I have worked as a peer worker for four years.
Before that I was a service user myself.
P2: I am new, six months in.
Facilitator: What surprised you most?
P2: The paperwork. Nobody told me about the paperwork.
"""


def write_docx(path: Path) -> Path:
    """A report with a title, two headed sections, a table and a closing paragraph."""
    import docx

    document = docx.Document()
    document.core_properties.title = "Peer support evaluation"
    document.add_heading("Peer support evaluation", level=0)
    document.add_heading("Background", level=1)
    document.add_paragraph("Peer workers joined three teams in 2023. They bring lived experience.")
    document.add_paragraph("The service wanted to know what changed.")
    document.add_heading("Findings", level=1)
    document.add_paragraph("Staff valued the peer workers. Caseloads fell.")
    table = document.add_table(rows=2, cols=3)
    for row, values in zip(
        table.rows, [("Team", "Peers", "Year"), ("North", "2", "2023")], strict=True
    ):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    document.add_paragraph("Supervision was the main gap.")
    document.save(str(path))
    return path


def write_docx_transcript(path: Path) -> Path:
    """An interview typed in Word: speaker labels at the start of paragraphs."""
    import docx

    document = docx.Document()
    document.add_heading("Interview 4", level=1)
    document.add_paragraph("Interviewer: What does a good day look like?")
    document.add_paragraph("P4: When someone calls back. That means trust.")
    document.add_paragraph("It does not happen often.")
    document.add_paragraph("Interviewer: And a bad day?")
    document.add_paragraph("P4: Ward rounds.")
    document.save(str(path))
    return path


def write_odt(path: Path) -> Path:
    """An OpenDocument text with a heading per part and a small table."""
    from odf.opendocument import OpenDocumentText
    from odf.table import Table, TableCell, TableColumn, TableRow
    from odf.text import H, P

    document = OpenDocumentText()
    document.text.addElement(H(outlinelevel=1, text="Field notes"))
    document.text.addElement(P(text="The ward was quiet. Two peer workers were on shift."))
    document.text.addElement(H(outlinelevel=1, text="Reflections"))
    document.text.addElement(P(text="I felt like an outsider at first."))
    table = Table(name="Shifts")
    table.addElement(TableColumn(numbercolumnsrepeated=2))
    for values in [("Day", "Peers"), ("Monday", "2")]:
        row = TableRow()
        for value in values:
            cell = TableCell()
            cell.addElement(P(text=value))
            row.addElement(cell)
        table.addElement(row)
    document.text.addElement(table)
    document.save(str(path))
    return path


def write_pdf(path: Path) -> Path:
    """A two-page PDF with a text layer: one paragraph per page."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    pdf.add_page()
    pdf.multi_cell(0, 8, "Page one reports the interviews. Eleven peer workers took part.")
    pdf.add_page()
    pdf.multi_cell(0, 8, "Page two discusses supervision. It was rarely offered.")
    pdf.set_title("Supervision report")
    pdf.output(str(path))
    return path


def write_all(folder: Path) -> dict[str, Path]:
    """Every kind, by format name."""
    folder.mkdir(parents=True, exist_ok=True)
    texts = {
        "vtt": ("call with Dana.vtt", VTT),
        "srt": ("interview p2.srt", SRT),
        "transcript": ("focus group 1.txt", TURNS),
        "markdown": (
            "notes.md",
            "# Notes\n\nFirst **visit** went well.\n\n## Later\n\n- a [list](http://x) item\n- another item\n",
        ),
        "html": (
            "page.html",
            "<!DOCTYPE html><html><head><title>Site visit</title><style>p{}</style></head><body><h1>Visit</h1><p>We met the team.</p><h2>Issues</h2><p>Rooms were &amp; are small.</p><table><tr><td>A</td><td>1</td></tr></table></body></html>",
        ),
    }
    out = {}
    for fmt, (name, text) in texts.items():
        out[fmt] = folder / name
        out[fmt].write_text(text, encoding="utf-8")
    out["docx"] = write_docx(folder / "evaluation report.docx")
    out["odt"] = write_odt(folder / "field notes.odt")
    out["pdf"] = write_pdf(folder / "supervision.pdf")
    return out
