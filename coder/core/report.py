"""The theme table and its citations, as plain data that every writer formats alike.

Phase 6 ends in a table for the paper: each theme with its sub-themes, definition,
codes, how many documents and extracts support it, and exemplar extracts cited like
"Gray, Sisto & Conley (2024a)" with an APA-like reference list. Building it here, away
from files and SQL, means the Markdown, Word, Excel, HTML, LaTeX and JSON exports (and
the TUI preview) can never disagree about what the table says.

Decisions worth knowing:

* Counts follow the one definition in ``coder.core.extracts`` (shared with every screen):
  a theme's own codes and its sub-themes' codes; an extract is a coded span, counted once
  whoever coded it; spans marked as misfits (phase 4) are left out.
* When the analyst has chosen no exemplars for a theme yet, the table says so and shows
  up to ``FALLBACK_EXTRACTS`` coded extracts instead, each flagged ``chosen=False`` so
  every writer labels them "not chosen".
* Year suffixes (2024a, 2024b) are assigned over the whole project, so a document has the
  same citation in the theme table and in the codings export. Works whose in-text
  citations would read the same (same author part and year) get letters, ordered by
  title as APA asks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from coder.core.extracts import count_extracts, misfit_segments, theme_codings
from coder.core.model import Code, Coding, Document, Theme, citation_authors, surname

FALLBACK_EXTRACTS = 2
MAX_APA_AUTHORS = 20  # APA 7: list up to 20 authors, then an ellipsis and the last one

# ---- citations and references ----------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """A piece of formatted text: writers render ``italic`` their own way."""

    text: str
    italic: bool = False


@dataclass(frozen=True)
class Reference:
    """One entry of the reference list."""

    key: str
    citation: str  # the in-text form, "Gray, Sisto & Conley (2024a)"
    runs: tuple[Run, ...]

    @property
    def text(self) -> str:
        return "".join(run.text for run in self.runs)


def _letters(index: int) -> str:
    """a, b, ..., z, aa, ab, ... for the index-th work of an author-year group."""
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        out = chr(ord("a") + rest) + out
    return out


def _initials(given: str) -> str:
    """ "Benjamin Thomas" -> "B. T."; "Jean-Paul" -> "J.-P."; "B.T." -> "B. T."."""
    parts = []
    for token in re.split(r"[\s.]+", given.strip()):
        if not token:
            continue
        pieces = [p for p in token.split("-") if p]
        parts.append("-".join(p[0].upper() + "." for p in pieces))
    return " ".join(parts)


def apa_author(author: str) -> str:
    """ "Benjamin Thomas Gray" or "Gray, Benjamin Thomas" -> "Gray, B. T."."""
    author = " ".join(author.split())
    if "," in author:
        last, given = (part.strip() for part in author.split(",", 1))
    else:
        tokens = author.split(" ")
        last, given = tokens[-1], " ".join(tokens[:-1])
    initials = _initials(given)
    return f"{last}, {initials}" if initials else last


def apa_authors(authors: Sequence[str]) -> str:
    """The author part of a reference: "A, B., & C, D." with APA's 20-author rule."""
    names = [apa_author(a) for a in authors if a.strip()]
    if not names:
        return ""
    if len(names) == 1:
        return names[0]
    if len(names) > MAX_APA_AUTHORS:
        return ", ".join(names[: MAX_APA_AUTHORS - 1]) + ", . . . " + names[-1]
    return ", ".join(names[:-1]) + ", & " + names[-1]


def _sentence(text: str) -> str:
    """Text ending in a full stop (unless it already ends in . ? or !)."""
    text = " ".join(text.split())
    return text if text[-1:] in ".?!" else text + "."


def _doi_url(doi: str) -> str:
    doi = doi.strip()
    if doi.lower().startswith(("http://", "https://")):
        return doi
    doi = re.sub(r"^(?:doi:\s*|dx\.doi\.org/|doi\.org/)", "", doi, flags=re.IGNORECASE)
    return f"https://doi.org/{doi}"


def _short_title(title: str, words: int = 5) -> str:
    tokens = title.split()
    short = " ".join(tokens[:words]) + ("…" if len(tokens) > words else "")
    return f"“{short}”"


