"""REFI-QDA projects: what we write validates against Project.xsd and reads back; what
other tools write (and hostile archives) is read, or refused with one line."""

from __future__ import annotations

import io
import unicodedata
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from coder.core.model import Code, Document, Section, Theme
from coder.formats import qdpx
from coder.formats.errors import FormatError
from coder.formats.qdpx import (
    QdpxCoding,
    QdpxNote,
    QdpxProject,
    QdpxSelection,
    QdpxSource,
    QdpxUser,
    TextMap,
    document_variables,
    guid_for,
    is_qdpx,
    read_qdpx,
    source_record,
    write_qdpx,
)

TESTDATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "testdata"


def shared_testdata(*parts: str) -> Path:
    """A file from ../shared/testdata; the test skips where that folder is absent."""
    if not TESTDATA.is_dir():
        pytest.skip("../shared/testdata is not here")
    return TESTDATA.joinpath(*parts)


U1, C1, C2, S1, N1 = (guid_for("test", n) for n in ("user", "code1", "code2", "source", "note"))
TEXT = "Peer support “on the ward”.\n\nStaff saw risk & danger."


def sample() -> QdpxProject:
    doc = Document(key="gray2024", text=TEXT, sections=[Section("Purpose", TEXT[:27]), Section("Findings", TEXT[29:])],
                   title="A study", authors=["B Gray", "M Sisto"], year=2024, doi="10.1/x")  # fmt: skip
    selection = QdpxSelection(
        guid_for("test", "sel"), 29, 53, user_guid=U1, created="2024-05-01T10:00:00+00:00",
        codings=[QdpxCoding(guid_for("test", "coding"), C2, U1, "2024-05-01T10:00:00+00:00", [N1])],
    )  # fmt: skip
    return QdpxProject(
        name="ward study",
        users=[QdpxUser(U1, "alice")],
        codes=[
            Code(
                "risk & danger",
                definition="Talk of risk.",
                include="staff",
                colour="#ee6677",
                uid=C1,
            ),
            Code("staff risk", parent="risk & danger", keywords=["risk"], uid=C2),
        ],
        themes=[
            Theme(
                "Risk",
                definition="About risk",
                scope="ward",
                codes=["staff risk"],
                uid=guid_for("t", 1),
            )
        ],
        sources=[
            QdpxSource(
                S1, "gray2024", TEXT, document_variables(doc), "Gray (2024)", [selection], []
            )
        ],
        notes=[QdpxNote(N1, "coding memo", "a memo & more", U1, "2024-05-01T10:00:00+00:00")],
        code_notes={C1: []},
    )


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(shared_testdata("refi", "Project.xsd"))))


def written(project: QdpxProject, tmp_path: Path) -> Path:
    path = tmp_path / "out.qdpx"
    with path.open("wb") as fh:
        write_qdpx(project, fh)
    return path


def test_written_project_validates_and_reads_back(tmp_path, schema):
    path = written(sample(), tmp_path)
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        schema.assertValid(etree.fromstring(archive.read("project.qde")))
        assert archive.read(f"sources/{S1}.txt").decode("utf-8") == TEXT
    assert names == ["project.qde", f"sources/{S1}.txt"]
    assert is_qdpx(path)
    back = read_qdpx(path)
    assert back.name == "ward study" and back.users == [QdpxUser(U1, "alice")]
    assert [(c.name, c.parent, c.uid, c.colour, c.include) for c in back.codes] == [
        ("risk & danger", None, C1, "#ee6677", "staff"),
        ("staff risk", "risk & danger", C2, None, ""),
    ]
    assert [(t.name, t.scope, t.codes) for t in back.themes] == [("Risk", "ward", ["staff risk"])]
    source = back.sources[0]
    assert (source.name, source.text, source.description) == ("gray2024", TEXT, "Gray (2024)")
    selection = source.selections[0]
    assert (selection.start, selection.end, TEXT[selection.start : selection.end]) == (
        29,
        53,
        "Staff saw risk & danger.",
    )
    assert selection.codings[0].code_guid == C2 and selection.codings[0].notes == [N1]
    assert back.notes[0].text == "a memo & more"
    record = source_record(source, name_as_title=False)
    assert (record.title, record.authors, record.year, record.doi) == (
        "A study",
        ["B Gray", "M Sisto"],
        2024,
        "10.1/x",
    )
    assert [s.heading for s in record.sections] == ["Purpose", "Findings"] and record.text == TEXT


