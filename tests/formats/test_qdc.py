"""REFI-QDA codebooks: real files from ATLAS.ti and Taguette, schema-valid output, folded
descriptions that come back, and broken or hostile XML reported by line."""

from __future__ import annotations

import io
import uuid
from pathlib import Path

import pytest

from coder.core.model import Code, Codebook, CodeStatus, Theme
from coder.formats.codebook_yaml import load_codebook
from coder.formats.errors import FormatError
from coder.formats.qdc import (
    GUID_NAMESPACE,
    code_guid,
    fold_code_description,
    read_qdc,
    theme_guid,
    unfold_description,
    write_qdc,
)

ROOT = Path(__file__).resolve().parents[2]
TESTDATA = ROOT / ".." / "shared" / "testdata"
REFI = TESTDATA / "refi"


def refi(name: str) -> Path:
    if not TESTDATA.is_dir():
        pytest.skip("../shared/testdata is not here")
    return REFI / name


def schema():
    etree = pytest.importorskip("lxml.etree")
    return etree.XMLSchema(etree.parse(str(refi("Codebook.xsd"))))


def written(cb: Codebook) -> bytes:
    buffer = io.BytesIO()
    write_qdc(cb, buffer)
    return buffer.getvalue()


def assert_schema_valid(data: bytes) -> None:
    from lxml import etree

    xsd = schema()
    assert xsd.validate(etree.fromstring(data)), xsd.error_log


GUID_A = "7d0f1c1e-0000-4000-8000-00000000000a"


def sample() -> Codebook:
    return Codebook(
        title="Sample",
        codes=[
            Code(
                "Risk",
                definition="Support framed as danger.\n\nA second paragraph.",
                include="Staff talk of risk,\nover two lines.",
                exclude="Patients' caution.",
                examples=[
                    "emphasised its risks",
                    "one\nquote on two lines",
                    "- starts with a dash",
                ],
                keywords=["risk", "danger zone"],
                colour="#AA3377",
                uid="{7D0F1C1E-0000-4000-8000-00000000000A}",
            ),
            Code("Staff caution", parent="Risk", colour="teal", uid="ps-02"),
            Code("Retired one", parent="Risk", status=CodeStatus.RETIRED),
            Code("Deep", parent="Staff caution", definition="Use when staff say\nInclude: me"),
            Code("Tab\there & <xml>", definition="bell\x07 removed"),
        ],
        themes=[
            Theme(
                "Divides",
                "Two sides.",
                codes=["Risk", "Retired one", "Deep"],
                uid=GUID_A[:-1] + "b",
            ),
            Theme(
                "Caution", scope="Wards only.", codes=["Staff caution"], parent="Divides", order=1
            ),
            Theme("Empty"),
        ],
    )


# ---- real files ----------------------------------------------------------------------


def test_reads_the_atlasti_codebook_with_its_set():
    path = refi("atlasti-23.4.qdc")
    book = read_qdc(path.read_bytes(), str(path))
    assert [(c.name, c.uid, c.colour, c.definition, c.parent) for c in book.codes] == [
        ("code1", "1ff58b12-6f6f-4b0c-8be5-bbdc91f55294", "#46AA00", "description", None)
    ]
    assert book.themes == [
        Theme(
            "code group 1",
            "kategorie 1",
            codes=["code1"],
            order=0,
            uid="eca18d76-2b8b-4f26-bc1d-19eca19fb3f0",
        )
    ]
    assert book.title == "atlasti-23.4" and "ATLAS.ti Win 23.4.0" in book.description


def test_reads_the_taguette_codebook_with_its_empty_sets():
    path = refi("taguette-1.5.2.qdc")
    book = read_qdc(path.read_bytes(), str(path))
    assert [c.name for c in book.codes] == ["interesting", "people", "interesting\\places"]
    assert book.codes[0].uid == "0d62985d-b147-5d01-a9b5-cae5dcd98342"
    assert book.themes == []