class Bibliography:
    """Citations and references for a project's documents (metadata only; no text needed)."""

    def __init__(self, documents: Iterable[Document]) -> None:
        self.docs: dict[str, Document] = {d.key: d for d in documents}
        self._citations: dict[str, str] = {}
        groups: dict[tuple[str, int | None], list[Document]] = {}
        for doc in self.docs.values():
            groups.setdefault((self._author_label(doc), doc.year), []).append(doc)
        self.suffix: dict[str, str] = {}
        for group in groups.values():
            if len(group) < 2:
                continue
            group.sort(key=lambda d: ((d.title or "").casefold(), d.key))
            for i, doc in enumerate(group):
                self.suffix[doc.key] = _letters(i)

    @staticmethod
    def _author_label(doc: Document) -> str:
        authors = citation_authors(doc.authors)
        if authors:
            return authors
        return _short_title(doc.title) if doc.title else doc.key

    def year_label(self, key: str) -> str:
        """ "2024", "2024a", "n.d." or "n.d.-a"."""
        doc = self.docs.get(key)
        letter = self.suffix.get(key, "")
        if doc is None or doc.year is None:
            return f"n.d.-{letter}" if letter else "n.d."
        return f"{doc.year}{letter}"

    def citation(self, key: str) -> str:
        """The narrative in-text citation: "Gray, Sisto & Conley (2024a)". Kept once made:
        an export cites the same document for each of its codings."""
        found = self._citations.get(key)
        if found is None:
            doc = self.docs.get(key)
            found = key if doc is None else f"{self._author_label(doc)} ({self.year_label(key)})"
            self._citations[key] = found
        return found

    def reference(self, key: str) -> Reference:
        """The APA-like reference, using what metadata exists."""
        doc = self.docs.get(key)
        if doc is None:
            return Reference(key, key, (Run(key),))
        runs: list[Run] = []
        standalone = not doc.journal  # APA italicises the title of a work that stands alone
        authors = apa_authors(doc.authors)
        year = f"({self.year_label(key)})."
        if authors:
            runs.append(Run(f"{authors if authors.endswith('.') else authors + '.'} {year}"))
            if doc.title:
                runs += [Run(" "), Run(_sentence(doc.title), italic=standalone)]
        else:
            # No author: the title moves to the author position.
            lead = _sentence(doc.title) if doc.title else f"Untitled record {doc.key}."
            runs += [Run(lead, italic=standalone and bool(doc.title)), Run(f" {year}")]
        runs += self._source_runs(doc)
        if doc.doi:
            runs.append(Run(" " + _doi_url(doc.doi)))
        return Reference(key, self.citation(key), tuple(_merge(runs)))

    @staticmethod
    def _source_runs(doc: Document) -> list[Run]:
        """*Journal*, *volume*(issue), pages."""
        if not doc.journal:
            return []
        runs = [Run(" "), Run(" ".join(doc.journal.split()), italic=True)]
        if doc.volume:
            runs += [Run(", "), Run(doc.volume.strip(), italic=True)]
            if doc.issue:
                runs.append(Run(f"({doc.issue.strip()})"))
        elif doc.issue:
            runs.append(Run(f", ({doc.issue.strip()})"))
        if doc.pages:
            runs.append(Run(", " + re.sub(r"\s*-+\s*", "–", doc.pages.strip())))
        runs.append(Run("."))
        return runs

    def sort_key(self, key: str) -> tuple:
        doc = self.docs.get(key)
        if doc is None:
            return ((key.casefold(),), 10**6, "", key)
        lead = tuple(surname(a).casefold() for a in doc.authors if a.strip())
        if not lead:
            lead = ((doc.title or doc.key).casefold(),)
        return (lead, doc.year if doc.year is not None else 10**6, self.suffix.get(key, ""), key)

    def references(self, keys: Iterable[str]) -> list[Reference]:
        """The reference list for the cited keys, in APA order (author, year, letter)."""
        return [self.reference(k) for k in sorted(set(keys), key=self.sort_key)]


def _merge(runs: list[Run]) -> list[Run]:
    """Join neighbouring runs of the same style so writers emit fewer pieces."""
    out: list[Run] = []
    for run in runs:
        if not run.text:
            continue
        if out and out[-1].italic == run.italic:
            out[-1] = Run(out[-1].text + run.text, run.italic)
        else:
            out.append(run)
    return out


# ---- the theme table --------------------------------------------------------------------