def test_same_project_gives_the_same_bytes(tmp_path):
    first = written(sample(), tmp_path).read_bytes()
    assert written(sample(), tmp_path).read_bytes() == first


def test_textmap_normalises_and_maps_positions():
    raw = "\ufeffA\r\nCafe\u0301 x\rend"
    m = TextMap(raw)
    assert m.text == "A\nCafé x\nend"
    # raw positions (BOM excluded): A=0 \r=1 \n=2 C=3 a f e=6 ́=7 " "=8 x=9 \r=10 e=11
    assert m.raw_length == 14
    assert m.text[m.start(3) : m.end(8)] == "Café"
    assert m.text[m.start(3) : m.end(7)] == "Café"  # an end inside "é" grows to its end
    assert m.text[m.start(11) : m.end(14)] == "end"
    assert m.end(2) == 2 and m.start(2) == 1  # between CR and LF: the line break
    plain = TextMap("no changes")
    assert plain.text == "no changes" and plain.start(3) == 3 and plain.end(10) == 10


FOREIGN_QDE = """<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Foreign" origin="OtherTool 1.0">
  <Users><User guid="{AAAAAAAA-0000-0000-0000-000000000001}" name="Maria"/></Users>
  <CodeBook><Codes>
    <Code guid="BBBBBBBB-0000-0000-0000-000000000001" name="Parent" isCodable="true">
      <NoteRef targetGUID="DDDDDDDD-0000-0000-0000-000000000002"/>
      <Code guid="BBBBBBBB-0000-0000-0000-000000000002" name="Child" isCodable="true" color="#F00"/>
    </Code>
  </Codes></CodeBook>
  <Sources>
    <TextSource guid="{CCCCCCCC-0000-0000-0000-000000000001}" name="Interview 1.docx"
        plainTextPath="internal://CCCCCCCC-0000-0000-0000-000000000001.txt">
      <PlainTextSelection guid="EEEEEEEE-0000-0000-0000-000000000001" startPosition="{start}" endPosition="{end}"
          creatingUser="AAAAAAAA-0000-0000-0000-000000000001">
        <Coding guid="FFFFFFFF-0000-0000-0000-000000000001" creatingUser="{{aaaaaaaa-0000-0000-0000-000000000001}}">
          <CodeRef targetGUID="{{bbbbbbbb-0000-0000-0000-000000000002}}"/>
        </Coding>
      </PlainTextSelection>
    </TextSource>
    <TextSource guid="CCCCCCCC-0000-0000-0000-000000000002" name="inline">
      <PlainTextContent>Inline text.</PlainTextContent>
    </TextSource>
    <PictureSource guid="CCCCCCCC-0000-0000-0000-000000000003" name="photo.jpg" path="internal://x.jpg"/>
  </Sources>
  <Notes>
    <Note guid="DDDDDDDD-0000-0000-0000-000000000001" name="Research Plan"><PlainTextContent>Plan.</PlainTextContent></Note>
    <Note guid="DDDDDDDD-0000-0000-0000-000000000002" name="About parent"><PlainTextContent>P.</PlainTextContent></Note>
  </Notes>
</Project>
"""
# Written by a tool on Windows: BOM, CRLF line ends counted as two positions, NFD accents.
FOREIGN_TEXT = "\ufeffFirst line.\r\nThe cafe\u0301 was loud.\r\nLast."
TARGET = "The cafe\u0301 was loud."


