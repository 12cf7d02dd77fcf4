"""Every real export in ../shared/testdata/references either reads or fails clearly.

The outcome of each file is stated here on purpose (format and record count, or the
error), so a reader change that silently loses records or starts accepting junk fails.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from xml.etree import ElementTree

import pytest

from coder.core.model import DocumentRecord
from coder.formats.bibtex import read_bibtex
from coder.formats.errors import FormatError
from coder.formats.records import iter_records, read_text
from tests.conftest import TESTDATA

REFERENCES = TESTDATA / "references"

pytestmark = pytest.mark.skipif(not REFERENCES.is_dir(), reason="shared testdata not present")

# file -> (format, number of records) when it reads; (None, "error text", line) when it fails.
READS: dict[str, tuple[str, int]] = {
    "bibtex/bibtexparser_article.bib": ("bibtex", 1),
    "bibtex/bibtexparser_article_start_with_bom.bib": ("bibtex", 1),
    "bibtex/bibtexparser_article_with_special_characters.bib": ("bibtex", 1),
    "bibtex/bibtexparser_article_with_strings.bib": ("bibtex", 1),
    "bibtex/bibtexparser_book_bom.bib": ("bibtex", 1),
    "bibtex/bibtexparser_encoding.bib": ("bibtex", 1),
    "bibtex/bibtexparser_examples_bibtex.bib": ("bibtex", 1),
    "bibtex/bibtexparser_multiple_entries_and_comments.bib": ("bibtex", 3),
    "bibtex/bibtexparser_traps.bib": ("bibtex", 1),
    # An entry type outside BibTeX/BibLaTeX (@wrong, @conversation) is a generic record.
    "bibtex/bibtexparser_wrong.bib": ("bibtex", 2),
    "bibtex/bibtexparser_biber-examples.bib": ("bibtex", 115),
    "bibtex/bibtexparser_gbk_test.bib": ("bibtex", 1),
    "csljson/betterbibtex_csl.json": ("csl-json", 571),
    "endnote/reflib_endnote_small.xml": ("endnote-xml", 5),
    "scopus/bibliometrix_scopus.csv": ("scopus-csv", 8),
    "wos/bibliometrix_wos_plain.txt": ("wos", 8),
    "wos/wosfile_tab_delimited.txt": ("wos-tab", 50),
    "pubmed/biopython_Entrez_pubmed1.xml": ("pubmed-xml", 2),
    "pubmed/biopython_Entrez_pubmed2.xml": ("pubmed-xml", 2),
    "pubmed/biopython_Entrez_pubmed4.xml": ("pubmed-xml", 1),
    "pubmed/biopython_Entrez_pubmed5.xml": ("pubmed-xml", 1),
    "pubmed/biopython_Entrez_pubmed6.xml": ("pubmed-xml", 1),
    "pubmed/biopython_Entrez_pubmed7.xml": ("pubmed-xml", 1),
    "pubmed/biopython_Medline_pubmed_result1.txt": ("medline", 1),
    "pubmed/biopython_Medline_pubmed_result2.txt": ("medline", 4),
    "pubmed/biopython_Medline_pubmed_result3.txt": ("medline", 1),
    "ris/asreview_baseline_empty_values.ris": ("ris", 4),
    "ris/asreview_baseline_tag-notes_zotero.ris": ("ris", 4),
    "ris/asreview_baseline_zotero.ris": ("ris", 100),
    "ris/asreview_embase.ris": ("ris", 6),
    "ris/asreview_faulty_year.ris": ("ris", 1),
    "ris/asreview_ovid_psycinfo.ris": ("ris", 6),
    "ris/asreview_ovid_zotero.ris": ("ris", 6),
    "ris/asreview_proquest.ris": ("ris", 6),
    "ris/asreview_pubmed_endnote.txt": ("ris", 6),
    "ris/asreview_pubmed_zotero.ris": ("ris", 6),
    "ris/asreview_ris_issue_1099.txt": ("ris", 7),
    "ris/asreview_ris_issue_992.txt": ("ris", 19),
    "ris/asreview_scopus.ris": ("ris", 6),
    # Despite the README, this one is RIS as exported by WoS ("TY  - JOUR"), not WoS tagged.
    "ris/asreview_web_of_science.txt": ("ris", 10),
    "ris/rispy_basic.ris": ("ris", 1),
    "ris/rispy_bom.ris": ("ris", 1),
    "ris/rispy_custom_list_tags.ris": ("ris", 1),
    "ris/rispy_empty_tag.ris": ("ris", 1),
    "ris/rispy_extraneous_data.ris": ("ris", 2),
    "ris/rispy_full.ris": ("ris", 2),
    "ris/rispy_full_without_whitespace.ris": ("ris", 2),
    "ris/rispy_full_write.ris": ("ris", 2),
    "ris/rispy_multi_unknown_tags.ris": ("ris", 1),
    "ris/rispy_multiline.ris": ("ris", 3),
    "ris/rispy_single_unknown_tag.ris": ("ris", 1),
    "ris/rispy_starting_newlines.ris": ("ris", 1),
    "ris/rispy_urls.ris": ("ris", 4),
    "ris/rispy_utf_chars.ris": ("ris", 1),
    # The real WoS tagged format (FN/PT/AU ... ER) has its own reader.
    "ris/rispy_wos.ris": ("wos", 2),
}
FAILS: dict[str, tuple[str, int | None]] = {
    "bibtex/bibtexparser_empty.bib": ("file is empty", None),
    "bibtex/bibtexparser_comments_only.bib": ("no records", None),
    # 61 records, none with a title, author, DOI or abstract: nothing to import.
    "ris/asreview_baseline_reference_types.ris": ("nothing could be read", 1),
}


def test_every_file_has_a_stated_outcome() -> None:
    found = {p.relative_to(REFERENCES).as_posix() for p in REFERENCES.rglob("*") if p.is_file()}
    assert found == set(READS) | set(FAILS)


def _read(name: str, strict: bool = False) -> tuple[str, list[DocumentRecord], list[FormatError]]:
    result = iter_records(REFERENCES / name, strict=strict)
    records = list(result.records)
    return result.format, records, result.problems


# Files that read with warnings, and what the warnings say (with their lines).
WARNS: dict[str, list[tuple[int | None, str]]] = {
    "bibtex/bibtexparser_wrong.bib": [
        (3, "unknown entry type @wrong{foo, ...}: read as a generic")
    ],
    "bibtex/bibtexparser_biber-examples.bib": [(1632, "unknown entry type @CONVERSATION{us1")],
    "bibtex/bibtexparser_gbk_test.bib": [(None, "not UTF-8: read as gb18030 (guessed")],
}


@pytest.mark.parametrize("name", sorted(READS))
def test_file_reads(name: str) -> None:
    result = iter_records(REFERENCES / name)
    records = list(result.records)
    assert (result.format, len(records)) == READS[name]
    assert result.problems == []
    found = [(w.line, w.message) for w in result.warnings]
    expected = WARNS.get(name, [])
    assert len(found) == len(expected)
    for (line, message), (want_line, want) in zip(found, expected, strict=True):
        assert line == want_line and message.startswith(want)
    assert result.note.startswith(f"read as {result.format}: ")
    for record in records:
        assert record.line is not None and record.line >= 1
        assert record.text == "\n\n".join(s.text for s in record.sections if s.text)
        assert all(s.text.strip() == s.text for s in record.sections)


@pytest.mark.parametrize("name", sorted(FAILS))
def test_file_fails_with_one_line_error(name: str) -> None:
    expected, line = FAILS[name]
    with pytest.raises(FormatError) as caught:
        _read(name)
    error = caught.value
    assert expected in error.message
    assert error.line == line
    assert error.file.endswith(Path(name).name)
    assert "\n" not in str(error)


@pytest.mark.parametrize(
    "name",
    ["bibtex/bibtexparser_biber-examples.bib", "bibtex/bibtexparser_article_with_strings.bib"],
)
def test_bibtex_read_in_small_pieces_is_the_same_as_whole(name: str) -> None:
    """A large .bib is parsed a piece at a time: cut every few hundred characters, the
    records, their lines, the @string macros and the warnings come out as from one parse."""
    text = read_text(REFERENCES / name)

    def read(piece: int) -> tuple[list[DocumentRecord], list[FormatError]]:
        found: list[FormatError] = []
        return list(read_bibtex(text, name, found.append, piece=piece)), found

    whole = read(len(text) + 1)
    assert read(300) == whole
    assert len(whole[0]) == READS[name][1]


def test_unknown_entry_types_are_generic_records() -> None:
    _, records, problems = _read("bibtex/bibtexparser_wrong.bib")
    assert [(r.authors, r.type, r.line) for r in records] == [
        (["wrong"], "generic", 3),
        (["correct"], "article", 7),
    ]
    _, records, _ = _read("bibtex/bibtexparser_biber-examples.bib")
    assert len(records) == 115  # 126 blocks - 8 @string - 3 @set
    (conversation,) = [r for r in records if r.line == 1632]
    assert conversation.type == "generic" and conversation.authors == ["Test"]


def test_a_file_of_empty_records_fails_with_the_first_line_even_when_skipping() -> None:
    with pytest.raises(FormatError, match="61 records left out") as caught:
        _read("ris/asreview_baseline_reference_types.ris")
    assert caught.value.line == 1


# --- RIS ---------------------------------------------------------------------------------


def test_ris_basic_fields() -> None:
    (record,) = _read("ris/rispy_basic.ris")[1]
    assert record.title == "A Mathematical Theory of Communication"
    assert record.authors == ["Shannon,Claude E."]
    assert (record.year, record.date, record.type) == (1948, None, "article")
    assert (record.journal, record.volume, record.pages) == (
        "Bell System Technical Journal",
        "27",
        "379-423",
    )
    assert record.sections == []


def test_ris_malformed_year_is_none_not_an_error() -> None:
    (record,) = _read("ris/asreview_faulty_year.ris")[1]
    assert record.year is None
    assert record.text.startswith("This systematic review and meta-analysis aimed to quantify")


def test_ris_embase_abstract_in_n2_with_bom_and_period_headings() -> None:
    records = _read("ris/asreview_embase.ris")[1]
    first = records[0]
    assert first.line == 1
    assert (
        first.title
        == "Duplication cysts: Diagnosis, management, and the role of endoscopic ultrasound"
    )
    assert first.authors[:2] == ["Liu R.", "Adler D.G."]
    assert (first.year, first.issn, first.doi) == (2014, "2226-7190", "10.4103/2303-9027.138783")
    assert first.text.startswith("Gastrointestinal tract duplication cysts are rare")
    # "BACKGROUND. The management ... METHODS. Consecutive ..." becomes sections.
    assert [s.heading for s in records[1].sections] == [
        "Background",
        "Methods",
        "Results",
        "Conclusions",
    ]


def test_ris_ovid_numbered_lines_doi_urls_and_copyright_trailer() -> None:
    records = _read("ris/asreview_ovid_psycinfo.ris")[1]
    first = records[0]
    assert first.line == 2  # line 1 is Ovid's "1." record number
    assert first.doi == "10.1002/cpp.2398"  # given as http://dx.doi.org/...
    assert first.authors[0] == "Trindade, Ines A"
    assert first.year == 2019
    assert "Database Record" not in first.text and "all rights reserved" not in first.text
    assert first.text.endswith(".")


def test_ris_crlf_unknown_tags_multiline_and_utf8() -> None:
    records = _read("ris/asreview_baseline_tag-notes_zotero.ris")[1]
    assert all(r.title and "\r" not in r.title for r in records)
    (unknown,) = _read("ris/rispy_multi_unknown_tags.ris")[1]
    assert unknown.title == "A Mathematical Theory of Communication"
    multiline = _read("ris/rispy_multiline.ris")[1]
    assert [r.text for r in multiline] == [
        "first line, ER then second line and at the end the last line"
    ] * 3
    (utf,) = _read("ris/rispy_utf_chars.ris")[1]
    assert utf.authors[0] == "Dobrokhotova, Yu E."
    assert utf.volume == "8"  # from the non-standard VO tag
    assert utf.title.startswith("Состояние рецепторного аппарата")


def test_ris_keywords_on_continuation_lines_and_structured_abstract() -> None:
    records = _read("ris/asreview_ris_issue_992.txt")[1]
    assert records[0].keywords[:3] == [
        "Health Facility Administration",
        "Joint Commission",
        "Standards",
    ]
    (full, _) = _read("ris/rispy_full.ris")[1]
    assert [s.heading for s in full.sections] == ["Background", "Results", "Conclusions"]
    assert full.sections[0].text.startswith("Lorem ipsum dolor sit amet")
    assert (full.issn, full.keywords) == ("1932-6208", ["Pippi", "Nordwind", "Piraten"])


def test_ris_scopus_issn_and_copyright_line() -> None:
    records = _read("ris/asreview_scopus.ris")[1]
    assert records[0].issn == "0306-4530"  # "03064530 (ISSN)"
    assert records[0].doi == "10.1016/j.psyneuen.2019.104501"
    assert all("©" not in r.text for r in records)


def test_wos_tagged_export() -> None:
    first, second = _read("ris/rispy_wos.ris")[1]
    assert first.title == (
        "Interactions stabilizing the structure of the core light-harvesting complex (LHl) of "
        "photosynthetic bacteria and its subunit (B820)"
    )
    assert first.authors == ["Parkes-Loach, PS", "Majeed, AP", "Law, CJ", "Loach, PA"]
    assert (first.journal, first.year, first.type) == ("BIOCHEMISTRY", 2004, "article")
    assert first.text.startswith("Reconstitution experiments with a chemically synthesized")
    assert first.line == 3 and second.line > first.line
    assert len(second.authors) == 9


# --- BibTeX ------------------------------------------------------------------------------


def test_bibtex_macros_concatenation_and_accents() -> None:
    (strings,) = _read("bibtex/bibtexparser_article_with_strings.bib")[1]
    assert strings.authors == ["Jean César"]
    assert (strings.journal, strings.year, strings.line) == ("Nice Journal", 2013, 5)
    (special,) = _read("bibtex/bibtexparser_article_with_special_characters.bib")[1]
    assert special.authors == ["Jean Césarü"]
    (traps,) = _read("bibtex/bibtexparser_traps.bib")[1]
    assert traps.title == "An amazing title"
    assert traps.volume == "n.s. 2"
    assert traps.text == (
        "This is an abstract. This line should be long enough to test multilines... and with a "
        "french érudit word"
    )


def test_bibtex_bom_authors_and_pages() -> None:
    (book,) = _read("bibtex/bibtexparser_book_bom.bib")[1]
    assert book.authors == ["Bird, R.B.", "Armstrong, R.C.", "Hassager, O."]
    assert (book.type, book.year) == ("book", 1987)
    entries = _read("bibtex/bibtexparser_multiple_entries_and_comments.bib")[1]
    wigner = entries[1]
    assert (wigner.pages, wigner.doi, wigner.issn) == ("29-41", "10.1039/TF9383400029", "0014-7672")


# --- PubMed ------------------------------------------------------------------------------


def test_medline_structured_abstract_and_fields() -> None:
    records = _read("pubmed/biopython_Medline_pubmed_result2.txt")[1]
    casbon = records[0]
    assert casbon.title == "A high level interface to SCOP and ASTRAL implemented in python."
    assert casbon.authors == ["Casbon, James A", "Crooks, Gavin E", "Saqi, Mansoor A S"]
    assert [s.heading for s in casbon.sections] == ["Background", "Results", "Conclusion"]
    assert casbon.sections[0].text.startswith(
        "Benchmarking algorithms in structural bioinformatics"
    )
    assert (casbon.journal, casbon.volume, casbon.issn, casbon.type) == (
        "BMC bioinformatics",
        "7",
        "1471-2105",
        "article",
    )
    (single,) = _read("pubmed/biopython_Medline_pubmed_result1.txt")[1]
    assert (single.year, single.pages, single.issue, single.line) == (2002, "296-302", "3", 2)
    assert single.text.endswith(
        "particularly from the point of view of the beginning biologist programmer."
    )
    (hifu,) = _read("pubmed/biopython_Medline_pubmed_result3.txt")[1]
    assert [s.heading for s in hifu.sections] == ["Purpose", "Methods", "Results", "Conclusions"]


def test_pubmed_xml_labelled_abstract() -> None:
    (record,) = _read("pubmed/biopython_Entrez_pubmed4.xml")[1]
    assert [s.heading for s in record.sections] == ["Objective", "Design", "Results", "Conclusions"]
    assert record.title.startswith("Leucocyte telomere length, genetic variants at the TERT gene")
    assert record.authors[0] == "Ying Bao"
    assert record.doi == "10.1136/gutjnl-2016-312510"
    assert record.type == "article"
    (five,) = _read("pubmed/biopython_Entrez_pubmed5.xml")[1]
    assert [s.heading for s in five.sections] == ["Objectives", "Methods", "Results", "Conclusions"]


def test_pubmed_xml_record_without_abstract_and_lines() -> None:
    aids, flavo = _read("pubmed/biopython_Entrez_pubmed1.xml")[1]
    assert (
        aids.sections == []
        and aids.title == "The treatment of AIDS behind the walls of correctional facilities."
    )
    assert (aids.year, aids.volume, aids.issue, aids.pages) == (1990, "17", "1", "113-25")
    assert flavo.has_abstract and flavo.date == "1976-09-28"
    assert aids.line == flavo.line == 4  # this efetch file has all records on line 4


# --- every titled record, every abstract ---------------------------------------------------
# The issue's "done when": each export imports with every titled record present and its
# abstract. Counted here in the file itself, by the plainest reading of each format (tags,
# columns, elements), independently of the readers under test.

_RIS_TAG = re.compile(r"^([A-Z][A-Z0-9])  -(.*)$")


def _tagged(text: str, start: str, end: str | None) -> list[dict[str, str]]:
    """Records of a tagged format as ``{tag: first line's value}``; a record opens at a line
    starting with ``start`` and closes at ``end`` (or at the next opening)."""
    records: list[dict[str, str]] = []
    current: dict[str, str] | None = None
    for line in text.splitlines():
        line = line.lstrip("\ufeff")
        if line.startswith(start):
            current = {}
            records.append(current)
        if current is None:
            continue
        m = (
            _RIS_TAG.match(line)
            if start == "TY  -"
            else re.match(r"^([A-Z][A-Z0-9]) ?[ -] ?(.*)$", line)
        )
        if m and m.group(1) not in current:
            current[m.group(1)] = m.group(2).strip()
        elif current and line.startswith((" ", "\t")):
            last = list(current)[-1]
            current[last] = (current[last] + " " + line.strip()).strip()
        if end is not None and line.startswith(end):
            current = None
    return records


def _source_counts(path: Path, fmt: str) -> tuple[int, int]:
    """``(records with a title, records with an abstract)`` as the file holds them."""
    text = read_text(path)
    if fmt == "ris":
        found = _tagged(text, "TY  -", "ER  -")
        return (
            sum(bool(r.get("TI") or r.get("T1") or r.get("ST")) for r in found),
            sum(bool(r.get("AB") or r.get("N2")) for r in found),
        )
    if fmt in ("wos", "medline"):
        found = _tagged(text, "PT " if fmt == "wos" else "PMID-", "ER" if fmt == "wos" else None)
        return sum(bool(r.get("TI")) for r in found), sum(bool(r.get("AB")) for r in found)
    if fmt == "bibtex":
        entries = re.split(r"^\s*@", text, flags=re.MULTILINE)[1:]
        entries = [e for e in entries if not re.match(r"(string|set|comment|preamble)\b", e, re.I)]
        return (
            sum(
                bool(re.search(r"^\s*title\s*=\s*[{\"]?\s*[^\s}\",]", e, re.M | re.I))
                for e in entries
            ),
            sum(
                bool(re.search(r"^\s*abstract\s*=\s*[{\"]\s*[^\s}\"]", e, re.M | re.I))
                for e in entries
            ),
        )
    if fmt == "csl-json":
        items = json.loads(text)
        return sum(bool(i.get("title")) for i in items), sum(bool(i.get("abstract")) for i in items)
    if fmt in ("endnote-xml", "pubmed-xml"):
        root = ElementTree.fromstring(text)
        tag, title, abstract = (
            ("record", "titles/title", "abstract")
            if fmt == "endnote-xml"
            else ("PubmedArticle", ".//ArticleTitle", ".//Abstract")
        )
        found = list(root.iter(tag))

        def has(r: ElementTree.Element, path: str) -> bool:
            element = r.find(path)
            return element is not None and bool("".join(element.itertext()).strip())

        return sum(has(r, title) for r in found), sum(has(r, abstract) for r in found)
    rows = list(csv.DictReader(io.StringIO(text), delimiter="\t" if fmt == "wos-tab" else ","))
    title, abstract = ("TI", "AB") if fmt == "wos-tab" else ("Title", "Abstract")
    no_abstract = {"", "[No abstract available]"}
    return (
        sum(bool((r.get(title) or "").strip()) for r in rows),
        sum((r.get(abstract) or "").strip() not in no_abstract for r in rows),
    )


@pytest.mark.parametrize("name", sorted(READS))
def test_every_titled_record_and_every_abstract_is_read(name: str) -> None:
    """Nothing refused whole, no titled record lost, every abstract kept: counted in the
    file, compared with what the reader gives."""
    result = iter_records(REFERENCES / name)
    records = list(result.records)
    titled = sum(bool(r.title) for r in records)
    with_abstract = sum(r.has_abstract for r in records)
    assert (titled, with_abstract) == _source_counts(REFERENCES / name, result.format)
    assert [p for p in result.problems if p.kind == "error"] == []
