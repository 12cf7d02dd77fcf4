"""Citation keys: short, readable, stable names for documents ("gray2024", "gray2024a").

Coders type and read keys in memos, extracts and theme tables, so they follow the
author-year habit of reference managers. They depend only on the record and on the
keys already taken, so importing the same file again in the same order gives the same
keys.
"""

from __future__ import annotations

import re
import unicodedata
from itertools import count, product
from string import ascii_lowercase

from coder.core.model import surname

# Letters NFKD does not decompose into ASCII.
_FOLD = str.maketrans(
    {
        "ß": "ss",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ø": "o",
        "Ø": "O",
        "đ": "d",
        "Đ": "D",
        "ð": "d",
        "Ð": "D",
        "ł": "l",
        "Ł": "L",
        "þ": "th",
        "Þ": "TH",
        "ı": "i",
    }
)
_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "in",
        "on",
        "for",
        "and",
        "or",
        "to",
        "with",
        "by",
        "from",
        "at",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "this",
        "that",
        "these",
        "those",
        "it",
        "its",
        "their",
        "our",
        "we",
        "us",
        "into",
        "about",
        "between",
        "among",
        "over",
        "under",
        "than",
        "then",
        "there",
        "via",
        "using",
        "use",
        "used",
        "toward",
        "towards",
        "within",
        "without",
        "not",
        "no",
        "how",
        "what",
        "why",
        "when",
        "where",
        "which",
        "who",
        "study",
        "paper",
        "article",
        "abstract",
        "chapter",
        "review",
        "purpose",
        "background",
        "aim",
        "aims",
        "objective",
        "objectives",
        "introduction",
        "method",
        "methods",
        "design",
        "results",
        "findings",
        "conclusion",
        "conclusions",
        "s",
    ]
)


def ascii_fold(text: str) -> str:
    """ "Müller" -> "Muller", "Łukasz" -> "Lukasz": the same name typed on any keyboard."""
    if text.isascii():
        return text  # the common case, and the import hot path: nothing to fold
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).translate(_FOLD)


def _letters(text: str) -> str:
    return re.sub(r"[^a-z]", "", ascii_fold(text).lower())


def _significant_words(text: str, n: int = 2) -> list[str]:
    words = [_letters(w) for w in re.findall(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", text)]
    return [w for w in words if w and w not in _STOPWORDS][:n]


_INITIALS = re.compile(r"^(?:[A-Z]\.?-?){1,4}$")


def first_surname(author: str) -> str:
    """Surname of "Given Surname", "Surname, Given" and also MEDLINE/Scopus "Gray BT" /
    "Gray B.T.", where the last word is initials rather than the surname."""
    words = author.replace(",", " , ").split()
    if "," not in words and len(words) > 1 and _INITIALS.match(words[-1]):
        return " ".join(words[:-1])
    return surname(author)


def base_key(authors: list[str], year: int | None, text: str, title: str | None) -> str:
    """The key before disambiguation: first author's surname and year ("gray2024"),
    "gray_nd" without a year, or two significant words of the title (else of the text)
    when there is no usable author ("peersupport2024")."""
    suffix = str(year) if year is not None else "_nd"
    first = next((a for a in authors if a.strip()), "")
    stem = _letters(first_surname(first)) if first else ""
    if not stem:
        stem = "".join(_significant_words(title or "")) or "".join(_significant_words(text))
    return f"{stem or 'anon'}{suffix}"


def unique_key(base: str, taken: set[str]) -> str:
    """``base`` if free, else ``base`` + "a", "b", ..., "z", "aa", "ab", ... (gray2024a)."""
    if base not in taken:
        return base
    for length in count(1):
        for letters in product(ascii_lowercase, repeat=length):
            candidate = base + "".join(letters)
            if candidate not in taken:
                return candidate
    raise AssertionError("unreachable")  # pragma: no cover
