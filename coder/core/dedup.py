"""Finding near-duplicate records: the same paper exported by two databases.

Exact copies are caught by the content hash before this runs. What is left differs in
case, punctuation, whitespace, a heading pasted into the abstract or a word or two, and
must be found without comparing every pair: a search of 10,000 records would otherwise
score 50 million pairs. Records are therefore *blocked* on cheap keys (DOI, the start and
end of the normalised title and abstract, first author + year) and only records sharing
a block are scored with rapidfuzz.

Two papers by the same authors in the same year share a block but not their text, so
they do not match: author and year only ever narrow the search, never decide it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from coder.core.canonical import canonical, json_string
from coder.core.citekeys import ascii_fold, first_surname
from coder.core.model import DocumentRecord, collapse_spaces, text_hash

TITLE_THRESHOLD = 90.0
TEXT_THRESHOLD = 92.0
_PREFIX = 40  # characters of normalised text per block key
_MIN_TITLE = 20  # shorter titles ("Editorial", "Peer support") need author and year too
_MIN_TEXT = 80  # texts shorter than this are too generic to match on their own
_LEADING_LABEL = re.compile(r"^(?:abstract|summary)\s+")
_LEADING_ARTICLE = re.compile(r"^(?:the|a|an)\s+")


@dataclass
class DedupEntry:
    """What the index needs to know about one document."""

    key: str
    title: str | None
    doi: str | None
    first_author: str | None
    year: int | None
    text: str


def first_author(authors: list[str]) -> str | None:
    """As printed: the index finds the surname itself ("Gray BT", "Gray, B.")."""
    return authors[0] if authors else None


def entry_for(record: DocumentRecord, key: str = "") -> DedupEntry:
    """The index's view of a record."""
    first = first_author(record.authors)
    return DedupEntry(key, record.title, record.doi, first, record.year, record.text)


# What scoring compares: normalised title, normalised abstract opening, DOI, surname.
Fingerprint = tuple[str, str, str, str]


@dataclass
class _Prepared:
    entry: DedupEntry
    title: str
    text: str
    doi: str
    author: str


# Every byte but a-z and 0-9 to a space: for ASCII text, splitting the translated bytes
# finds the words ``[a-z0-9]+`` finds, several times faster than the regex on a 1,000
# character abstract opening (every record of an import is normalised).
_WORD_BYTES = bytes(
    c if chr(c) in "abcdefghijklmnopqrstuvwxyz0123456789" else 32 for c in range(256)
)
_WORD = re.compile(r"[a-z0-9]+")


def normalise(text: str | None) -> str:
    """Lower case ASCII words separated by single spaces; punctuation and layout gone."""
    folded = ascii_fold(text or "").lower()
    if folded.isascii():
        return b" ".join(folded.encode("ascii").translate(_WORD_BYTES).split()).decode("ascii")
    return " ".join(_WORD.findall(folded))


def _doi(doi: str | None) -> str:
    doi = (doi or "").strip().lower()
    return re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", "", doi)


_TEXT_KEPT = 800
# How much of an abstract the index reads (it normalises a little more than it keeps):
# callers that hold many records may pass only this much.
TEXT_NEEDED = _TEXT_KEPT + 200


def fingerprint(entry: DedupEntry) -> Fingerprint:
    """What the index compares of an entry, normalised (the costly part of a lookup)."""
    # The first words of an abstract tell two exports of one paper apart from two
    # papers as well as all of it does, and cost a fraction of the memory to keep.
    text = _LEADING_LABEL.sub("", normalise(entry.text[:TEXT_NEEDED]))[:_TEXT_KEPT]
    author = normalise(first_surname(entry.first_author)) if entry.first_author else ""
    return normalise(entry.title), text, _doi(entry.doi), author