def foreign(tmp_path: Path, qde: str | None = None, text: str = FOREIGN_TEXT, name: str = "foreign.qdpx",
            extra: dict[str, bytes] | None = None) -> Path:  # fmt: skip
    raw = text.removeprefix("\ufeff")
    start = raw.index(TARGET)
    qde = (
        qde
        if qde is not None
        else FOREIGN_QDE.replace("{start}", str(start)).replace("{end}", str(start + len(TARGET)))
    )
    path = tmp_path / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("Project.qde", qde.replace("{{", "{").replace("}}", "}").encode("utf-8"))
        archive.writestr("Sources/CCCCCCCC-0000-0000-0000-000000000001.txt", text.encode("utf-8"))
        for entry, data in (extra or {}).items():
            archive.writestr(entry, data)
    return path


def test_reads_what_other_tools_write(tmp_path):
    project = read_qdpx(foreign(tmp_path))
    assert project.users == [QdpxUser("aaaaaaaa-0000-0000-0000-000000000001", "Maria")]
    assert [(c.name, c.parent, c.colour) for c in project.codes] == [
        ("Parent", None, None),
        ("Child", "Parent", "#F00"),
    ]
    first, inline = project.sources
    assert first.text == unicodedata.normalize(
        "NFC", "First line.\nThe cafe\u0301 was loud.\nLast."
    )
    selection = first.selections[0]
    assert first.text[selection.start : selection.end] == "The café was loud."
    assert selection.codings[0].code_guid == "bbbbbbbb-0000-0000-0000-000000000002"
    assert selection.codings[0].user_guid == "aaaaaaaa-0000-0000-0000-000000000001"
    assert inline.text == "Inline text." and source_record(inline).title == "inline"
    assert source_record(first).title == "Interview 1"
    assert project.skipped == ["1 picture source: coder imports text only (e.g. 'photo.jpg')"]
    assert project.code_notes == {
        "bbbbbbbb-0000-0000-0000-000000000001": ["dddddddd-0000-0000-0000-000000000002"]
    }
    assert [n.name for n in project.notes] == ["Research Plan", "About parent"]


def test_reads_the_spec_example():
    project = read_qdpx(shared_testdata("refi", "spec-example-atlasti-8.4.qdpx"))
    assert project.name == "ATLAS.ti standard project"
    assert len(project.users) == 3 and len(project.codes) == 14
    assert "Feelings" in {t.name for t in project.themes}
    # The archive holds no source texts: the sources come back without text, saying why.
    text_sources = [s for s in project.sources if s.text is None]
    assert len(text_sources) == 6 and "not in the archive" in (text_sources[0].missing or "")
    assert sum(len(sel.codings) for s in project.sources for sel in s.selections) == 7


def one_line_error(path: Path, match: str) -> FormatError:
    with pytest.raises(FormatError, match=match) as info:
        read_qdpx(path)
    assert "\n" not in str(info.value) and str(info.value).startswith(path.name)
    return info.value


def test_not_a_zip(tmp_path):
    path = tmp_path / "notes.qdpx"
    path.write_text("just text", encoding="utf-8")
    one_line_error(path, "not a zip archive")
    assert not is_qdpx(path)


def test_zip_without_project_qde(tmp_path):
    path = tmp_path / "empty.qdpx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    one_line_error(path, "no project.qde")
    assert not is_qdpx(path)


def test_broken_xml_names_file_and_line(tmp_path):
    error = one_line_error(
        foreign(tmp_path, qde='<?xml version="1.0"?>\n<Project name="x">\n<Users>\n</Project>'),
        "broken XML",
    )
    assert error.file == "foreign.qdpx/Project.qde" and error.line == 4


def test_xml_entity_expansion_is_refused(tmp_path):
    bomb = '<?xml version="1.0"?><!DOCTYPE p [<!ENTITY a "aaaa">]><Project name="&a;"/>'
    one_line_error(foreign(tmp_path, qde=bomb), "refused for safety")


