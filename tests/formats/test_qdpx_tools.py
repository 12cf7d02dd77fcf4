"""REFI-QDA projects as real tools write them: each tool's way of counting positions,
its folder and namespace habits, and same-named codes under different parents. Every
coded passage must be the text the tool showed, and anything doubtful is reported."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from coder.core.model import Code
from coder.formats.qdc import file_name
from coder.formats.qdpx import (
    CODE_POINTS,
    UTF16,
    Counting,
    QdpxProject,
    TextMap,
    project_xml,
    read_qdpx,
)
from tests.conftest import shared_file

# A text with what trips position counting: CRLF line ends, emoji outside the BMP (two
# UTF-16 units each), an accent, and a BOM in front when the tool writes one.
LINES = [
    "Kötelező oltás 😷😷 – mit gondoltok?",
    "Szerintem jó ötlet 👍, de 🤔 kérdéses.",
    "Programming is fun 🎉🎉🎉 for everyone.",
]
PASSAGES = ["oltás 😷😷", "jó ötlet 👍, de 🤔 kérdéses.", "Programming is fun 🎉🎉🎉 for everyone."]


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def positions(raw: str, passage: str, counting: Counting) -> tuple[int, int]:
    """Where a tool counting as ``counting`` says ``passage`` is in ``raw``."""
    body = raw.removeprefix("\ufeff")
    index = body.index(passage)
    before = body[:index]
    if counting.crlf_as_one:
        before = before.replace("\r\n", "\n")
        passage = passage.replace("\r\n", "\n")
    measure = utf16_len if counting.utf16 else len
    shift = 1 if counting.bom and raw.startswith("\ufeff") else 0
    start = measure(before) + shift
    return start, start + measure(passage)


def tool_file(
    tmp_path: Path,
    origin: str,
    raw: str,
    counting: Counting,
    *,
    sources_dir: str = "sources",
    project_entry: str = "project.qde",
    ns: str = "urn:QDA-XML:project:1.0",
    braces: bool = False,
    internal: bool = True,
    passages: list[str] = PASSAGES,
) -> Path:
    """A .qdpx as a tool with these habits writes it: two codes named "programming" under
    different parents, one selection per passage coded with the first, a set, a note."""

    def g(n: int) -> str:
        guid = f"0000000{n}-aaaa-4bbb-8ccc-00000000000{n}"
        return "{" + guid.upper() + "}" if braces else guid

    selections = []
    for i, passage in enumerate(passages):
        start, end = positions(raw, passage, counting)
        code = g(3) if i % 2 == 0 else g(5)
        selections.append(
            f'<PlainTextSelection guid="{i:08d}-0000-4000-8000-000000000000" name="p{i}" '
            f'startPosition="{start}" endPosition="{end}" creatingUser="{g(1)}">'
            f'<Coding guid="{i:08d}-1111-4000-8000-000000000000" creatingUser="{g(1)}">'
            f'<CodeRef targetGUID="{code}"/></Coding></PlainTextSelection>'
        )
    path_attr = f"internal://{g(9).strip('{}')}.txt" if internal else "text.txt"
    qde = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="{ns}" name="T" origin="{origin}">
  <Users><User guid="{g(1)}" name="Anna"/></Users>
  <CodeBook><Codes>
    <Code guid="{g(2)}" name="skills" isCodable="true">
      <Code guid="{g(3)}" name="programming" isCodable="true"/>
    </Code>
    <Code guid="{g(4)}" name="activities" isCodable="true">
      <Code guid="{g(5)}" name="programming" isCodable="true"/>
    </Code>
  </Codes></CodeBook>
  <Sources><TextSource guid="{g(9)}" name="interview" plainTextPath="{path_attr}">
    {"".join(selections)}
  </TextSource></Sources>
  <Notes><Note guid="{g(6)}" name="memo"><PlainTextContent>A note.</PlainTextContent></Note></Notes>
  <Sets><Set guid="{g(7)}" name="Doing"><MemberCode targetGUID="{g(5)}"/></Set></Sets>
</Project>
"""
    path = tmp_path / f"{origin.split()[0].lower()}.qdpx"
    text_name = path_attr.removeprefix("internal://")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(project_entry, qde.encode("utf-8"))
        archive.writestr(f"{sources_dir}/{text_name}", raw.encode("utf-8"))
    return path


def coded_passages(project: QdpxProject) -> list[str]:
    (source,) = project.sources
    return [source.text[s.start : s.end] for s in source.selections]


TOOLS = [
    # origin, line end, BOM, how the tool counts, archive habits
    ("NVivo for Windows 12.6", "\r\n", True, UTF16, {}),
    ("NVivo 15 for Mac", "\n", False, UTF16, {"sources_dir": "Sources", "braces": True}),
    ("MAXQDA 2022", "\r\n", True, Counting(utf16=True), {"project_entry": "Project.qde"}),
    ("ATLAS.ti 23.4", "\n", True, Counting(bom=True), {"ns": "urn:QDA-XML:project:1:0"}),
    ("QualCoder 3.5", "\n", False, CODE_POINTS, {}),
    ("qc 1.3.2", "\n", False, CODE_POINTS, {"internal": False}),
    ("SomeTool 1", "\r\n", False, Counting(crlf_as_one=True), {}),
]