@dataclass
class Extract:
    """A coded span quoted in the table."""

    text: str
    key: str
    citation: str
    section: str | None
    start: int
    end: int
    codes: list[str]
    coders: list[str]
    chosen: bool  # an exemplar the analyst chose; False: shown because none was chosen


@dataclass
class ThemeEntry:
    number: str  # "1", "2", "2.1": the theme's place in the report
    name: str
    level: int  # 0 for a theme, 1 for a sub-theme, ...
    parent: str | None
    status: str
    definition: str
    scope: str
    subthemes: list[str]
    codes: list[str]
    documents: int
    extracts: int
    exemplars: list[Extract]
    exemplars_chosen: bool
    group: str | None = None  # the attribute value, in a table split by an attribute


@dataclass
class CodeEntry:
    name: str
    parent: str | None
    status: str
    definition: str
    themes: list[str]
    codings: int
    extracts: int
    documents: int


@dataclass
class ThemeTable:
    project: str
    themes: list[ThemeEntry]
    codes: list[CodeEntry]
    unassigned_codes: list[str]
    references: list[Reference]
    fallback_extracts: int = FALLBACK_EXTRACTS
    notes: list[str] = field(default_factory=list)
    split_by: str | None = None  # the attribute the themes are split by

    def to_dict(self) -> dict:
        """A JSON-ready structure (stable key order)."""
        return {
            "project": self.project,
            "themes": [
                {
                    "number": t.number,
                    "name": t.name,
                    "level": t.level,
                    "parent": t.parent,
                    "status": t.status,
                    "definition": t.definition,
                    "scope": t.scope,
                    "subthemes": t.subthemes,
                    "codes": t.codes,
                    "documents": t.documents,
                    "extracts": t.extracts,
                    "exemplars_chosen": t.exemplars_chosen,
                    "exemplars": [e.__dict__ for e in t.exemplars],
                    **({"group": t.group} if self.split_by else {}),
                }
                for t in self.themes
            ],
            "codes": [c.__dict__ for c in self.codes],
            "unassigned_codes": self.unassigned_codes,
            "references": [
                {"key": r.key, "citation": r.citation, "reference": r.text} for r in self.references
            ],
            "notes": self.notes,
        }


def no_exemplars_note(count: int) -> str:
    """What every writer says under a theme without chosen exemplars."""
    if count == 0:
        return "No exemplar extracts chosen yet, and no coded extracts to show."
    return (
        "No exemplar extracts chosen yet; "
        f"{'the first coded extract is' if count == 1 else f'the first {count} coded extracts are'}"
        " shown instead (not chosen)."
    )


def report_order(themes: Sequence[Theme]) -> list[tuple[Theme, int]]:
    """Themes depth-first in report order, each with its depth; orphans go to the top."""
    names = {t.name for t in themes}
    children: dict[str | None, list[Theme]] = {}
    for theme in themes:
        parent = theme.parent if theme.parent in names and theme.parent != theme.name else None
        children.setdefault(parent, []).append(theme)
    out: list[tuple[Theme, int]] = []
    seen: set[str] = set()

    def walk(parent: str | None, depth: int) -> None:
        for theme in sorted(children.get(parent, []), key=lambda t: (t.order, t.name)):
            if theme.name in seen:
                continue
            seen.add(theme.name)
            out.append((theme, depth))
            walk(theme.name, depth + 1)

    walk(None, 0)
    for theme in themes:  # a parent cycle leaves themes unreached: list them at the top
        if theme.name not in seen:
            seen.add(theme.name)
            out.append((theme, 0))
            walk(theme.name, 1)
    return out


class _Index:
    """Codings grouped the ways the table needs them."""

    def __init__(self, codings: Sequence[Coding], codes: Sequence[Code]) -> None:
        self.by_id = {c.id: c for c in codings}
        self.by_code: dict[str, list[Coding]] = {}
        self.by_segment: dict[int, list[Coding]] = {}
        for coding in codings:
            self.by_code.setdefault(coding.code, []).append(coding)
            self.by_segment.setdefault(coding.segment_id, []).append(coding)
        self.code_order = {c.name: i for i, c in enumerate(codes)}
        self.position = {c.id: i for i, c in enumerate(codings)}  # reading order

    def covered(self, code_names: set[str], misfits: set[int]) -> list[Coding]:
        """The codings that count for a theme, by the one definition in core.extracts."""
        found = [c for name in code_names for c in self.by_code.get(name, [])]
        return sorted(theme_codings(found, code_names, misfits), key=lambda c: self.position[c.id])


