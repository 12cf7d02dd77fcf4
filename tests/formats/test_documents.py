"""Documents and transcripts read from real files written in each format."""

from __future__ import annotations

from pathlib import Path

import pytest

from coder.core.segmenting import segment_spans, span_turns
from coder.formats.errors import FormatError
from coder.formats.records import iter_records
from tests.makedocs import write_all, write_docx_transcript


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_all(tmp_path_factory.mktemp("docs"))


def read_one(path: Path, fmt: str = "auto"):
    result = iter_records(path, fmt)
    records = list(result.records)
    assert len(records) == 1
    return result.format, records[0]


@pytest.mark.parametrize(
    "fmt", ["docx", "odt", "pdf", "markdown", "html", "vtt", "srt", "transcript"]
)
def test_each_format_is_recognised_and_keyed_by_file_name(files, fmt):
    found, record = read_one(files[fmt])
    assert found == fmt
    assert record.key == files[fmt].stem


def test_docx_keeps_headings_as_sections_and_table_rows(files):
    _, record = read_one(files["docx"])
    assert record.title == "Peer support evaluation"
    assert [s.heading for s in record.sections] == ["Background", "Findings"]
    findings = record.sections[1].text.split("\n")
    assert findings == [
        "Staff valued the peer workers. Caseloads fell.",
        "Team | Peers | Year",
        "North | 2 | 2023",
        "Supervision was the main gap.",
    ]


def test_odt_headings_and_table(files):
    _, record = read_one(files["odt"])
    assert [(s.heading, s.text) for s in record.sections] == [
        ("Field notes", "The ward was quiet. Two peer workers were on shift."),
        ("Reflections", "I felt like an outsider at first.\nDay | Peers\nMonday | 2"),
    ]


def test_pdf_reads_both_pages(files):
    _, record = read_one(files["pdf"])
    assert record.title == "Supervision report"
    assert record.text.split("\n") == [
        "Page one reports the interviews. Eleven peer workers took part.",
        "Page two discusses supervision. It was rarely offered.",
    ]


def test_markdown_and_html_headings(files):
    _, md = read_one(files["markdown"])
    assert [(s.heading, s.text) for s in md.sections] == [
        ("Notes", "First visit went well."),
        ("Later", "a list item\nanother item"),
    ]
    _, html = read_one(files["html"])
    assert html.title == "Site visit"
    assert [(s.heading, s.text) for s in html.sections] == [
        ("Visit", "We met the team."),
        ("Issues", "Rooms were & are small.\nA | 1"),
    ]


def test_vtt_voices_join_cues_into_turns_with_times(files):
    _, record = read_one(files["vtt"])
    turns = [(s.speaker, s.start_ms, s.end_ms) for s in record.sections]
    assert turns == [
        ("Interviewer", 1000, 7000),
        ("Dana Lee", 7500, 12000),
        ("Interviewer", 12500, 15000),
        ("Dana Lee", 62000, 69250),
    ]
    assert record.sections[0].text == (
        "Interviewer: Thanks for joining the call. How did you come to peer support? "
        "Take your time."
    )


def test_srt_speakers_from_labels(files):
    _, record = read_one(files["srt"])
    assert [(s.speaker, s.start_ms) for s in record.sections] == [
        ("Interviewer", 1000),
        ("P2", 3500),
        ("Interviewer", 6500),
    ]


def test_typed_transcript_keeps_header_and_continuation_paragraphs(files):
    _, record = read_one(files["transcript"])
    assert record.sections[0].speaker is None  # the header line
    assert [s.speaker for s in record.sections[1:]] == [
        "Facilitator",
        "P1",
        "P2",
        "Facilitator",
        "P2",
    ]
    assert record.sections[2].text.endswith("\nBefore that I was a service user myself.")


def test_docx_transcript_becomes_turns(tmp_path):
    _, record = read_one(write_docx_transcript(tmp_path / "interview 4.docx"))
    assert [s.speaker for s in record.sections] == ["Interviewer", "P4", "Interviewer", "P4"]
    assert {s.heading for s in record.sections} == {"Interview 4"}


@pytest.mark.parametrize("mode", ["turn", "paragraph", "sentence"])
def test_units_start_after_the_label_and_carry_the_speaker(files, mode):
    _, record = read_one(files["transcript"])
    text, spans = segment_spans(record.sections, mode)
    turns = span_turns(record.sections, spans)
    units = [(text[a:b], turn[0]) for (a, b, _), turn in zip(spans, turns, strict=True)]
    expected = {
        "turn": [
            ("Focus group 1, 3 May 2024, community centre", None),
            ("Let's start with introductions. Who would like to go first?", "Facilitator"),
            (
                "I will. I have worked as a peer worker for four years.\nBefore that I was a service user myself.",
                "P1",
            ),
            ("I am new, six months in.", "P2"),
            ("What surprised you most?", "Facilitator"),
            ("The paperwork. Nobody told me about the paperwork.", "P2"),
        ],
        "paragraph": [
            ("Focus group 1, 3 May 2024, community centre", None),
            ("Let's start with introductions. Who would like to go first?", "Facilitator"),
            ("I will. I have worked as a peer worker for four years.", "P1"),
            ("Before that I was a service user myself.", "P1"),
            ("I am new, six months in.", "P2"),
            ("What surprised you most?", "Facilitator"),
            ("The paperwork. Nobody told me about the paperwork.", "P2"),
        ],
    }
    if mode == "sentence":
        assert ("I will.", "P1") in units and ("Nobody told me about the paperwork.", "P2") in units
        assert not any(t.startswith(("P1:", "P2:", "Facilitator:")) for t, _ in units)
    else:
        assert units == expected[mode]


def test_abstracts_with_headings_are_not_transcripts(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text(
        "Background: Peer support is growing in mental health services across many countries.\n"
        "Methods: We interviewed eleven peer workers in three teams over two years in total.\n"
        "Results: Workers valued supervision but rarely received it from their managers at all.\n",
        encoding="utf-8",
    )
    assert iter_records(path).format != "transcript"


def test_a_scanned_pdf_says_so(tmp_path):
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.rect(10, 10, 50, 50)
    path = tmp_path / "scan.pdf"
    pdf.output(str(path))
    with pytest.raises(FormatError, match="no text layer"):
        list(iter_records(path).records)


def test_a_zip_that_is_not_a_document(tmp_path):
    import zipfile

    path = tmp_path / "x.docx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("readme.txt", "hi")
    with pytest.raises(FormatError, match="not a .docx or .odt"):
        iter_records(path)
