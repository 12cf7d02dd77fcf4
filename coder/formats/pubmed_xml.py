"""PubMed efetch XML (``<PubmedArticleSet>``), parsed with defusedxml.

XML from the web is untrusted: defusedxml refuses entity expansion bombs and external
entities. Labelled ``<AbstractText Label="METHODS">`` parts become headed sections, so a
structured abstract keeps its structure without guessing from the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from coder.core.model import DocumentRecord, Section
from coder.core.segmenting import tidy_heading
from coder.formats.errors import FormatError
from coder.formats.records import (
    OnError,
    abstract_sections,
    clean_authors,
    iso_date,
    normalise_doi,
    normalise_issn,
    parse_year,
    squash,
    type_name,
)

_RECORD_TAGS = ("PubmedArticle", "PubmedBookArticle")
_RECORD_START = re.compile(r"<(PubmedArticle|PubmedBookArticle)[\s>]")


def read_pubmed_xml(text: str, file: str, on_error: OnError) -> Iterator[DocumentRecord]:
    """Records of an efetch XML file, in file order."""
    try:
        root = fromstring(text)
    except ParseError as exc:
        line, column = getattr(exc, "position", (None, None))
        raise FormatError(file, f"broken XML: {_reason(exc)}", line, column) from None
    except DefusedXmlException as exc:
        raise FormatError(file, f"unsafe XML refused: {exc}") from None
    lines = [text.count("\n", 0, m.start()) + 1 for m in _RECORD_START.finditer(text)]
    records = [el for el in root.iter() if el.tag in _RECORD_TAGS]
    for n, element in enumerate(records):
        line = lines[n] if n < len(lines) else None
        if element.tag == "PubmedArticle":
            yield _article(element, line)
        else:
            yield _book_article(element, line)


def _reason(exc: ParseError) -> str:
    return re.sub(r":\s*line \d+, column \d+$", "", str(exc))


def _text(element: Element | None) -> str | None:
    if element is None:
        return None
    return squash("".join(element.itertext())) or None


def _abstract(abstract: Element | None) -> list[Section]:
    if abstract is None:
        return []
    parts = abstract.findall("AbstractText")
    if not any(p.get("Label") for p in parts):
        return abstract_sections("\n\n".join(t for t in (_text(p) for p in parts) if t))
    sections = []
    for part in parts:
        body = _text(part)
        if body:
            label = part.get("Label")
            sections.append(Section(tidy_heading(label) if label else None, body))
    return sections


def _authors(author_list: Element | None) -> list[str]:
    names = []
    for author in author_list.findall("Author") if author_list is not None else []:
        collective = _text(author.find("CollectiveName"))
        given = _text(author.find("ForeName")) or _text(author.find("Initials"))
        last = _text(author.find("LastName"))
        names.append(collective or " ".join(p for p in (given, last) if p))
    return clean_authors(names)


def _date(pub_date: Element | None) -> tuple[int | None, str | None]:
    if pub_date is None:
        return None, None
    year = parse_year(_text(pub_date.find("Year")) or _text(pub_date.find("MedlineDate")))
    return year, iso_date(year, _text(pub_date.find("Month")), _text(pub_date.find("Day")))


def _doi(*containers: Element | None) -> str | None:
    for container in containers:
        if container is None:
            continue
        for el in container.iter():
            if (el.tag == "ELocationID" and el.get("EIdType") == "doi") or (
                el.tag == "ArticleId" and el.get("IdType") == "doi"
            ):
                doi = normalise_doi(_text(el))
                if doi:
                    return doi
    return None


def _kind(types: list[str]) -> str | None:
    if "Journal Article" in types:
        return "article"
    return type_name(types[0]) if types else None


def _article(element: Element, line: int | None) -> DocumentRecord:
    citation = element.find("MedlineCitation")
    article = citation.find("Article") if citation is not None else None
    if article is None:
        return DocumentRecord(line=line)
    journal = article.find("Journal")
    issue = journal.find("JournalIssue") if journal is not None else None
    year, date = _date(issue.find("PubDate") if issue is not None else None)
    if date is None:
        e_year, e_date = _date(article.find("ArticleDate"))
        date = e_date if e_year == year else None
    types = [t for t in (_text(p) for p in article.iter("PublicationType")) if t]
    keywords = [k for k in (_text(kw) for kw in citation.iter("Keyword")) if k]  # type: ignore[union-attr]
    return DocumentRecord(
        sections=_abstract(article.find("Abstract")),
        title=_text(article.find("ArticleTitle")),
        authors=_authors(article.find("AuthorList")),
        year=year,
        date=date,
        type=_kind(types),
        journal=_text(journal.find("Title")) if journal is not None else None,
        volume=_text(issue.find("Volume")) if issue is not None else None,
        issue=_text(issue.find("Issue")) if issue is not None else None,
        pages=_text(article.find("Pagination/MedlinePgn")),
        issn=normalise_issn(_text(journal.find("ISSN")) if journal is not None else None),
        doi=_doi(article, element.find("PubmedData")),
        keywords=keywords,
        line=line,
    )


def _book_article(element: Element, line: int | None) -> DocumentRecord:
    doc = element.find("BookDocument")
    if doc is None:
        return DocumentRecord(line=line)
    book = doc.find("Book")
    year, date = _date(book.find("PubDate") if book is not None else None)
    chapter = _text(doc.find("ArticleTitle"))
    book_title = _text(book.find("BookTitle")) if book is not None else None
    types = [t for t in (_text(p) for p in doc.iter("PublicationType")) if t]
    return DocumentRecord(
        sections=_abstract(doc.find("Abstract")),
        title=chapter or book_title,
        authors=_authors(doc.find("AuthorList")),
        year=year,
        date=date,
        type="book part" if chapter else (_kind(types) or "book"),
        journal=book_title if chapter else None,
        doi=_doi(doc, element.find("PubmedBookData")),
        keywords=[k for k in (_text(kw) for kw in doc.iter("Keyword")) if k],
        line=line,
    )
