"""Interview and focus-group transcripts: WebVTT, SubRip and text with speaker turns.

A transcript is one document whose sections are its speaker turns (see
:class:`coder.core.model.Section`): each turn keeps who spoke and, from subtitle files,
when. Consecutive cues by the same speaker (video-call captions cut every few seconds)
join into one turn, so a turn is what a person said before someone else spoke.

Speakers come from WebVTT voice tags (``<v Anna>``, as Teams writes them) or from a
label that opens the line (``Interviewer:``, ``P1:``, ``Anna Smith:``, as Zoom and typed
transcripts have them). Times are kept in milliseconds.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from coder.core.model import DocumentRecord, Section, speaker_label
from coder.core.segmenting import is_heading
from coder.formats.errors import FormatError
from coder.formats.records import OnError, squash

# A speaker label: up to four words (names, roles, "P1", "Participant 3", "Dr. Lee") and
# a colon, optionally with a time before or after it: "[00:01:02] P1: ...",
# "P1 (00:01:02): ...". Sentences with a colon ("The aim was: ...") are too long or too
# lower-case to match.
_TIME = r"[\[(]?(?P<{0}>\d{{1,2}}:\d{{2}}(?::\d{{2}})?(?:[.,]\d{{1,3}})?)[\])]?"
_LABEL = re.compile(
    r"^\s*(?:" + _TIME.format("t1") + r"\s+)?"
    r"(?P<speaker>[A-Z0-9][\w.'\u2019-]*(?: [\w.'\u2019-]+){0,3}?)"
    r"(?:\s+" + _TIME.format("t2") + r")?"
    r"\s*:\s+(?P<said>\S.*)$"
)
_NOT_SPEAKERS = {"note", "notes", "http", "https", "abstract", "keywords", "key words", "title"}


@dataclass(frozen=True)
class Turn:
    speaker: str | None
    text: str
    start_ms: int | None = None
    end_ms: int | None = None
    heading: str | None = None


def parse_time(value: str | None) -> int | None:
    """Milliseconds of "01:02:03.500", "02:03,5" or "1:02"; None when absent."""
    if not value:
        return None
    main, _, fraction = value.replace(",", ".").partition(".")
    parts = [int(p) for p in main.split(":")]
    while len(parts) < 3:
        parts.insert(0, 0)
    hours, minutes, seconds = parts
    millis = int((fraction + "000")[:3]) if fraction else 0
    return ((hours * 60 + minutes) * 60 + seconds) * 1000 + millis


def opens_turn(line: str) -> bool:
    """Whether ``line`` opens with a speaker label."""
    return _label(line) is not None


def _label(line: str) -> tuple[str, str, int | None] | None:
    """(speaker, what they said, time) when ``line`` opens with a speaker label."""
    m = _LABEL.match(line)
    if not m:
        return None
    speaker = m.group("speaker").strip()
    if speaker.lower() in _NOT_SPEAKERS or is_heading(speaker) or len(speaker) > 40:
        return None
    return speaker, m.group("said").strip(), parse_time(m.group("t1") or m.group("t2"))


def looks_like_turns(lines: Sequence[str]) -> bool:
    """Whether text lines are a transcript: at least three labelled turns, two speakers,
    one who speaks more than once, and labels on a good share of the lines (long answers
    run over several paragraphs). A structured abstract's "Methods:" and "Results:" each
    appear once and are headings, so they never qualify."""
    filled = [ln for ln in lines if ln.strip()]
    speakers = Counter(hit[0] for ln in filled if (hit := _label(ln)) is not None)
    labelled = sum(speakers.values())
    return (
        labelled >= 3
        and len(speakers) >= 2
        and speakers.most_common(1)[0][1] >= 2
        and labelled >= 0.3 * len(filled)
    )


def turns_from_lines(lines: Sequence[tuple[str | None, str]]) -> list[Turn | tuple[str, str]]:
    """Turns from ``(heading, line)`` pairs of a transcript: a labelled line opens a turn,
    an unlabelled one continues it as a new paragraph. Lines before the first turn (a
    header: date, place, who was there) come back as ``(heading, text)`` pairs."""
    out: list[Turn | tuple[str, str]] = []
    for heading, line in lines:
        line = line.strip()
        if not line:
            continue
        hit = _label(line)
        if hit is not None:
            speaker, said, at = hit
            out.append(Turn(speaker, said, at, None, heading))
            continue
        last = out[-1] if out else None
        if isinstance(last, Turn):
            out[-1] = Turn(
                last.speaker, f"{last.text}\n{line}", last.start_ms, last.end_ms, last.heading
            )
        else:
            out.append((heading or "", line))
    return out


def turn_sections(turns: Sequence[Turn]) -> list[Section]:
    """Sections for turns, each opening with its speaker's label."""
    sections = []
    for turn in turns:
        text = turn.text.strip()
        if not text:
            continue
        if turn.speaker is not None:
            text = speaker_label(turn.speaker) + text
        sections.append(Section(turn.heading, text, turn.speaker, turn.start_ms, turn.end_ms))
    return sections