class DuplicateIndex:
    """Records seen so far, searchable for near-duplicates of a new one."""

    def __init__(
        self, title_threshold: float = TITLE_THRESHOLD, text_threshold: float = TEXT_THRESHOLD
    ) -> None:
        self.title_threshold = title_threshold
        self.text_threshold = text_threshold
        self._entries: dict[str, _Prepared] = {}
        self._blocks: dict[str, str | set[str]] = {}
        self._last_probe: tuple[DedupEntry, _Prepared] | None = None

    def __len__(self) -> int:
        return len(self._entries)

    def add(self, entry: DedupEntry) -> None:
        """Index ``entry`` under its key (adding the same key again replaces it)."""
        if entry.key in self._entries:
            for block in self._block_keys(self._entries[entry.key]):
                self._unblock(block, entry.key)
        # An importer asks find() and then add() for the same record: prepare it once.
        last = self._last_probe
        prepared = last[1] if last is not None and last[0] is entry else self._prepare(entry)
        self._last_probe = None
        # Keep only what scoring reads: not the caller's record with its whole abstract.
        prepared.entry = DedupEntry(entry.key, None, None, None, entry.year, "")
        self._entries[entry.key] = prepared
        for block in self._block_keys(prepared):
            held = self._blocks.get(block)
            if held is None:
                self._blocks[block] = entry.key  # most blocks hold one record: no set for it
            elif isinstance(held, str):
                if held != entry.key:
                    self._blocks[block] = {held, entry.key}
            else:
                held.add(entry.key)

    def _unblock(self, block: str, key: str) -> None:
        held = self._blocks.get(block)
        if held == key:
            del self._blocks[block]
        elif isinstance(held, set):
            held.discard(key)

    def find(
        self, entry: DedupEntry, made: Fingerprint | None = None
    ) -> list[tuple[str, float, str]]:
        """Indexed records that are near-duplicates of ``entry``: ``(key, score, reason)``
        with reason "doi", "title" or "abstract", best first. ``made``: the entry's
        ``fingerprint``, when it was made elsewhere (a reading process)."""
        probe = _Prepared(entry, *made) if made is not None else self._prepare(entry)
        self._last_probe = (entry, probe)
        # Titles are compared with every candidate; texts (the costly part) only with
        # candidates from the text, DOI and author-year blocks: a title block such as
        # "... a systematic review" holds a large share of a search, and a paper whose
        # text matches shares a text block too (its opening or its end).
        candidates: set[str] = set()
        by_text: set[str] = set()
        for block in self._block_keys(probe, probe=True):
            held = self._blocks.get(block)
            if not held:
                continue
            found = {held} if isinstance(held, str) else held
            candidates |= found
            if not block.startswith("t"):
                by_text |= found
        candidates.discard(entry.key)
        if not candidates:
            return []
        entries = self._entries
        # Each kind is scored in one rapidfuzz call over its candidates, keeping only the
        # scores over the threshold; only those few pairs are judged here.
        titles = _over(probe.title, {k: entries[k].title for k in candidates}, self.title_threshold)
        texts = (
            _over(
                probe.text, {k: entries[k].text for k in by_text - {entry.key}}, self.text_threshold
            )
            if len(probe.text) >= _MIN_TEXT
            else {}
        )
        matches = []
        for key in candidates:
            other = entries[key]
            if probe.doi and other.doi:
                # Two different DOIs are two different works, however alike their text.
                if probe.doi == other.doi:
                    matches.append((key, 100.0, "doi"))
                continue
            if key in titles or key in texts:
                scored = self._score(probe, other, titles.get(key), texts.get(key))
                if scored:
                    matches.append((key, *scored))
        matches.sort(key=lambda m: (-m[1], m[0]))
        return matches

    @staticmethod
    def _prepare(entry: DedupEntry) -> _Prepared:
        return _Prepared(entry, *fingerprint(entry))

    @staticmethod
    def _block_keys(p: _Prepared, probe: bool = False) -> list[str]:
        """Blocks a record sits in (or, with ``probe``, the blocks to search for it).

        Records with a DOI sit in the text blocks under a "+doi" variant: two records that
        both have DOIs match only by DOI (see ``_score``), so a probe with a DOI never needs
        to look at them there. That keeps a common "Smith 2019" block from turning a large
        import quadratic."""
        keys = []
        if p.doi:
            keys.append(f"doi:{p.doi}")
        loose = []
        title = _LEADING_ARTICLE.sub("", p.title)
        if len(title) >= 8:
            loose += [f"t<{title[: _PREFIX // 2]}", f"t>{title[-_PREFIX // 2 :]}"]
        if len(p.text) >= _PREFIX:
            loose += [f"x<{p.text[:_PREFIX]}", f"x>{p.text[-_PREFIX:]}"]
        if p.author and p.entry.year is not None:
            loose.append(f"ay:{p.author}:{p.entry.year}")
        if probe:
            variants = ["-doi"] if p.doi else ["-doi", "+doi"]
        else:
            variants = ["+doi" if p.doi else "-doi"]
        return keys + [f"{key}{v}" for key in loose for v in variants]

    def _score(
        self, a: _Prepared, b: _Prepared, title: float | None, text: float | None
    ) -> tuple[float, str] | None:
        """Whether two records without a shared DOI are one paper, given their title and
        text scores (None: under the threshold)."""
        ya, yb = a.entry.year, b.entry.year
        if ya is not None and yb is not None and abs(ya - yb) > 1:
            return None  # a reprint or erratum years later is its own record
        best: tuple[float, str] | None = None
        if title is not None and a.title and b.title and self._authors_agree(a, b):
            short = min(len(a.title), len(b.title)) < _MIN_TITLE
            known = not short or (a.author and a.author == b.author and ya == yb)
            if known and not _texts_differ(a.text, b.text):
                best = (title, "title")
        long_texts = min(len(a.text), len(b.text)) >= _MIN_TEXT
        if text is not None and long_texts and (best is None or text > best[0]):
            best = (text, "abstract")
        return best

    @staticmethod
    def _authors_agree(a: _Prepared, b: _Prepared) -> bool:
        """Surnames match loosely ("van de Schoot" / "Schoot"), or one is unknown."""
        if not a.author or not b.author:
            return True
        return a.author in b.author or b.author in a.author or fuzz.ratio(a.author, b.author) >= 80


