"""The three seed pages are the demo corpus: every record, field and section is pinned.

Expected values were read off the pages by eye, not copied from the reader's output.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from coder.core.model import DocumentRecord
from coder.formats.records import detect_format, iter_records, read_text

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
LISTING = SEEDS / "000_f7c821905a8ad13a.txt"
RESULTS = SEEDS / "001_9afed24ea45c8f93.txt"
CITATIONS = SEEDS / "002_0b8c5a54cea89ebd.txt"

EMERALD = [
    "Purpose",
    "Design/methodology/approach",
    "Findings",
    "Originality/value",
]
EMERALD_PRACTICAL = [
    "Purpose",
    "Design/methodology/approach",
    "Findings",
    "Practical implications",
    "Originality/value",
]
# Words and labels of the sites themselves; none may appear in a document.
SITE_TEXT = re.compile(
    r"scite|Brooklyn|Smart Citations|National Science Foundation|Search results|of over 73000"
    r"|\bDetails\b|Type:|ISSN|\bKeywords\b|Sign in|Sign up|Export Citation|Share Document"
    r"|Author\(s\)|\u25fd|\u2026|^\d+$|\bVol \d"
)


def read(path: Path) -> list[DocumentRecord]:
    return list(iter_records(path).records)


def headings(record: DocumentRecord) -> list[str | None]:
    return [s.heading for s in record.sections]


def starts_ends(record: DocumentRecord, first: str, last: str) -> None:
    assert record.text.startswith(first), record.text[:80]
    assert record.text.endswith(last), record.text[-80:]


@pytest.mark.parametrize(
    ("path", "fmt", "count"),
    [(LISTING, "listing", 3), (RESULTS, "results", 10), (CITATIONS, "citations", 7)],
)
def test_each_seed_is_recognised_and_counted(path: Path, fmt: str, count: int) -> None:
    assert detect_format(read_text(path), str(path)) == fmt
    result = iter_records(path)
    assert result.format == fmt
    assert len(list(result.records)) == count
    assert result.problems == []


@pytest.mark.parametrize("path", [LISTING, RESULTS, CITATIONS])
def test_no_site_text_in_any_document(path: Path) -> None:
    for record in read(path):
        for section in record.sections:
            for paragraph in section.text.split("\n"):
                assert not SITE_TEXT.search(paragraph), (record.line, paragraph[:120])
            assert section.heading is None or not SITE_TEXT.search(section.heading)
        assert record.title is None or not SITE_TEXT.search(record.title)
        assert all(not SITE_TEXT.search(a) for a in record.authors)


@pytest.mark.parametrize("path", [LISTING, RESULTS, CITATIONS])
def test_text_is_the_joined_sections_without_empty_ones(path: Path) -> None:
    for record in read(path):
        assert all(s.text == s.text.strip() and s.text for s in record.sections)
        assert record.text == "\n\n".join(s.text for s in record.sections)


# --- listing -----------------------------------------------------------------------------


def test_listing_records_and_structured_first_abstract() -> None:
    first, second, third = read(LISTING)
    assert [r.line for r in (first, second, third)] == [1, 2, 3]
    assert headings(first) == ["Background", "Aims", "Method", "Results", "Conclusions"]
    assert first.sections[0].text.startswith("Research on peer support in mental health inpatient")
    assert first.sections[1].text.startswith("This study aimed to provide a detailed picture")
    assert first.sections[2].text == (
        "Twelve service-users and seven staff took part in semi-structured interviews. Braun and "
        "Clarke's method of thematic analysis was used to analyse the transcripts."
    )
    assert first.sections[3].text.endswith("emphasised its risks.")
    assert first.sections[4].text.endswith("environments for it to flourish.")
    assert "Background:" not in first.text and "Aims:" not in first.text
    assert headings(second) == [None]
    starts_ends(
        second, "This qualitative study explored changing opinions", "much more still to be done."
    )
    assert headings(third) == [None]
    starts_ends(
        third, "This article combines three reflective pieces", "developed them in new settings."
    )
    assert "(UCLH)" in third.text
    for record in (first, second, third):
        assert record.authors == [] and record.title is None and record.year is None


def test_listing_drops_any_site_self_description_not_just_scite(tmp_path: Path) -> None:
    page = read_text(LISTING).split("\n")[:2]
    other_site = (
        "Consensus is a search engine that uses AI to find answers in scientific research. "
        "Consensus is used by students and researchers at thousands of universities and "
        "helps researchers find evidence faster."
    )
    path = tmp_path / "page.txt"
    path.write_text("\n".join([*page, other_site]), encoding="utf-8")
    records = read(path)
    assert len(records) == 2
    assert all("Consensus" not in r.text for r in records)


def test_listing_keeps_an_abstract_about_an_app_at_the_end_of_the_page(tmp_path: Path) -> None:
    app_abstract = (
        "Mindtools is a digital platform that helps users manage stress on wards. Mindtools was "
        "evaluated in a randomised trial with 120 participants; results showed less distress."
    )
    path = tmp_path / "page.txt"
    path.write_text(
        "\n".join([*read_text(LISTING).split("\n")[:2], app_abstract]), encoding="utf-8"
    )
    records = read(path)
    assert len(records) == 3
    assert records[-1].text == app_abstract


# --- results -----------------------------------------------------------------------------


def test_results_metadata_of_every_record() -> None:
    records = read(RESULTS)
    got = [(r.line, r.type, r.date, r.year, r.authors) for r in records]
    assert got == [
        (
            4,
            "article",
            "2024-08-22",
            2024,
            ["Benjamin Thomas Gray", "Matthew Sisto", "Renee Conley"],
        ),
        (37, "article", "2024-07-03", 2024, ["Benjamin Thomas Gray", "Matthew Sisto"]),
        (70, "article", "2013-09-16", 2013, ["Simon Lawton-Smith"]),
        (105, "article", "2012-06-15", 2012, ["Alison Faulkner", "Thurstine Basset"]),
        (144, "article", "2010-08-18", 2010, ["Simon Bradstreet", "Rebekah Pratt"]),
        (163, "article", "2012-02-24", 2012, ["Alison Faulkner", "Thurstine Basset"]),
        (202, "article", "2017-08-14", 2017, ["Tori Wolfendale", "Angella Musaabi"]),
        (239, "article", "2012-06-15", 2012, ["Claire Ockwell"]),
        (274, "article", "2012-06-15", 2012, ["Julie Repper", "Emma Watson"]),
        (309, "book part", "2024-05-22", 2024, ["Daryl Mahon"]),
    ]
    assert all(r.title is None for r in records)


def test_results_details_block() -> None:
    records = read(RESULTS)
    mhsi = "Mental Health and Social Inclusion"
    jmhtep = "The Journal of Mental Health Training, Education and Practice"
    got = [(r.journal, r.volume, r.issue, r.issn) for r in records]
    assert got == [
        (mhsi, None, None, "2042-8308"),  # "vol. ahead-of-print no. ahead-of-print"
        (mhsi, None, None, "2042-8308"),
        (jmhtep, "8", "3", "1755-6228"),
        (jmhtep, "7", "2", "1755-6228"),
        (mhsi, "14", "3", "2042-8308"),
        (mhsi, "16", "1", "2042-8308"),
        (mhsi, "21", "4", "2042-8308"),
        (jmhtep, "7", "2", "1755-6228"),
        (jmhtep, "7", "2", "1755-6228"),
        (None, None, None, None),  # the book part has no Details block
    ]
    assert all(r.keywords == [] and r.pages is None and r.doi is None for r in records)


def test_results_sections_and_abstract_boundaries() -> None:
    gray3, gray2, lawton, faulkner_a, bradstreet, faulkner_b, wolfendale, ockwell, repper, mahon = (
        read(RESULTS)
    )
    assert headings(gray3) == EMERALD
    assert gray3.sections[0].text == (
        "The purpose of this service user narrative and viewpoint article is to describe "
        "interprofessional and interpersonal barriers to peer support on a men’s mental health "
        "ward over the course of a year from a lived experience perspective."
    )
    starts_ends(gray3, "The purpose of this service user narrative", "perhaps even unique.")
    assert headings(gray2) == EMERALD
    starts_ends(
        gray2,
        "The purpose of this service user paper and narrative",
        "peer support on mental health wards.",
    )
    assert headings(lawton) == EMERALD
    starts_ends(lawton, "This paper aims to provide a summary", "development of such services.")
    assert headings(faulkner_a) == EMERALD_PRACTICAL
    assert faulkner_a.sections[3].text.startswith("The findings suggest that commissioners")
    # A plain-paragraph abstract: one unheaded section, the teaser not repeated before it.
    assert headings(bradstreet) == [None]
    starts_ends(
        bradstreet,
        "This article describes the development",
        "implementing peer support programmes.",
    )
    assert bradstreet.text.count("This article describes the development") == 1
    # The teaser here is a whole sentence equal to the Purpose text; it must not be doubled.
    assert headings(faulkner_b) == EMERALD_PRACTICAL
    assert faulkner_b.text.count("The purpose of this paper is to review current perspectives") == 1
    starts_ends(
        faulkner_b,
        "The purpose of this paper is to review",
        "informed by the views of service users.",
    )
    assert headings(wolfendale) == EMERALD_PRACTICAL
    assert "(Christie, 2016)" in wolfendale.sections[3].text
    assert headings(ockwell) == EMERALD
    starts_ends(
        ockwell,
        "This paper aims to explain how the CAPITAL Project Trust",
        "peer support being peer led.",
    )
    assert headings(repper) == EMERALD
    assert repper.sections[2].text.startswith("The six peers worked with 83 clients")
    # The last record runs into the page footer "1 – 10 of over 73000", which is not text.
    assert headings(mahon) == [None]
    starts_ends(
        mahon, "Lived experience has increasingly been incorporated", "areas of peer support work."
    )


def test_results_download_counts_and_teasers_are_dropped() -> None:
    text = "\n".join(r.text for r in read(RESULTS))
    for count in ("1600", "418", "1309", "419", "506"):
        assert not re.search(rf"(^|\n){count}(\n|$)", text)
    assert "…" not in text


def test_results_record_without_abstract_label_keeps_only_a_complete_teaser(tmp_path: Path) -> None:
    page = (
        "Article\nPublication date: 1 March 2020\n\nAnn Lee and Bo Chan\n\n"
        "A complete teaser sentence about peer support on wards.\n\nDetails\n\n"
        "Some Journal, vol. 3 no. 1\nType: Research Article\nISSN: 1234-5678\n\nKeywords\n\n"
        "Peer support\nWards\n\n"
        "Article\nPublication date: 2 March 2020\n\nAnn Lee\n\n"
        "A truncated teaser that the site cut short in the middle of…\n\n"
        "Details\n\nSome Journal, vol. 3 no. 2\n"
    )
    path = tmp_path / "results.txt"
    path.write_text(page, encoding="utf-8")
    complete, truncated = read(path)
    assert complete.text == "A complete teaser sentence about peer support on wards."
    assert complete.keywords == ["Peer support", "Wards"]
    assert (complete.journal, complete.volume, complete.issue) == ("Some Journal", "3", "1")
    assert truncated.sections == [] and truncated.issue == "2"


def test_results_heading_lines_that_look_like_site_words_are_kept(tmp_path: Path) -> None:
    page = (
        "Search results\n\n1 – 1 of 1\nArticle\nPublication date: 5 May 2021\n\nAnn Lee\n\n"
        "Abstract\n\nMethods\n\nWe interviewed twelve peer workers.\n\nResults\n\n"
        "Peers valued informal support.\n\nDetails\n\nSome Journal, vol. 9 no. 2, pp. 1-9\n"
        "DOI: https://doi.org/10.1108/XYZ-01-2021-0001\n\n1 – 1 of 1\n"
    )
    path = tmp_path / "results.txt"
    path.write_text(page, encoding="utf-8")
    (record,) = read(path)
    assert [(s.heading, s.text) for s in record.sections] == [
        ("Methods", "We interviewed twelve peer workers."),
        ("Results", "Peers valued informal support."),
    ]
    assert (record.pages, record.doi) == ("1-9", "10.1108/XYZ-01-2021-0001")


# --- citations ---------------------------------------------------------------------------


def test_citations_metadata_of_every_record() -> None:
    records = read(CITATIONS)
    got = [(r.line, r.year, r.volume, r.issue, r.pages, r.authors) for r in records]
    assert got == [
        (1, 2007, "14", "3", "81-92", ["John Q. Hodges"]),
        (8, 2016, "20", "3", "149-152", ["Emma Watson"]),
        (17, 2014, "18", "1", "35-44", ["Catherine Conchar", "Julie Repper"]),
        (27, 2016, "20", "2", "80-91", ["Steve Gillard", "Rhiannon Foster", "Kati Turner"]),
        (38, 2019, "17", "2", "29-31", ["Sarah J. Parry", "Ewan Wilkinson"]),
        (48, 2020, None, None, None, ["Catherine M Collopy", "Suzanne M Cosh", "Phillip J Tully"]),
        (
            57,
            2019,
            "85",
            "1",
            None,
            [
                "Bernd Puschner",
                "Julie Repper",
                "Candelaria Mahlke",
                "Rebecca Nixdorf",
                "David Basangwa",
            ],
        ),
    ]
    assert records[0].title == "Peer Support Among Consumers of Professional Mental Health Services"
    assert all(r.title is None for r in records[1:])
    assert all(r.date is None and r.type is None and r.journal is None for r in records)


def test_citations_records_without_abstract_are_kept_empty() -> None:
    records = read(CITATIONS)
    hodges, puschner = records[0], records[6]
    assert hodges.sections == [] and not hodges.has_abstract
    assert puschner.sections == [] and not puschner.has_abstract


def test_citations_inline_sections() -> None:
    _, watson, conchar, gillard, parry, collopy, _ = read(CITATIONS)
    assert headings(watson) == EMERALD
    assert watson.sections[0].text.startswith(
        "The purpose of this paper is to share the experiences"
    )
    assert watson.sections[3].text.endswith("is highly original.")
    assert "–" not in "".join(s.text[:2] for s in watson.sections)
    assert headings(conchar) == EMERALD
    # "... were identified Findings – The archetypal ..." has no full stop before the heading.
    assert conchar.sections[1].text.endswith("sub themes were identified")
    assert conchar.sections[2].text.startswith("The archetypal image of the wounded healer")
    assert headings(gillard) == [
        "Purpose",
        "Design/methodology/approach",
        "Findings",
        "Research limitations/implications",
        "Practical implications",
        "Social implications",
        "Originality/value",
    ]
    assert "“service provider” role" in gillard.sections[4].text
    assert headings(parry) == [None]
    starts_ends(
        parry, "Mental health services in Cambodia", "level of mental healthcare nationally."
    )
    # "Abstract Background: ... unknown.Methods: ..." (no space after the full stops).
    assert headings(collopy) == ["Background", "Methods", "Results", "Conclusions"]
    assert collopy.sections[0].text.startswith(
        "Cardiovascular diseases (CVD) are commonly comorbid"
    )
    assert collopy.sections[0].text.endswith("remain largely unknown.")
    assert collopy.sections[1].text.startswith("Thirteen CVD patients")
    assert collopy.sections[3].text.endswith("enhancing service use are discussed.")
    assert not collopy.text.startswith("Abstract")