def test_the_truncated_atlasti_file_is_reported_by_line():
    path = refi("atlasti-23.4-truncated.qdc")
    with pytest.raises(FormatError) as info:
        read_qdc(path.read_bytes(), str(path))
    error = info.value
    assert (error.file, error.line, error.column) == (str(path), 17, 5)
    assert error.message.startswith("broken XML: ")


def test_reads_the_codebook_inside_a_project_file():
    path = refi("spec-example-atlasti-8.4.qde")
    book = read_qdc(path.read_bytes(), str(path))
    assert len(book.codes) == 14 and book.codes[1].definition == "thoughts about breakfast foods"
    feelings = next(t for t in book.themes if t.name == "Feelings")
    assert "happiness" in feelings.codes and "serene" in feelings.codes
    # sets of documents (MemberSource) are not themes
    assert "PDFs" not in {t.name for t in book.themes}


def test_the_atlasti_file_validates_and_so_does_ours():
    xsd = schema()
    from lxml import etree

    assert xsd.validate(etree.parse(str(refi("atlasti-23.4.qdc"))))
    assert not xsd.validate(etree.parse(str(refi("taguette-1.5.2.qdc"))))  # empty <Sets/>
    assert_schema_valid(written(sample()))


# ---- writing ---------------------------------------------------------------------------


def test_written_file_nests_codes_and_writes_sets_for_themes():
    from lxml import etree

    root = etree.fromstring(written(sample()))
    ns = {"q": "urn:QDA-XML:codebook:1.0"}
    top = root.findall("q:Codes/q:Code", ns)
    assert [c.get("name") for c in top] == ["Risk", "Tab\there & <xml>"]
    risk = top[0]
    assert risk.get("guid") == GUID_A and risk.get("color") == "#AA3377"
    assert risk.get("isCodable") == "true"
    assert [c.get("name") for c in risk.findall("q:Code", ns)] == ["Staff caution"]
    assert risk.find("q:Code/q:Code", ns).get("name") == "Deep"
    assert risk.find("q:Code", ns).get("color") == "#008080"  # teal
    sets = root.findall("q:Sets/q:Set", ns)
    assert [s.get("name") for s in sets] == ["Divides", "Caution", "Empty"]
    members = [m.get("guid") for m in sets[0].findall("q:MemberCode", ns)]
    deep = risk.find("q:Code/q:Code", ns).get("guid")
    assert members == [GUID_A, deep]  # the retired code is not written
    assert "bell removed" in etree.tostring(root, encoding="unicode")


def test_no_sets_element_without_themes():
    data = written(Codebook(codes=[Code("only")]))
    assert b"Sets" not in data
    assert_schema_valid(data)


def test_an_empty_codebook_cannot_be_written():
    with pytest.raises(ValueError, match="at least one active code"):
        written(Codebook(codes=[Code("x", status=CodeStatus.RETIRED)]))


def test_guids_are_the_uid_or_stable_uuid5():
    assert code_guid(Code("a", uid="{ABCDEF01-0000-4000-8000-000000000001}")) == (
        "abcdef01-0000-4000-8000-000000000001"
    )
    by_name = code_guid(Code("tread carefully"))
    assert by_name == str(uuid.uuid5(GUID_NAMESPACE, "code:tread carefully"))
    assert code_guid(Code("tread carefully")) == by_name
    # a non-GUID id survives renames: the GUID follows the id, not the name
    assert code_guid(Code("old", uid="ps-1")) == code_guid(Code("new", uid="ps-1"))
    assert theme_guid(Theme("t")) != code_guid(Code("t"))


def test_text_file_objects_get_text():
    buffer = io.StringIO()
    write_qdc(sample(), buffer)
    assert buffer.getvalue().startswith('<?xml version="1.0" encoding="utf-8"?>\n<CodeBook')
    assert read_qdc(buffer.getvalue().encode("utf-8"), "t.qdc").codes[0].name == "Risk"


# ---- round trip -----------------------------------------------------------------------