def _extract(
    coding: Coding, codes: set[str], index: _Index, bib: Bibliography, chosen: bool
) -> Extract:
    same_span = index.by_segment.get(coding.segment_id, [coding])
    applied = sorted(
        {c.code for c in same_span if c.code in codes} | {coding.code},
        key=lambda n: (index.code_order.get(n, 10**6), n),
    )
    return Extract(
        text=coding.text,
        key=coding.document_key,
        citation=bib.citation(coding.document_key),
        section=coding.heading,
        start=coding.start,
        end=coding.end,
        codes=applied,
        coders=sorted({c.coder for c in same_span}),
        chosen=chosen,
    )


def _fallback(candidates: list[Coding], limit: int) -> list[Coding]:
    """The first extracts in reading order, one per document before any second one."""
    picked: list[Coding] = []
    seen_docs: set[str] = set()
    seen_segments: set[int] = set()
    for coding in candidates:
        if len(picked) == limit:
            return picked
        if coding.document_key not in seen_docs and coding.segment_id not in seen_segments:
            picked.append(coding)
            seen_docs.add(coding.document_key)
            seen_segments.add(coding.segment_id)
    for coding in candidates:
        if len(picked) == limit:
            break
        if coding.segment_id not in seen_segments:
            picked.append(coding)
            seen_segments.add(coding.segment_id)
    return picked


def _code_entries(
    codes: Sequence[Code], index: _Index, entries: list[ThemeEntry]
) -> tuple[list[CodeEntry], list[str]]:
    """The codes table (codebook order) and the active codes no theme holds."""
    in_themes: dict[str, list[str]] = {}
    for entry in entries:
        for code in entry.codes:
            in_themes.setdefault(code, []).append(entry.name)
    rows = []
    for code in codes:
        used = index.by_code.get(code.name, [])
        rows.append(
            CodeEntry(
                name=code.name,
                parent=code.parent,
                status=str(code.status),
                definition=code.definition,
                themes=in_themes.get(code.name, []),
                codings=len(used),
                extracts=len({c.segment_id for c in used}),
                documents=len({c.document_key for c in used}),
            )
        )
    unassigned = [c.name for c in codes if c.name not in in_themes and str(c.status) == "active"]
    return rows, unassigned


def build_theme_table(
    project: str,
    themes: Sequence[Theme],
    codes: Sequence[Code],
    codings: Sequence[Coding],
    exemplars: dict[str, list[int]],
    misfits: dict[str, set[int]],
    bibliography: Bibliography,
    fallback: int = FALLBACK_EXTRACTS,
) -> ThemeTable:
    """The theme table from the project's themes, codes and codings (in reading order).

    ``exemplars`` maps a theme name to its chosen coding ids in the analyst's order;
    ``misfits`` maps a theme name to the coding ids marked as not fitting it.
    """
    index = _Index(codings, codes)
    ordered = report_order(themes)
    children: dict[str, list[str]] = {}
    for theme, _depth in ordered:
        if theme.parent:
            children.setdefault(theme.parent, []).append(theme.name)

    def descendants(name: str) -> list[str]:
        out, stack = [], list(children.get(name, []))
        while stack:
            child = stack.pop(0)
            if child not in out and child != name:
                out.append(child)
                stack.extend(children.get(child, []))
        return out

    by_name = {t.name: t for t in themes}
    entries: list[ThemeEntry] = []
    cited: list[str] = []
    counters: list[int] = []
    for theme, depth in ordered:
        counters = [*counters[:depth], (counters[depth] if len(counters) > depth else 0) + 1]
        family = [theme.name, *descendants(theme.name)]
        covered_codes = {c for name in family for c in by_name[name].codes}
        excluded = set().union(*(misfits.get(name, set()) for name in family))
        covered = index.covered(covered_codes, excluded)
        own_misfits = misfit_segments(index.by_id.values(), misfits.get(theme.name, set()))
        chosen = [
            index.by_id[i]
            for i in exemplars.get(theme.name, [])
            if i in index.by_id and index.by_id[i].segment_id not in own_misfits
        ]
        counts = count_extracts(covered)
        shown = chosen or _fallback(covered, fallback)
        extracts = [_extract(c, covered_codes, index, bibliography, bool(chosen)) for c in shown]
        cited += [e.key for e in extracts]
        entries.append(
            ThemeEntry(
                number=".".join(map(str, counters)),
                name=theme.name,
                level=depth,
                parent=theme.parent if depth else None,
                status=str(theme.status),
                definition=theme.definition,
                scope=theme.scope,
                subthemes=children.get(theme.name, []),
                codes=list(theme.codes),
                documents=counts.documents,
                extracts=counts.extracts,
                exemplars=extracts,
                exemplars_chosen=bool(chosen),
            )
        )
    code_entries, unassigned = _code_entries(codes, index, entries)
    notes = [
        "Documents and extracts count a theme's own codes and its sub-themes' codes; "
        "an extract coded by several coders counts once; misfits are left out.",
        f"Themes without chosen exemplars show up to {fallback} coded extracts, marked 'not chosen'.",
    ]
    return ThemeTable(
        project=project,
        themes=entries,
        codes=code_entries,
        unassigned_codes=unassigned,
        references=bibliography.references(cited),
        fallback_extracts=fallback,
        notes=notes,
    )