def _over(query: str, choices: dict[str, str], cutoff: float) -> dict[str, float]:
    """The choices scoring at least ``cutoff`` against ``query`` (one call into rapidfuzz,
    which gives up early on each unlike pair)."""
    if not query:
        return {}
    found = process.extract(query, choices, scorer=fuzz.ratio, score_cutoff=cutoff, limit=None)
    return {key: score for _text, score, key in found}


_TEXT_PROBE = 128  # characters of the shorter abstract looked for in the longer one
_TEXTS_DIFFER = 85.0


def _texts_differ(a: str, b: str) -> bool:
    """True when both records have an abstract and they are not one text: then a shared
    title is two papers (a series, a common phrase), not two exports of one paper.

    One database may cut an abstract short or add a heading, so the opening of the shorter
    is looked for anywhere in the longer (``partial_ratio``): a cut copy scores 100, two
    different abstracts in one field's words score up to about 80 over 128 characters.
    """
    if min(len(a), len(b)) < _MIN_TEXT:
        return False
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    return not fuzz.partial_ratio(short[:_TEXT_PROBE], long, score_cutoff=_TEXTS_DIFFER)


def content_hash(record: DocumentRecord) -> str:
    """What makes two records the same document: the text and the bibliographic core.

    The hash is of ``canonical([title, authors, year, text])`` (tidied), stored and
    compared across imports, so its bytes must never change; the JSON is written out here
    with the string encoder ``json`` itself uses, since building a JSON encoder for each
    record cost more than encoding it."""
    title = " ".join((record.title or "").split()).lower()
    authors = [" ".join(a.split()) for a in record.authors]
    year = record.year
    # " ".join(record.text.split()), section by section: the blank lines between sections
    # are whitespace like any other, and each section alone is usually tidy already.
    text = " ".join(t for t in (collapse_spaces(s.text) for s in record.sections if s.text) if t)
    if year is None or type(year) is int:
        year_json = "null" if year is None else str(year)
        basis = f"[{json_string(title)},[{','.join(map(json_string, authors))}],{year_json},{json_string(text)}]"
    else:  # not an int after all: let json decide how it is written
        basis = canonical([title, authors, year, text])
    return text_hash(basis)