def test_write_then_read_restores_codes_and_themes():
    original = sample()
    book = read_qdc(written(original), "sample.qdc")
    risk, caution, deep, odd = book.codes
    assert risk == Code(
        name="Risk",
        definition="Support framed as danger.\n\nA second paragraph.",
        include="Staff talk of risk,\nover two lines.",
        exclude="Patients' caution.",
        examples=["emphasised its risks", "one\nquote on two lines", "- starts with a dash"],
        keywords=["risk", "danger zone"],
        colour="#AA3377",
        uid=GUID_A,
    )
    assert (caution.parent, caution.colour, caution.uid) == ("Risk", "#008080", code_guid(caution))
    # a label inside a paragraph is text, not a field
    assert (deep.parent, deep.definition) == ("Staff caution", "Use when staff say\nInclude: me")
    assert (odd.name, odd.definition) == ("Tab\there & <xml>", "bell removed")
    assert [(t.name, t.definition, t.scope, t.codes, t.parent, t.order) for t in book.themes] == [
        ("Divides", "Two sides.", "", ["Risk", "Deep"], None, 0),
        ("Caution", "", "Wards only.", ["Staff caution"], "Divides", 1),
        ("Empty", "", "", [], None, 2),
    ]
    assert book.themes[0].uid == GUID_A[:-1] + "b"


def test_the_peer_support_codebook_survives_a_qdc_round_trip():
    original = load_codebook(ROOT / "codebooks" / "peer-support.yaml")
    data = written(original)
    assert_schema_valid(data)
    book = read_qdc(data, "peer-support.qdc")
    fields = ("name", "parent", "uid", "definition", "include", "exclude", "examples", "keywords")
    assert [[getattr(c, f) for f in fields] for c in book.codes] == [
        [getattr(c, f) for f in fields] for c in original.codes
    ]
    assert [(t.name, t.definition, t.codes, t.parent, t.uid) for t in book.themes] == [
        (t.name, t.definition, t.codes, t.parent, t.uid) for t in original.themes
    ]


def test_folded_descriptions_unfold_and_plain_ones_stay_definitions():
    code = sample().codes[0]
    text = fold_code_description(code)
    assert text.startswith("Support framed as danger.\n\nA second paragraph.\n\nInclude: Staff")
    labels = ("Include", "Exclude", "Examples", "Keywords")
    assert unfold_description(text, labels)["Keywords"] == "risk; danger zone"
    plain = "Use when someone says:\nInclude: everything"
    assert unfold_description(plain, labels) == {"definition": plain}


# ---- reading variations and bad input -----------------------------------------------------


def qdc(body: str, ns: str = "urn:QDA-XML:codebook:1.0") -> bytes:
    return f'<?xml version="1.0" encoding="utf-8"?>\n<CodeBook xmlns="{ns}">\n{body}</CodeBook>\n'.encode()


CODE = '  <Codes>\n    <Code guid="{0}" name="{1}" isCodable="true"/>\n  </Codes>\n'


@pytest.mark.parametrize("ns", ["urn:QDA-XML:codebook:1.0", "urn:QDA-XML:codebook:0:4"])
def test_namespace_versions_and_guid_spellings_are_accepted(ns: str):
    body = CODE.format("{7D0F1C1E-0000-4000-8000-00000000000A}", "a")
    book = read_qdc(qdc(body, ns), "x.qdc")
    assert book.codes[0].uid == GUID_A


def test_a_bom_is_fine():
    data = b"\xef\xbb\xbf" + qdc(CODE.format(GUID_A, "a"))
    assert read_qdc(data, "x.qdc").codes[0].name == "a"