def _merge_cues(turns: Sequence[Turn]) -> list[Turn]:
    """One turn per run of cues by the same (known) speaker: captions split speech every
    few seconds. Cues without a speaker stay apart (there is nothing to say they belong
    together)."""
    merged: list[Turn] = []
    for turn in turns:
        last = merged[-1] if merged else None
        if last is not None and turn.speaker is not None and last.speaker == turn.speaker:
            merged[-1] = Turn(last.speaker, f"{last.text} {turn.text}", last.start_ms, turn.end_ms)
        else:
            merged.append(turn)
    return merged


def _cue_turn(text: str, start_ms: int | None, end_ms: int | None, voice: str | None) -> Turn:
    text = squash(text)
    if voice:
        return Turn(voice.strip(), text, start_ms, end_ms)
    hit = _label(text)
    if hit is not None:
        return Turn(hit[0], hit[1], start_ms, end_ms)
    return Turn(None, text, start_ms, end_ms)


def _record(file: str, turns: list[Turn]) -> DocumentRecord:
    sections = turn_sections(_merge_cues(turns))
    if not sections:
        raise FormatError(file, "no speech found in the transcript")
    return DocumentRecord(sections=sections, title=Path(file).stem, line=1, key=Path(file).stem)


def read_vtt(text: str, file: str, on_error: OnError) -> Iterator[DocumentRecord]:
    """A WebVTT file (video-call captions) as one transcript."""
    import webvtt  # deferred: only transcripts need it
    from webvtt.errors import MalformedFileError

    try:
        captions = webvtt.from_string(text)
    except MalformedFileError as exc:
        raise FormatError(file, f"not a valid WebVTT file: {exc}") from None
    turns = [
        _cue_turn(c.text, parse_time(c.start), parse_time(c.end), getattr(c, "voice", None))
        for c in captions
        if c.text.strip()
    ]
    yield _record(file, turns)


def read_srt(text: str, file: str, on_error: OnError) -> Iterator[DocumentRecord]:
    """A SubRip file as one transcript; speakers from labels that open a subtitle."""
    import srt  # deferred: only transcripts need it

    turns = []
    try:
        for sub in srt.parse(text):
            if not sub.content.strip():
                continue
            start = int(sub.start.total_seconds() * 1000)
            end = int(sub.end.total_seconds() * 1000)
            turns.append(_cue_turn(sub.content, start, end, None))
    except srt.SRTParseError as exc:
        line = text.count("\n", 0, exc.actual_start) + 1
        raise FormatError(file, f"not a valid SubRip block: {exc}", line) from None
    yield _record(file, turns)


def read_turns(text: str, file: str, on_error: OnError) -> Iterator[DocumentRecord]:
    """A typed transcript: ``Speaker: words`` turns, continuation paragraphs, a header."""
    parts = turns_from_lines([(None, line) for line in text.split("\n")])
    sections: list[Section] = []
    for part in parts:
        if isinstance(part, Turn):
            sections.extend(turn_sections([part]))
        else:
            sections.append(Section(None, squash(part[1])))
    yield DocumentRecord(sections=sections, title=Path(file).stem, line=1, key=Path(file).stem)
