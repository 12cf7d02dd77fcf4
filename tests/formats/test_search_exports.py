"""The formats of a literature review's exports, each on a small file written here and on
the real exports in ../shared/testdata: detected from content, and every field that
``coder documents --json`` shows mapped (authors, year, date, title, journal, volume,
issue, pages, ISSN, DOI, type, keywords, abstract sections)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from coder.core.model import DocumentRecord, Section
from coder.formats.errors import FormatError
from coder.formats.records import FORMATS, detect_format, iter_records
from tests.conftest import shared_file

STRUCTURED = [
    Section("Background", "Peer support is common on wards."),
    Section("Methods", "We interviewed twelve staff."),
    Section("Results", "Staff valued peers."),
]
ABSTRACT = "BACKGROUND: Peer support is common on wards. METHODS: We interviewed twelve staff. RESULTS: Staff valued peers."


def _one(tmp_path: Path, name: str, content: str, fmt: str) -> DocumentRecord:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    result = iter_records(path)
    assert result.format == fmt and result.note.startswith(f"read as {fmt}: ")
    (record,) = result.records
    assert result.problems == [] and result.warnings == []
    return record


def _fields(record: DocumentRecord) -> dict[str, object]:
    return {
        "title": record.title,
        "authors": record.authors,
        "year": record.year,
        "date": record.date,
        "type": record.type,
        "journal": record.journal,
        "volume": record.volume,
        "issue": record.issue,
        "pages": record.pages,
        "issn": record.issn,
        "doi": record.doi,
    }


EXPECTED = {
    "title": "Peer support on acute wards",
    "authors": ["Gray, Benjamin", "Sisto, Matthew"],
    "year": 2024,
    "date": "2024-03-15",
    "type": "article",
    "journal": "Mental Health and Social Inclusion",
    "volume": "28",
    "issue": "2",
    "pages": "101-109",
    "issn": "2042-8308",
    "doi": "10.1108/MHSI-01-2024-0001",
}


def test_the_new_formats_are_listed() -> None:
    assert {"wos-tab", "scopus-csv", "csl-json", "endnote-xml", "wos", "medline"} <= set(FORMATS)


def test_csl_json(tmp_path: Path) -> None:
    item = {
        "id": "gray2024",
        "type": "article-journal",
        "title": "Peer support on acute wards",
        "author": [
            {"family": "Gray", "given": "Benjamin"},
            {"family": "Sisto", "given": "Matthew"},
        ],
        "issued": {"date-parts": [[2024, 3, 15]]},
        "container-title": "Mental Health and Social Inclusion",
        "volume": "28",
        "issue": 2,
        "page": "101-109",
        "ISSN": "2042-8308",
        "DOI": "https://doi.org/10.1108/MHSI-01-2024-0001",
        "keyword": "peer support, wards",
        "abstract": ABSTRACT,
    }
    content = json.dumps([item], indent=2)
    record = _one(tmp_path, "zotero.json", content, "csl-json")
    assert _fields(record) == EXPECTED
    assert record.sections == STRUCTURED and record.keywords == ["peer support", "wards"]
    assert record.line == 2


def test_csl_json_odd_items_are_reported_not_fatal(tmp_path: Path) -> None:
    path = tmp_path / "odd.json"
    path.write_text(
        '[{"type": "book", "title": "Kept", "issued": {"raw": "2019"}},\n'
        ' {"type": "book"},\n "not an item"]',
        encoding="utf-8",
    )
    with pytest.raises(FormatError, match="item 3 is not a JSON object") as caught:
        list(iter_records(path, strict=True).records)
    assert caught.value.line == 3  # each item's own line, the odd ones' too
    result = iter_records(path)
    assert [(r.title, r.year) for r in result.records] == [("Kept", 2019)]
    assert [p.kind for p in result.problems] == ["skipped", "error"]
    assert result.problems[0].line == 2


def test_csl_json_items_are_read_one_at_a_time_and_a_broken_one_ends_the_list(
    tmp_path: Path,
) -> None:
    path = tmp_path / "cut.json"
    path.write_text(
        '[\n  {"title": "One",\n   "abstract": "First."},\n  {"title": "Two"},\n'
        '  {"title": "Three", "abstract": "cut off here\n',
        encoding="utf-8",
    )
    result = iter_records(path)
    assert [(r.title, r.line) for r in result.records] == [("One", 2), ("Two", 4)]
    (problem,) = result.problems
    assert (problem.line, problem.kind) == (5, "error")
    assert problem.message.startswith("broken JSON in item 3: ")
    with pytest.raises(FormatError, match="broken JSON in item 3"):
        list(iter_records(path, strict=True).records)
    path.write_text('{"title": "not a list"}', encoding="utf-8")
    with pytest.raises(FormatError, match="not a list"):
        list(iter_records(path, "csl-json").records)


def test_endnote_xml(tmp_path: Path) -> None:
    style = '<style face="normal" font="default" size="100%%">%s</style>'
    content = (
        '<?xml version="1.0" encoding="UTF-8" ?><xml><records><record>'
        '<ref-type name="Journal Article">17</ref-type><contributors><authors>'
        f"<author>{style % 'Gray, Benjamin'}</author><author>{style % 'Sisto, Matthew'}</author>"
        "</authors></contributors>"
        f"<titles><title>{style % 'Peer support on acute wards'}</title>"
        f"<secondary-title>{style % 'Mental Health and Social Inclusion'}</secondary-title></titles>"
        f"<periodical><full-title>{style % 'Mental Health and Social Inclusion'}</full-title></periodical>"
        f"<pages>{style % '101-109'}</pages><volume>{style % '28'}</volume><number>{style % '2'}</number>"
        f"<keywords><keyword>{style % 'peer support'}</keyword></keywords>"
        f"<dates><year>{style % '2024'}</year><pub-dates><date>{style % '2024 Mar 15'}</date></pub-dates></dates>"
        f"<isbn>{style % '2042-8308 (Print)'}</isbn>"
        f"<electronic-resource-num>{style % '10.1108/MHSI-01-2024-0001'}</electronic-resource-num>"
        f"<abstract>{style % ABSTRACT}</abstract>"
        "</record></records></xml>"
    )
    record = _one(tmp_path, "endnote.xml", content, "endnote-xml")
    assert _fields(record) == EXPECTED
    assert record.sections == STRUCTURED and record.keywords == ["peer support"]


def test_endnote_xml_reports_each_record_where_it_is(tmp_path: Path) -> None:
    path = tmp_path / "lib.xml"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8" ?>\n<xml>\n<records>\n'
        "<record><titles><title>One</title></titles></record>\n"
        "<record><rec-number>2</rec-number></record>\n"
        "<record>\n  <titles><title>Three</title></titles>\n</record>"
        "<record><titles><title>Four</title></titles></record>\n"
        "<record><titles><title>Five</title>\n",
        encoding="utf-8",
    )
    result = iter_records(path)
    assert [(r.title, r.line) for r in result.records] == [("One", 4), ("Three", 6), ("Four", 8)]
    empty, broken = result.problems
    assert (empty.line, empty.column, empty.kind) == (5, 1, "skipped")
    assert "empty EndNote record 2" in empty.message
    assert broken.kind == "error" and broken.line == 10
    assert broken.message.startswith("broken XML after record 4: ")
    # The one-line file EndNote writes: records told apart by their column.
    real = iter_records(shared_file("references", "endnote", "reflib_endnote_small.xml"))
    assert len({r.line for r in real.records}) == 1 and real.problems == []
    from coder.formats.endnote_xml import read_endnote_xml

    text = shared_file("references", "endnote", "reflib_endnote_small.xml").read_text("utf-8")
    whole = list(read_endnote_xml(text, "f", [].append))
    assert list(read_endnote_xml(text, "f", [].append, piece=97)) == whole and len(whole) == 5


WOS_TAB_HEADER = "PT\tAU\tAF\tTI\tSO\tDT\tDE\tID\tAB\tSN\tPD\tPY\tVL\tIS\tBP\tEP\tDI\tUT"


def test_wos_tab_delimited(tmp_path: Path) -> None:
    row = "\t".join(
        [
            "J", "Gray, B; Sisto, M", "Gray, Benjamin; Sisto, Matthew",
            "Peer support on acute wards", "Mental Health and Social Inclusion", "Article",
            "peer support; wards", "INPATIENTS", ABSTRACT, "2042-8308", "MAR 15", "2024",
            "28", "2", "101", "109", "10.1108/MHSI-01-2024-0001", "WOS:000000000000001",
        ]
    )  # fmt: skip
    content = "\ufeff" + WOS_TAB_HEADER + "\t\n" + row + "\t\n"
    record = _one(tmp_path, "savedrecs.txt", content, "wos-tab")
    assert _fields(record) == EXPECTED
    assert record.keywords == ["peer support", "wards", "INPATIENTS"]
    assert record.sections == STRUCTURED and record.line == 2


def test_wos_plain_text_maps_the_same_as_tab_delimited(tmp_path: Path) -> None:
    content = (
        "FN Clarivate Analytics Web of Science\nVR 1.0\nPT J\nAU Gray, B\n   Sisto, M\n"
        "AF Gray, Benjamin\n   Sisto, Matthew\nTI Peer support on acute wards\n"
        "SO Mental Health and Social Inclusion\nDT Article\nDE peer support; wards\n"
        "ID INPATIENTS\n" + f"AB {ABSTRACT}\n" + "SN 2042-8308\nPD MAR 15\nPY 2024\nVL 28\n"
        "IS 2\nBP 101\nEP 109\nDI 10.1108/MHSI-01-2024-0001\nER\n\nEF\n"
    )
    record = _one(tmp_path, "savedrecs.txt", content, "wos")
    assert _fields(record) == EXPECTED and record.sections == STRUCTURED
    assert record.keywords == ["peer support", "wards", "INPATIENTS"]


SCOPUS_HEADER = (
    '"Authors","Author full names","Author(s) ID","Title","Year","Source title","Volume",'
    '"Issue","Art. No.","Page start","Page end","Cited by","DOI","Link","Abstract",'
    '"Author Keywords","Index Keywords","ISSN","Document Type","Source","EID"'
)


def test_scopus_csv(tmp_path: Path) -> None:
    row = (
        '"Gray B.; Sisto M.","Gray, Benjamin (57000000001); Sisto, Matthew (57000000002)",'
        '"57000000001; 57000000002","Peer support on acute wards",2024,'
        '"Mental Health and Social Inclusion","28","2","","101","109",3,'
        '"10.1108/MHSI-01-2024-0001","https://www.scopus.com/inward/record.uri?eid=2-s2.0-1",'
        f'"{ABSTRACT}","peer support; wards","Inpatients","20428308","Article","Scopus",'
        '"2-s2.0-1"'
    )
    record = _one(tmp_path, "scopus.csv", SCOPUS_HEADER + "\n" + row + "\n", "scopus-csv")
    assert _fields(record) == EXPECTED | {"date": None}  # Scopus CSV gives the year alone
    assert record.sections == STRUCTURED and record.keywords == ["peer support", "wards"]


def test_pubmed_nbib(tmp_path: Path) -> None:
    content = (
        "PMID- 38000001\nOWN - NLM\nDP  - 2024 Mar 15\nTI  - Peer support on acute wards\n"
        "PG  - 101-109\nLID - 10.1108/MHSI-01-2024-0001 [doi]\n"
        "AB  - BACKGROUND: Peer support is common on wards. METHODS: We interviewed\n"
        "      twelve staff. RESULTS: Staff valued peers.\n"
        "FAU - Gray, Benjamin\nAU  - Gray B\nFAU - Sisto, Matthew\nAU  - Sisto M\n"
        "PT  - Journal Article\nJT  - Mental Health and Social Inclusion\n"
        "IS  - 2042-8308 (Print)\nVI  - 28\nIP  - 2\nOT  - peer support\n\n"
    )
    record = _one(tmp_path, "citations.nbib", content, "medline")
    assert _fields(record) == EXPECTED and record.sections == STRUCTURED
    assert list(iter_records(tmp_path / "citations.nbib", "nbib").records) == [record]


@pytest.mark.parametrize(
    ("content", "fmt"),
    [
        (WOS_TAB_HEADER + "\nJ\tGray, B\n", "wos-tab"),
        (SCOPUS_HEADER + "\n", "scopus-csv"),
        ('[{"id": "a", "type": "book", "title": "T"}]', "csl-json"),
        ('<?xml version="1.0"?><xml><records><record></record></records></xml>', "endnote-xml"),
    ],
)
def test_detected_from_content(content: str, fmt: str) -> None:
    assert detect_format(content, "export.txt") == fmt


def test_real_exports_carry_their_fields() -> None:
    """What the real files hold arrives: counts of filled fields per real export."""

    def filled(*parts: str) -> dict[str, int]:
        records = list(iter_records(shared_file("references", *parts)).records)
        return {
            name: sum(1 for r in records if _fields(r)[name] or (name == "abstract"))
            for name in ("title", "authors", "year", "journal", "doi")
        } | {"abstract": sum(r.has_abstract for r in records), "records": len(records)}

    csl = filled("csljson", "betterbibtex_csl.json")
    assert csl["records"] == 571 and csl["abstract"] == 310 and csl["title"] == 571
    assert csl["authors"] >= 560 and csl["doi"] == 492 and csl["year"] >= 550
    endnote = filled("endnote", "reflib_endnote_small.xml")
    assert endnote["records"] == endnote["title"] == endnote["authors"] == 5
    assert endnote["abstract"] == 3
    scopus = filled("scopus", "bibliometrix_scopus.csv")
    assert scopus["records"] == scopus["abstract"] == scopus["doi"] == scopus["journal"] == 8
    wos_tab = filled("wos", "wosfile_tab_delimited.txt")
    assert wos_tab["records"] == wos_tab["title"] == wos_tab["authors"] == 50
    assert wos_tab["abstract"] == 49 and wos_tab["year"] == 50
