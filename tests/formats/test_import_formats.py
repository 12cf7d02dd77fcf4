"""Decoding, format detection and the readers on small files written for each case."""

from __future__ import annotations

from pathlib import Path

import pytest

from coder.core.model import DocumentRecord
from coder.formats.encoding import read_text_report
from coder.formats.errors import FormatError
from coder.formats.records import FORMATS, detect_format, iter_records, read_text
from tests.conftest import shared_file

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def records(path: Path, fmt: str = "auto", strict: bool = False) -> list[DocumentRecord]:
    return list(iter_records(path, fmt, strict).records)


def test_format_names_are_the_published_ones() -> None:
    assert set(FORMATS) >= {
        "listing",
        "results",
        "citations",
        "ris",
        "bibtex",
        "medline",
        "pubmed-xml",
        "csv",
        "text",
    }
    assert all(desc and "\n" not in desc for desc in FORMATS.values())


# --- decoding ----------------------------------------------------------------------------

ABSTRACT = "Peer support on wards in Zürich — “one of us” — was studied with café owners."


@pytest.mark.parametrize(
    ("encoded", "why"),
    [
        (ABSTRACT.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + ABSTRACT.encode("utf-8"), "utf-8 with BOM"),
        (ABSTRACT.encode("utf-16"), "utf-16 with BOM"),
        (b"\xfe\xff" + ABSTRACT.encode("utf-16-be"), "utf-16-be with BOM"),
        (ABSTRACT.encode("cp1252"), "windows-1252"),
    ],
)
def test_read_text_decodes(tmp_path: Path, encoded: bytes, why: str) -> None:
    assert read_text(write(tmp_path, "a.txt", encoded)) == ABSTRACT, why


def test_read_text_newlines_and_nfc(tmp_path: Path) -> None:
    path = write(tmp_path, "a.txt", "Cafe\u0301 one\r\ntwo\rthree\n".encode())
    assert read_text(path) == "Café one\ntwo\nthree\n"
    assert len(read_text(path).split()[0]) == 4  # composed é, one code point


def test_binary_and_missing_files_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match="binary file"):
        read_text(write(tmp_path, "x.pdf", b"%PDF-1.4\x00\x01\x02"))
    with pytest.raises(FormatError, match="cannot read file") as caught:
        read_text(tmp_path / "missing.ris")
    assert caught.value.file.endswith("missing.ris")


def test_bytes_no_western_encoding_fits_are_read_in_a_named_guess(tmp_path: Path) -> None:
    # Undefined in Windows-1252: a double-byte legacy encoding is guessed and named.
    path = write(tmp_path, "x.txt", b"first line\nsecond \x81\x8d\x8f\x90 line\n")
    text, warnings = read_text_report(path)
    assert text.startswith("first line\nsecond ")
    assert [w.kind for w in warnings] == ["warning"]
    assert "guessed; use --encoding if wrong" in warnings[0].message


def test_forced_encoding_that_does_not_fit_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "x.txt", b"first line\nsecond \xff line\n")
    with pytest.raises(FormatError) as caught:
        read_text_report(path, "utf-8")
    assert caught.value.line == 2
    with pytest.raises(FormatError, match="unknown encoding"):
        read_text_report(path, "klingon")


def test_utf8_with_a_few_bad_bytes_stays_utf8_and_reports_the_lines(tmp_path: Path) -> None:
    good = "Zürich café “quoted” naïve résumé\n" * 3
    data = good.encode() + b"a stray \xe9 byte\n" + good.encode() + b"and \x92 another\n"
    text, warnings = read_text_report(write(tmp_path, "x.txt", data))
    assert text.count("Zürich café") == 6  # not re-decoded as Windows-1252 ("ZÃ¼rich")
    assert "a stray \ufffd byte" in text and "and \ufffd another" in text
    assert [(w.kind, w.line) for w in warnings] == [("warning", 4), ("warning", 8)]


def test_legacy_windows_1252_file_is_read_and_reported(tmp_path: Path) -> None:
    text, warnings = read_text_report(write(tmp_path, "x.txt", ABSTRACT.encode("cp1252")))
    assert text == ABSTRACT
    assert ["Windows-1252" in w.message for w in warnings] == [True]


def test_gbk_bibtex_is_read_as_chinese() -> None:
    path = shared_file("references", "bibtex", "bibtexparser_gbk_test.bib")
    result = iter_records(path)
    (record,) = result.records
    assert record.authors == ["凯撒"] and record.journal == "测试期刊"
    assert ["gb18030" in w.message for w in result.warnings] == [True]