@pytest.mark.parametrize(
    ("body", "line", "column", "message"),
    [
        (CODE.format("not-a-guid", "a"), 4, 5, "code 'a' has an invalid guid 'not-a-guid'"),
        (CODE.format(GUID_A, ""), 4, 5, "<Code> without a name"),
        (
            CODE.format(GUID_A, "a").replace(
                "  </Codes>", f'    <Code guid="{GUID_A}" name="b" isCodable="true"/>\n  </Codes>'
            ),
            5,
            5,
            "code 'b' repeats the guid of 'a' (line 4)",
        ),
        (
            CODE.format(GUID_A, "a")
            + '  <Sets>\n    <Set guid="7d0f1c1e-0000-4000-8000-0000000000cc" name="s">\n'
            + '      <MemberCode guid="7d0f1c1e-0000-4000-8000-0000000000dd"/>\n    </Set>\n  </Sets>\n',
            8,
            7,
            "set 's' refers to unknown code guid '7d0f1c1e-0000-4000-8000-0000000000dd'",
        ),
        ("  <Nothing/>\n", 2, 1, "the codebook has no <Codes> element"),
        ("  <Codes>\n    <Code name='a'>\n  </Codes>\n", 5, 5, "broken XML: mismatched tag"),
    ],
)
def test_bad_files_are_reported_at_the_element(body: str, line: int, column: int, message: str):
    with pytest.raises(FormatError) as info:
        read_qdc(qdc(body), "bad.qdc")
    assert (info.value.file, info.value.line, info.value.column) == ("bad.qdc", line, column)
    assert info.value.message == message


def test_other_xml_is_not_a_codebook():
    with pytest.raises(
        FormatError, match=r"x\.qdc:1:1: not a REFI-QDA codebook: the root element is <html>"
    ):
        read_qdc(b"<html><body/></html>", "x.qdc")
    with pytest.raises(FormatError, match=r"x\.qdc:1:1: broken XML: "):
        read_qdc(b"", "x.qdc")


def test_entity_expansion_is_refused():
    bomb = (
        b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
        b' <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n]>\n'
        b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code name="&lol2;"/></Codes></CodeBook>'
    )
    with pytest.raises(FormatError) as info:
        read_qdc(bomb, "bomb.qdc")
    assert info.value.line == 3
    assert "refused for safety" in info.value.message


def test_siblings_sharing_a_name_are_numbered_and_reported():
    body = CODE.format(GUID_A, "Us and them").replace(
        "  </Codes>",
        '    <Code guid="7d0f1c1e-0000-4000-8000-0000000000bb" name="us-and-them" isCodable="true"/>\n  </Codes>',
    )
    renamed: list[tuple[str, str]] = []
    book = read_qdc(qdc(body), "x.qdc", renamed)
    assert [c.name for c in book.codes] == ["Us and them", "us-and-them (2)"]
    assert renamed == [
        (
            "code 'us-and-them' (line 5)",
            "its sibling 'Us and them' (line 4) has the same name: named 'us-and-them (2)'",
        )
    ]


def test_same_name_under_two_parents_is_named_by_path_and_written_back_bare():
    body = f"""  <Codes>
    <Code guid="{GUID_A}" name="skills" isCodable="true">
      <Code guid="7d0f1c1e-0000-4000-8000-0000000000b1" name="programming" isCodable="true"/>
    </Code>
    <Code guid="7d0f1c1e-0000-4000-8000-0000000000b2" name="activities" isCodable="true">
      <Code guid="7d0f1c1e-0000-4000-8000-0000000000b3" name="Programming" isCodable="true"/>
    </Code>
  </Codes>
"""
    book = read_qdc(qdc(body), "x.qdc")
    assert [(c.name, c.parent) for c in book.codes] == [
        ("skills", None), ("skills/programming", "skills"),
        ("activities", None), ("activities/Programming", "activities"),
    ]  # fmt: skip
    out = io.BytesIO()
    write_qdc(book, out)
    again = read_qdc(out.getvalue(), "x.qdc")
    assert [(c.name, c.parent, c.uid) for c in again.codes] == [
        (c.name, c.parent, c.uid) for c in book.codes
    ]
    assert b'name="programming"' in out.getvalue() and b"skills/" not in out.getvalue()