def split_theme_table(
    project: str,
    themes: Sequence[Theme],
    codes: Sequence[Code],
    codings: Sequence[Coding],
    values: Sequence[str | None],
    attribute: str,
    exemplars: dict[str, list[int]],
    misfits: dict[str, set[int]],
    bibliography: Bibliography,
    fallback: int = FALLBACK_EXTRACTS,
) -> ThemeTable:
    """The theme table once per value of ``attribute`` (``values[i]`` is the value of
    ``codings[i]``), one after the other: every theme appears in every group, with the
    documents, extracts and exemplars of that group only, and its name says which group
    it is ("Belonging [design: qualitative]"), so every writer shows the split as it is.
    Codes and their counts are those of the whole project."""
    whole = build_theme_table(
        project, themes, codes, codings, exemplars, misfits, bibliography, fallback
    )
    named = sorted({v for v in values if v is not None}, key=_group_order)
    groups: list[str | None] = [*named, *([None] if None in values else [])]
    entries: list[ThemeEntry] = []
    cited: list[str] = []
    for group in groups:
        subset = [c for c, v in zip(codings, values, strict=True) if v == group]
        table = build_theme_table(
            project, themes, codes, subset, exemplars, misfits, bibliography, fallback
        )
        label = group if group is not None else "(none)"
        for entry in table.themes:
            entry.group = label
            entry.name = f"{entry.name} [{attribute}: {label}]"
            entries.append(entry)
            cited += [e.key for e in entry.exemplars]
    return ThemeTable(
        project=f"{project}, by {attribute}",
        themes=entries,
        codes=whole.codes,
        unassigned_codes=whole.unassigned_codes,
        references=bibliography.references(cited),
        fallback_extracts=fallback,
        notes=[
            *whole.notes,
            f"Themes are split by {attribute}: each group counts and quotes only the extracts "
            f"whose {attribute} has that value (a speaker's own value first, else the document's).",
        ],
        split_by=attribute,
    )


def _group_order(value: str) -> tuple[int, float, str]:
    try:
        return (0, float(value), "")
    except ValueError:
        return (1, 0.0, value.lower())


# ---- codings, one line each -------------------------------------------------------------


@dataclass
class CodingLine:
    """One row of the codings export."""

    key: str
    citation: str
    section: str | None
    unit: int | None
    start: int
    end: int
    text: str
    code: str
    themes: list[str]
    coder: str
    time: str
    memo: str | None

    FIELDS = (
        "key", "citation", "section", "unit", "start", "end",
        "text", "code", "themes", "coder", "time", "memo",
    )  # fmt: skip


def coding_lines(
    codings: Iterable[Coding], themes: Sequence[Theme], bibliography: Bibliography
) -> list[CodingLine]:
    """Every coding with its citation and the themes its code belongs to (report order)."""
    code_themes: dict[str, list[str]] = {}
    for theme, _depth in report_order(themes):
        for code in theme.codes:
            code_themes.setdefault(code, []).append(theme.name)
    return [
        CodingLine(
            key=c.document_key,
            citation=bibliography.citation(c.document_key),
            section=c.heading,
            unit=c.ordinal,
            start=c.start,
            end=c.end,
            text=c.text,
            code=c.code,
            themes=code_themes.get(c.code, []),
            coder=c.coder,
            time=c.created_at,
            memo=c.memo,
        )
        for c in codings
    ]