# --- detection ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "fmt"),
    [
        ("TY  - JOUR\nTI  - A title\nER  - \n", "ris"),
        ("@article{k, title={T}}\n", "bibtex"),
        ("PMID- 123\nTI  - A title\n", "medline"),
        ("FN Clarivate Analytics Web of Science\nVR 1.0\nPT J\nTI A title\nER\nEF\n", "wos"),
        ('<?xml version="1.0"?>\n<PubmedArticleSet></PubmedArticleSet>\n', "pubmed-xml"),
        ("Title,Abstract,Year\nA,B,2020\n", "csv"),
        ("Title\tAbstract Note\nA\tB\n", "csv"),
        (
            "A first abstract that goes on for a good\nnumber of words across wrapped lines.\n\nAnd a second one.\n",
            "text",
        ),
    ],
)
def test_detect_from_content(content: str, fmt: str) -> None:
    assert detect_format(content, "f.txt") == fmt


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("", "file is empty"),
        ("  \n\n ", "file is empty"),
        ("a\x00b", "binary file"),
        ('{"items": [1, 2, 3]}', "JSON"),
        ("<?xml version='1.0'?><root/>", "not PubMed"),
        ("1 2 3\n4 5 6\n", "no tagged records"),
    ],
)
def test_detect_rejects_with_reason_and_known_formats(content: str, reason: str) -> None:
    with pytest.raises(FormatError) as caught:
        detect_format(content, "upload.dat")
    message = str(caught.value)
    assert message.startswith("upload.dat: ")
    assert reason in message
    if reason not in {"file is empty", "binary file"}:
        assert "known formats: listing, results, citations, ris" in message


def test_unknown_format_name_and_forced_format(tmp_path: Path) -> None:
    path = write(
        tmp_path, "a.txt", "One abstract sentence that is long enough to count as prose here."
    )
    with pytest.raises(FormatError, match="unknown format 'endnote'"):
        iter_records(path, fmt="endnote")
    (record,) = records(path, fmt="text")
    assert record.text.startswith("One abstract sentence")


# --- RIS ---------------------------------------------------------------------------------


def test_ris_missing_er_does_not_swallow_next_record(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "a.ris",
        "TY  - JOUR\nTI  - First\nAB  - One.\nTY  - JOUR\nTI  - Second\nPY  - 2019/05/04/\nER  - \n",
    )
    first, second = records(path)
    assert (first.title, first.line, first.text) == ("First", 1, "One.")
    assert (second.title, second.line, second.year, second.date) == (
        "Second",
        4,
        2019,
        "2019-05-04",
    )


def test_ris_empty_record_is_left_out_and_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "a.ris", "TY  - JOUR\nER  - \n\nTY  - JOUR\nTI  - Kept\nER  - \n")
    result = iter_records(path)
    assert [r.title for r in result.records] == ["Kept"]
    assert [(p.line, p.kind) for p in result.problems] == [(1, "skipped")]
    only_empty = write(tmp_path, "b.ris", "TY  - JOUR\nER  - \n\nTY  - JOUR\nER  - \n")
    with pytest.raises(FormatError, match="nothing could be read") as caught:
        records(only_empty)
    assert caught.value.line == 1


# --- BibTeX ------------------------------------------------------------------------------


def test_bibtex_percent_and_corporate_author_and_unreadable_entry(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "a.bib",
        '@article{a,\n  author = {{World Health Organization} and M{\\"u}ller, J.},\n'
        "  title = {{COVID}-19 and peer support},\n  year = {2021}, month = mar, day = {5},\n"
        "  abstract = {In 50% of wards peers helped. BACKGROUND: none.},\n  keywords = {peer; ward},\n}\n\n"
        "@article{b,\n  title = {Unclosed,\n  year = 2000\n\n@article{c, title={Third}}\n",
    )
    with pytest.raises(FormatError) as caught:
        records(path, strict=True)  # --strict: the old refuse-the-file behaviour
    assert caught.value.line == 9 and "unreadable entry @article{b" in caught.value.message
    result = iter_records(path)
    first, third = result.records
    assert first.authors == ["World Health Organization", "Müller, J."]
    assert first.title == "COVID-19 and peer support"
    assert first.text == "In 50% of wards peers helped. BACKGROUND: none."
    assert (first.year, first.date, first.keywords) == (2021, "2021-03-05", ["peer", "ward"])
    assert third.title == "Third"
    assert [p.line for p in result.problems] == [9]


def test_bibtex_duplicate_keys_are_both_kept(tmp_path: Path) -> None:
    path = write(tmp_path, "a.bib", "@article{k, title={One}}\n@article{k, title={Two}}\n")
    assert [(r.title, r.line) for r in records(path)] == [("One", 1), ("Two", 2)]


# --- MEDLINE, WoS, PubMed XML ------------------------------------------------------------


def test_medline_bad_line_is_reported_with_its_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "a.nbib",
        "PMID- 1\nTI  - Good one\nAB  - BACKGROUND: Why. METHODS: How.\nLID - 10.1000/xyz123 [doi]\n\n"
        "PMID- 2\nthis line is not a tag\nTI  - Broken\n\nPMID- 3\nTI  - Third\nDP  - 2005 Mar 15\n",
    )
    with pytest.raises(FormatError) as caught:
        records(path, strict=True)
    assert caught.value.line == 7
    result = iter_records(path)
    good, third = result.records
    assert [s.heading for s in good.sections] == ["Background", "Methods"]
    assert good.doi == "10.1000/xyz123"
    assert (third.title, third.year, third.date, third.line) == ("Third", 2005, "2005-03-15", 10)
    assert [p.line for p in result.problems] == [7]