@pytest.mark.parametrize(("origin", "eol", "bom", "counting", "habits"), TOOLS)
def test_every_passage_is_the_text_the_tool_showed(tmp_path, origin, eol, bom, counting, habits):
    raw = ("\ufeff" if bom else "") + eol.join(LINES) + eol
    project = read_qdpx(tool_file(tmp_path, origin, raw, counting, **habits))
    assert coded_passages(project) == PASSAGES
    assert [p for p in project.problems if p.kind == "codings"] == []
    assert f"{len(PASSAGES)} of {len(PASSAGES)} selections on whole words" in project.counting_note
    # Same-named codes under different parents both come in, named by their paths.
    names = [(c.name, c.parent) for c in project.codes]
    assert names == [
        ("skills", None),
        ("skills/programming", "skills"),
        ("activities", None),
        ("activities/programming", "activities"),
    ]
    assert [file_name(c) for c in project.codes] == [
        "skills",
        "programming",
        "activities",
        "programming",
    ]
    assert project.themes[0].codes == ["activities/programming"]
    assert project.found["codings"] == len(PASSAGES) and project.found["notes"] == 1


def test_a_passage_inside_a_multi_line_selection_keeps_its_line_breaks(tmp_path):
    raw = "\r\n".join(LINES)
    passage = LINES[0][-10:] + "\r\n" + LINES[1][:9]
    project = read_qdpx(
        tool_file(tmp_path, "NVivo for Windows 12.6", raw, UTF16, passages=[passage])
    )
    assert coded_passages(project) == [passage.replace("\r\n", "\n")]


def test_a_selection_inside_a_word_is_kept_and_reported(tmp_path):
    raw = "\n".join(LINES)
    path = tool_file(
        tmp_path, "QualCoder 3.5", raw, CODE_POINTS, passages=["rogramming is", "oltás"]
    )
    project = read_qdpx(path)
    assert coded_passages(project) == ["rogramming is", "oltás"]  # as the file says
    (problem,) = [p for p in project.problems if p.kind == "codings"]
    assert problem.kept and "p0" in problem.what and "starts inside a word" in problem.reason
    assert "“[rogramming is]" in problem.reason or "[rogramming is]" in problem.reason


def test_the_counting_that_fits_better_wins_over_the_origin(tmp_path):
    # A tool that says nothing about itself but counts UTF-16 units: the emoji tell.
    raw = "\n".join(LINES)
    project = read_qdpx(tool_file(tmp_path, "Unknown", raw, UTF16))
    assert coded_passages(project) == PASSAGES
    assert project.counting == UTF16
    assert "as code points" in project.counting_note


def test_textmap_counts_utf16_units_and_flags_positions_inside_a_character():
    m = TextMap("a😷b\r\nc", UTF16)
    assert m.raw_length == 7 and m.text == "a😷b\nc"
    assert m.text[m.start(1) : m.end(3)] == "😷"
    assert m.inside(2)  # between the two halves of the emoji
    assert m.text[m.start(4) : m.end(6)] == "\n" and m.inside(5)  # between CR and LF
    one = TextMap("x\r\ny", Counting(crlf_as_one=True))
    assert one.raw_length == 3 and one.text[one.start(2) : one.end(3)] == "y"


def test_exported_names_drop_the_path_coder_adds():
    code = Code("skills/programming", parent="skills", uid="00000003-aaaa-4bbb-8ccc-000000000003")
    parent = Code("skills", uid="00000002-aaaa-4bbb-8ccc-000000000002")
    xml = project_xml(QdpxProject(name="x", codes=[parent, code])).decode()
    assert 'name="programming"' in xml and 'name="skills/programming"' not in xml
    assert file_name(Code("a/b")) == "a/b"  # a name with a slash of its own stays whole


# ---- the real files --------------------------------------------------------------------


def test_nvivo_windows_codings_land_on_whole_lines():
    project = read_qdpx(shared_file("refi", "nvivo-win-12.6.qdpx"))
    assert project.counting == UTF16
    (source,) = project.sources
    lines = source.text.split("\n")
    passages = coded_passages(project)
    assert len(passages) == project.found["codings"] == 97
    # NVivo codes whole comments: each passage is one or more whole lines (a few keep
    # the paragraph mark NVivo selects with the line).
    whole = {"\n".join(lines[i : i + k]) for i in range(len(lines)) for k in (1, 2)}
    assert all(p.removesuffix("\n") in whole for p in passages)
    assert [p for p in project.problems if p.kind == "codings"] == []
    assert "97 of 97 selections on whole words" in project.counting_note


def test_qc_same_named_codes_under_two_parents():
    project = read_qdpx(shared_file("refi", "qc-1.2.0.qdpx"))
    names = {c.name for c in project.codes}
    assert {"competencies/programming", "cs_as_programming/programming"} <= names
    assert len(project.codes) == 112 and len(names) == 112
    assert sum(len(s.selections) for s in project.sources) == 168
    assert all(p.text for p in project.sources)  # plainTextPath without internal://
    # qc names each selection after the line it coded ("line:12", counted from 0) and
    # selects the whole line with its line break: every passage is that line.
    for source in project.sources:
        lines = (source.text or "").split("\n")
        for sel in source.selections:
            line = int(sel.name.removeprefix("line:"))
            assert (source.text or "")[sel.start : sel.end] == lines[line] + "\n"
    assert [p for p in project.problems if p.kind == "codings"] == []