def test_zip_slip_is_refused(tmp_path):
    one_line_error(foreign(tmp_path, extra={"../../evil.txt": b"x"}), "unsafe entry name")
    one_line_error(
        foreign(tmp_path, name="abs.qdpx", extra={"/etc/evil": b"x"}), "unsafe entry name"
    )


def test_zip_bomb_is_refused_before_decompressing(tmp_path):
    one_line_error(foreign(tmp_path, extra={"sources/big.txt": b"\0" * (8 * 1024**2)}), "zip bomb")


def test_limits_on_entries_and_total_size(tmp_path, monkeypatch):
    path = foreign(tmp_path, extra={f"sources/{i}.txt": b"x" for i in range(5)})
    monkeypatch.setattr(qdpx, "MAX_ENTRIES", 4)
    one_line_error(path, "too many entries")
    monkeypatch.setattr(qdpx, "MAX_ENTRIES", 100)
    monkeypatch.setattr(qdpx, "MAX_TOTAL_BYTES", 100)
    one_line_error(path, "expands to")


def test_coding_pointing_to_a_missing_code(tmp_path):
    qde = FOREIGN_QDE.replace(
        'targetGUID="{{bbbbbbbb-0000-0000-0000-000000000002}}"',
        'targetGUID="12345678-0000-0000-0000-000000000009"',
    )
    error = one_line_error(
        foreign(tmp_path, qde=qde.replace("{start}", "0").replace("{end}", "5")),
        "codebook does not have",
    )
    assert error.line is not None


def test_selection_outside_its_source_is_left_out_and_reported(tmp_path):
    qde = FOREIGN_QDE.replace("{start}", "10").replace("{end}", "9999")
    project = read_qdpx(foreign(tmp_path, qde=qde))
    assert project.sources[0].selections == []
    (problem,) = [p for p in project.problems if p.kind == "codings"]
    assert not problem.kept and problem.line is not None
    assert "source 'Interview 1.docx'" in problem.what
    assert "positions 10-9999 are outside the text" in problem.reason
    assert "its 1 coding left out" in problem.reason


def test_set_pointing_to_a_missing_source(tmp_path):
    qde = (
        FOREIGN_QDE.replace("{start}", "0")
        .replace("{end}", "5")
        .replace(
            "</Project>",
            '<Sets><Set guid="99999999-0000-0000-0000-000000000001" name="docs">'
            '<MemberSource targetGUID="99999999-0000-0000-0000-000000000002"/></Set></Sets></Project>',
        )
    )
    one_line_error(foreign(tmp_path, qde=qde), "refers to a missing source")


def test_unsafe_text_path(tmp_path):
    qde = (
        FOREIGN_QDE.replace("internal://CCCCCCCC", "internal://../CCCCCCCC")
        .replace("{start}", "0")
        .replace("{end}", "5")
    )
    one_line_error(foreign(tmp_path, qde=qde), "unsafe plainTextPath")


def test_bad_text_encoding(tmp_path):
    path = tmp_path / "latin.qdpx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(
            "project.qde",
            FOREIGN_QDE.replace("{start}", "0")
            .replace("{end}", "5")
            .replace("{{", "{")
            .replace("}}", "}"),
        )
        archive.writestr(
            "sources/CCCCCCCC-0000-0000-0000-000000000001.txt", "caf\xe9".encode("latin-1")
        )
    with pytest.raises(FormatError, match=r"latin.qdpx/sources/CCCCCCCC.*not UTF-8"):
        read_qdpx(path)


def test_is_qdpx_does_not_trust_the_name(tmp_path):
    path = tmp_path / "project.zip"
    buffer = io.BytesIO()
    write_qdpx(sample(), buffer)
    path.write_bytes(buffer.getvalue())
    assert is_qdpx(path)
    assert not is_qdpx(tmp_path / "missing.qdpx")