def test_pubmed_xml_broken_file_names_line_and_column(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "a.xml",
        '<?xml version="1.0"?>\n<PubmedArticleSet>\n<PubmedArticle>\n<MedlineCitation>\n</PubmedArticleSet>\n',
    )
    with pytest.raises(FormatError) as caught:
        records(path)
    assert caught.value.line == 5 and caught.value.column is not None
    assert "broken XML" in caught.value.message


def test_pubmed_xml_refuses_entity_expansion(tmp_path: Path) -> None:
    bomb = (
        '<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;">]>\n<PubmedArticleSet><PubmedArticle>&b;</PubmedArticle></PubmedArticleSet>\n'
    )
    with pytest.raises(FormatError, match="unsafe XML"):
        records(write(tmp_path, "bomb.xml", bomb))


# --- CSV ---------------------------------------------------------------------------------


def test_csv_loose_columns_multiline_cells_and_lines(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "scopus.csv",
        "Authors,Author full names,Title,Year,Source title,Volume,Issue,Page start,Page end,DOI,"
        "Abstract,Author Keywords,Document Type\n"
        'Gray B.T.; Sisto M.,"Gray, Benjamin Thomas (57200000001); Sisto, Matthew (57200000002)",'
        "Peer support on wards,2024,Mental Health and Social Inclusion,28,1,10,20,10.1108/MHSI-01-2024-0001,"
        '"Purpose: To describe.\nFindings: Barriers exist.",peer support; wards,Article\n'
        ",,Untitled with no abstract,,,,,,,,,,\n",
    )
    first, second = records(path)
    assert first.authors == ["Gray, Benjamin Thomas", "Sisto, Matthew"]
    assert (first.title, first.year, first.journal) == (
        "Peer support on wards",
        2024,
        "Mental Health and Social Inclusion",
    )
    assert (first.volume, first.issue, first.pages, first.doi) == (
        "28",
        "1",
        "10-20",
        "10.1108/MHSI-01-2024-0001",
    )
    assert [s.heading for s in first.sections] == ["Purpose", "Findings"]
    assert (first.keywords, first.type, first.line) == (["peer support", "wards"], "article", 2)
    assert (second.sections, second.line, second.title) == ([], 4, "Untitled with no abstract")


def test_csv_zotero_and_semicolon_delimited(tmp_path: Path) -> None:
    zotero = write(
        tmp_path,
        "zotero.csv",
        '"Key","Item Type","Publication Year","Author","Title","Publication Title","Abstract Note","Date"\n'
        '"AB12","bookSection","2024","Mahon, Daryl","Lived experience","Peer Support Work","Lived experience has grown.","2024-05-22"\n',
    )
    (record,) = records(zotero)
    assert (record.type, record.year, record.date, record.authors) == (
        "book part",
        2024,
        "2024-05-22",
        ["Mahon, Daryl"],
    )
    semi = write(tmp_path, "semi.csv", "title;abstract;year\nA title;An abstract.;2019\n")
    (record,) = records(semi)
    assert (record.title, record.text, record.year) == ("A title", "An abstract.", 2019)


def test_csv_without_abstract_column_names_the_columns(tmp_path: Path) -> None:
    path = write(tmp_path, "sheet.csv", "Title,Authors,Year\nA,B,2020\n")
    with pytest.raises(FormatError) as caught:
        records(path)
    error = caught.value
    assert (error.line, error.file) == (1, str(path))
    assert "no abstract column" in error.message
    assert "'Title', 'Authors', 'Year'" in error.message


def test_csv_row_with_extra_fields_is_a_bad_record(tmp_path: Path) -> None:
    path = write(
        tmp_path, "a.csv", "title,abstract\nOne,First abstract\nTwo,Second, unquoted\nThree,Third\n"
    )
    with pytest.raises(FormatError) as caught:
        records(path, strict=True)
    assert caught.value.line == 3
    result = iter_records(path)
    assert [r.title for r in result.records] == ["One", "Three"]


# --- plain text --------------------------------------------------------------------------


def test_plaintext_paragraphs_unwrapped_with_lines(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "notes.txt",
        "\nBackground: Peer workers on wards. Methods: We interviewed\ntwelve staff members.\n\n\n"
        "A second abstract about something else entirely, long enough.\n",
    )
    first, second = records(path)
    assert iter_records(path).format == "text"
    assert first.line == 2 and second.line == 6
    assert [s.heading for s in first.sections] == ["Background", "Methods"]
    assert first.sections[1].text == "We interviewed twelve staff members."
    assert second.sections[0].heading is None


def test_listing_layout_is_not_taken_for_wrapped_text(tmp_path: Path) -> None:
    wrapped = write(
        tmp_path,
        "wrapped.txt",
        "This abstract was wrapped at seventy characters by an editor, as\n"
        "plain text often is, and must stay one record rather than several\n"
        "records cut at each line break.\n",
    )
    assert iter_records(wrapped).format == "text"
    assert len(records(wrapped)) == 1


def test_no_records_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "c.bib", "@comment{nothing here}\n")
    with pytest.raises(FormatError, match="no records found"):
        records(path)
