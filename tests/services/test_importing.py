"""Importing through the service and the CLI: one transaction per command, duplicates,
bad input leaving the project untouched, and the documents listing."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from coder.cli import app
from coder.formats.errors import FormatError
from coder.services import history
from coder.services.importing import import_files
from coder.services.reports import document_dicts
from coder.store import queries as q
from tests.conftest import SEEDS, shared_file

runner = CliRunner()
SEED_FILES = sorted(SEEDS.glob("*.txt"))


def state(ws) -> tuple[int, int, int]:
    with ws.read() as s:
        events = len(q.audit_events(s, ws.project.id))
        return q.count_documents(s, ws.project.id), q.count_segments(s, ws.project.id), events


def test_seeds_import_once(ws):
    summaries = import_files(ws, SEED_FILES)
    assert [(s.format, s.added, s.without_abstract) for s in summaries] == [
        ("listing", 3, 0),
        ("results", 10, 0),
        ("citations", 7, 2),
    ]
    docs, units, events = state(ws)
    assert (docs, events) == (20, 1)
    again = import_files(ws, SEED_FILES)
    assert [s.exact_duplicates for s in again] == [3, 10, 7]
    assert state(ws) == (docs, units, events)  # nothing added, no empty event
    assert history.verify(ws).ok


def test_keys_and_the_gray_pair(sqlite_ws):
    import_files(sqlite_ws, SEED_FILES)
    with sqlite_ws.read() as s:
        keys = q.document_keys(s, sqlite_ws.project.id)
    assert "gray2024" in keys and "gray2024a" in keys  # two papers, same authors, same year
    assert len(keys) == len(set(keys)) == 20


def test_near_duplicate_is_reported_not_added(sqlite_ws, tmp_path):
    import_files(sqlite_ws, SEED_FILES)
    with sqlite_ws.read() as s:
        doc = q.documents(s, sqlite_ws.project.id, limit=20)[5]
    # The same paper exported from another database: different layout, whitespace, a typo.
    words = doc.text.split()
    words[3] = words[3] + "s"  # a typo
    text = " ".join(words)
    ris = tmp_path / "other.ris"
    authors = "".join(f"AU  - {a}\n" for a in doc.authors)
    ris.write_text(
        f"TY  - JOUR\n{authors}PY  - {doc.year}\nAB  - {text}\nER  - \n", encoding="utf-8"
    )
    (summary,) = import_files(sqlite_ws, [ris])
    assert summary.added == 0 and len(summary.possible_duplicates) == 1
    line, key, score, _reason = summary.possible_duplicates[0]
    assert (line, key) == (1, doc.key) and score >= 90
    (summary,) = import_files(sqlite_ws, [ris], keep_duplicates=True)
    assert summary.added == 1


BAD = {
    "empty.txt": (b"", "file is empty"),
    "binary.txt": (b"\x00\x01\x02\x03PK\x00\x00" * 50, "binary"),
    "truncated.ris": (b"TY  - JOUR\nTI  - A title\nAB  - An abstract that\n", None),
    "noabstract.csv": (b"Title,Authors,Year\nA paper,Doe J,2020\n", "abstract"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_files_change_nothing(sqlite_ws, tmp_path, name):
    import_files(sqlite_ws, SEED_FILES[:1])
    before = state(sqlite_ws)
    data, words = BAD[name]
    bad = tmp_path / name
    bad.write_bytes(data)
    with pytest.raises(FormatError) as err:
        import_files(sqlite_ws, [SEED_FILES[1], bad])  # a good file first: it must not land either
    message = str(err.value)
    assert message.startswith(str(bad)) and "\n" not in message
    if words:
        assert words in message
    assert state(sqlite_ws) == before


def test_cli_import_summary_documents_json_and_errors(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(app, ["init"]).exit_code == 0
    result = runner.invoke(app, ["import", *map(str, SEED_FILES)])
    assert result.exit_code == 0, result.output
    assert (
        "001_9afed24ea45c8f93.txt (results): 10 added, 0 exact duplicates skipped" in result.output
    )
    docs = json.loads(runner.invoke(app, ["documents", "--json"]).output)
    assert len(docs) == 20
    gray = next(d for d in docs if d["key"] == "gray2024")
    assert set(gray) == {
        "key", "title", "authors", "year", "date", "type", "journal", "volume", "issue", "pages",
        "issn", "doi", "abstract", "sections", "segments", "source", "format", "excluded",
    }  # fmt: skip
    assert gray["authors"] == ["Benjamin Thomas Gray", "Matthew Sisto", "Renee Conley"]
    assert (gray["year"], gray["date"], gray["type"], gray["issn"]) == (
        2024,
        "2024-08-22",
        "article",
        "2042-8308",
    )
    assert [s["heading"] for s in gray["sections"]] == [
        "Purpose",
        "Design/methodology/approach",
        "Findings",
        "Originality/value",
    ]
    assert gray["source"] == "001_9afed24ea45c8f93.txt" and gray["format"] == "results"
    assert gray["segments"] > 4
    hodges = next(d for d in docs if d["key"] == "hodges2007")
    assert hodges["abstract"] is None and hodges["sections"] == [] and hodges["segments"] == 0
    bad = tmp_path / "bad.csv"
    bad.write_text("Title,Year\nx,2020\n", encoding="utf-8")
    result = runner.invoke(app, ["import", str(bad)])
    assert (
        result.exit_code == 2
        and result.output.startswith(f"coder: {bad}:1")
        and result.output.count("\n") == 1
    )
    result = runner.invoke(app, ["import", str(tmp_path / "missing.ris")])
    assert result.exit_code == 2 and "no such file" in result.output


def test_cli_leaves_out_a_bad_record_by_default_and_refuses_it_with_strict(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(app, ["init"]).exit_code == 0
    bib = tmp_path / "refs.bib"
    bib.write_text(
        "@article{a, title = {Kept}, abstract = {Peers helped.}}\n\n"
        "@article{b,\n  title = {Brace left open,\n  year = 2000\n\n"
        "@article{c, title = {Also kept}}\n",
        encoding="utf-8",
    )
    strict = runner.invoke(app, ["import", str(bib), "--strict"])
    assert strict.exit_code == 2 and strict.output.count("\n") == 1
    assert strict.output.startswith(f"coder: {bib}:3: unreadable entry @article{{b")
    assert json.loads(runner.invoke(app, ["documents", "--json"]).output) == []
    both = runner.invoke(app, ["import", str(bib), "--strict", "--skip-bad"])
    assert both.exit_code == 2 and "not both" in both.output
    result = runner.invoke(app, ["import", str(bib), "--json"])
    assert result.exit_code == 0, result.output
    (report,) = json.loads(result.output)
    assert report["added"] == 2
    assert [p["where"] for p in report["left_out"]] == [f"{bib}:3"]
    # --skip-bad, once needed for this, is accepted and the same as the default.
    again = runner.invoke(app, ["import", str(bib), "--skip-bad"])
    assert again.exit_code == 0
    assert again.output.startswith("refs.bib (bibtex): 0 added, 2 exact duplicates skipped")
    assert f"  left out: {bib}:3: unreadable entry @article{{b" in again.output


def test_cli_segment_modes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner.invoke(app, ["init"])
    result = runner.invoke(app, ["import", str(SEED_FILES[1]), "--segment", "section"])
    assert result.exit_code == 0
    gray = next(
        d
        for d in json.loads(runner.invoke(app, ["documents", "--json"]).output)
        if d["key"] == "gray2024"
    )
    assert gray["segments"] == len(gray["sections"])
    result = runner.invoke(app, ["import", str(SEED_FILES[0]), "--segment", "bogus"])
    assert result.exit_code == 2 and "unknown segmentation 'bogus'" in result.output


def test_encodings_and_line_ends(sqlite_ws, tmp_path):
    first = (
        "Café owners described how peer support grew between regular customers who had lived "
        "experience of mental distress. They found it useful and wanted it recognised by services."
    )
    second = "A second abstract reports interviews with twelve peer workers on an acute ward about their role."
    text = f"{first}\r\n\r\n{second}\r\n"
    files = []
    for name, data in {
        "utf16.txt": text.encode("utf-16"),
        "cp1252.txt": text.replace(
            first,
            "Crêperie staff were trained as peer supporters and wrote about résumés, grief and hope in rural Wales.",
        ).encode("cp1252"),
        "bom.txt": b"\xef\xbb\xbf"
        + text.replace(
            second,
            "Volunteers in a prison listener scheme kept diaries; their entries showed how trust formed over months.",
        ).encode("utf-8"),
    }.items():
        path = tmp_path / name
        path.write_bytes(data)
        files.append(path)
    summaries = import_files(sqlite_ws, files)
    assert [s.added for s in summaries] == [2, 1, 1]  # the repeated paragraphs are exact duplicates
    with sqlite_ws.read() as s:
        texts = [d.text for d in q.documents(s, sqlite_ws.project.id)]
    assert texts[2].startswith("Crêperie staff") and "résumés" in texts[2]
    assert texts[0] == first
    assert all("\r" not in t for t in texts)


@pytest.mark.parametrize(
    "path",
    [
        ("references", "ris", "asreview_scopus.ris"),
        ("references", "pubmed", "biopython_Entrez_pubmed4.xml"),
        ("references", "pubmed", "biopython_Medline_pubmed_result2.txt"),
        ("references", "bibtex", "bibtexparser_article.bib"),
    ],
)
def test_real_exports_import_and_verify(sqlite_ws, path):
    file = shared_file(*path)
    (summary,) = import_files(sqlite_ws, [file])
    assert summary.added >= 1
    assert history.verify(sqlite_ws).ok


def test_a_bad_record_is_left_out_and_reported_unless_strict(sqlite_ws, tmp_path):
    file = tmp_path / "cut.ris"
    file.write_bytes(b"TY  - JOUR\nTI  - Kept\nER  - \n\nTY  - JOUR\nTI  - Cut off\n")
    with pytest.raises(FormatError, match="truncated"):
        import_files(sqlite_ws, [file], strict=True)
    with sqlite_ws.read() as session:
        assert q.count_documents(session, sqlite_ws.project.id) == 0
    (summary,) = import_files(sqlite_ws, [file])
    assert summary.added == 1 and summary.skipped and ":5: truncated" in summary.skipped[0]
    assert summary.as_dict()["left_out"][0]["where"] == f"{file}:5"


def test_strict_refuses_a_file_in_a_folder_whole_and_imports_the_rest(sqlite_ws, tmp_path):
    folder = tmp_path / "refs"
    folder.mkdir()
    (folder / "a.ris").write_bytes(b"TY  - JOUR\nTI  - Kept\nER  - \n\nTY  - JOUR\nTI  - Cut off\n")
    (folder / "b.ris").write_bytes(b"TY  - JOUR\nTI  - Other\nAB  - Peers helped.\nER  - \n")
    cut, other = import_files(sqlite_ws, [folder], strict=True)
    # The first record of a.ris was read before the bad one: it is taken back out too.
    assert (cut.added, cut.refused) == (
        0,
        "line 5: truncated RIS record: the file ends before its 'ER  -' line",
    )
    assert other.added == 1
    with sqlite_ws.read() as session:
        assert q.count_documents(session, sqlite_ws.project.id) == 1


def test_another_coder_writes_while_an_import_is_read_and_duplicates_still_count(ws, db_url):
    """The files are read before the write lock is taken: a colleague's write commits in
    the meantime (a lock held would make it give up at once: lock_wait 0), and what it
    added is still checked as a duplicate by the import (which, seeing documents came
    meanwhile, checks again under the lock: the file is read a second time)."""
    from coder.services.workspace import Workspace

    file = shared_file("references", "ris", "asreview_embase.ris")
    other = Workspace.open(db_url, "bob")
    other.db.lock_wait = 0
    written: list[int] = []

    def meanwhile(done: int, total: int, name: str) -> None:
        if name and not written:  # as the file begins to be read the first time
            (theirs,) = import_files(other, [file])
            written.append(theirs.added)

    try:
        (summary,) = import_files(ws, [file], file_progress=meanwhile)
    finally:
        other.close()
    assert written == [6]
    assert (summary.added, summary.exact_duplicates) == (0, 6)
    assert history.verify(ws).ok


def test_a_colleague_coding_meanwhile_does_not_make_the_import_read_again(ws, db_url):
    """Only documents coming or going make the import check again: a code added while
    the file is read leaves the rows made before the lock as they are."""
    from coder.core.model import Code
    from coder.services.codes import create_code
    from coder.services.workspace import Workspace

    file = shared_file("references", "ris", "asreview_embase.ris")
    other = Workspace.open(db_url, "bob")
    other.db.lock_wait = 0
    begun: list[str] = []

    def meanwhile(done: int, total: int, name: str) -> None:
        if name:
            begun.append(name)
            create_code(other, Code(name=f"meanwhile {len(begun)}"))

    try:
        (summary,) = import_files(ws, [file], file_progress=meanwhile)
    finally:
        other.close()
    assert begun == [file.name]
    assert summary.added == 6
    assert history.verify(ws).ok


def test_unknown_entry_type_is_imported_and_warned(sqlite_ws):
    file = shared_file("references", "bibtex", "bibtexparser_wrong.bib")
    (summary,) = import_files(sqlite_ws, [file])
    assert summary.added == 2 and summary.skipped == []
    assert [(w.line, "@wrong" in w.message) for w in summary.warnings] == [(3, True)]
    assert summary.line().endswith("2 without abstract, 1 warnings")


SCOPUS_BIB = """@ARTICLE{Gray2024,
    author = {Gray, B. and Sisto, M.},
    title = {Peer support on a men's ward},
    journal = {Mental Health and Social Inclusion},
    year = {2024},
    abstract = {Purpose: To describe barriers to peer support. Findings: Staff see peers as one of us.},
    author_keywords = {peer support},
    keywords = {peer support; wards},
    funding_details = {First funder},
    funding_details = {Second funder},
    keywords = {inpatients},
    source = {Scopus}
}
"""


def test_scopus_bibtex_repeated_fields_keep_the_first_and_join_keywords(sqlite_ws, tmp_path):
    file = tmp_path / "scopus.bib"
    file.write_text(SCOPUS_BIB, encoding="utf-8")
    (summary,) = import_files(sqlite_ws, [file])
    assert summary.added == 1
    (warning,) = summary.warnings
    assert warning.line == 1 and warning.kind == "warning"
    assert "first value kept of funding_details" in warning.message
    assert "values joined of keywords" in warning.message
    docs = document_dicts(sqlite_ws)
    assert docs[0]["title"] == "Peer support on a men's ward"
    assert [s["heading"] for s in docs[0]["sections"]] == ["Purpose", "Findings"]


def test_a_folder_imports_every_file_under_it_and_refuses_the_unreadable(sqlite_ws, tmp_path):
    folder = tmp_path / "exports"
    (folder / "sub").mkdir(parents=True)
    (folder / ".hidden").mkdir()
    (folder / "a.ris").write_bytes(b"TY  - JOUR\nTI  - One\nAB  - The first abstract.\nER  - \n")
    (folder / "sub" / "b.bib").write_text(SCOPUS_BIB, encoding="utf-8")
    (folder / ".hidden" / "c.ris").write_bytes(b"TY  - JOUR\nTI  - Hidden\nER  - \n")
    (folder / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    (folder / "README.pdf").write_bytes(b"%PDF-1.4\x00\x01")
    summaries = import_files(sqlite_ws, [folder])
    assert [(s.file, s.added) for s in summaries] == [
        ("exports/README.pdf", 0),
        ("exports/a.ris", 1),
        ("exports/sub/b.bib", 1),
    ]
    # a broken PDF is read as a PDF (issue 20) and refused as one
    assert summaries[0].refused.startswith("not a readable PDF")
    assert summaries[0].line() == f"exports/README.pdf: refused: {summaries[0].refused}"
    with sqlite_ws.read() as s:
        assert q.count_documents(s, sqlite_ws.project.id) == 2
    # A file named on its own is refused with the import, as before.
    with pytest.raises(FormatError, match="not a readable PDF"):
        import_files(sqlite_ws, [folder / "README.pdf"])


def test_one_sentence_a_line_is_text_and_the_report_says_why(sqlite_ws, tmp_path):
    file = tmp_path / "notes.txt"
    sentences = [
        "Participants described the ward as a place where staff rarely had time for long talks.",
        "Peer workers were seen by some staff as patients and by others as colleagues in training.",
        "Several participants said that shared experience made it easier to speak about distress.",
        "The authors argue that informal peer support deserves recognition in inpatient policies.",
    ]
    file.write_text("\n".join(sentences) + "\n", encoding="utf-8")
    (summary,) = import_files(sqlite_ws, [file])
    assert (summary.format, summary.added) == ("text", 1)
    assert "one sentence a line is prose, not a listing" in summary.note


def test_a_record_over_the_size_limit_is_left_out_with_its_line(sqlite_ws, tmp_path):
    file = tmp_path / "big.txt"
    small = "A short abstract about peer support on wards, with enough words to be prose.\n\n"
    file.write_text(small + "word " * 3000 + "\n\n" + small.replace("short", "brief"), "utf-8")
    (summary,) = import_files(sqlite_ws, [file], max_record_size=10_000)
    assert summary.added == 2
    (left_out,) = summary.problems
    assert left_out.line == 3 and "over the limit of 10,000" in left_out.message
    assert summary.skipped == [str(left_out)]


def test_cli_import_folder_json_and_record_size(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(app, ["init"]).exit_code == 0
    folder = tmp_path / "refs"
    folder.mkdir()
    (folder / "s.bib").write_text(SCOPUS_BIB, encoding="utf-8")
    (folder / "empty.ris").write_bytes(b"")
    result = runner.invoke(app, ["import", str(folder), "--json", "--max-record-size", "500k"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert [(r["file"], r["added"], r["refused"]) for r in report] == [
        ("refs/empty.ris", 0, "file is empty"),
        ("refs/s.bib", 1, None),
    ]
    (warning,) = report[1]["warnings"]
    assert warning["where"] == f"{folder / 's.bib'}:1" and warning["line"] == 1
    assert report[1]["detected"].startswith("read as bibtex")
    bad = runner.invoke(app, ["import", str(folder), "--max-record-size", "lots"])
    assert bad.exit_code == 2 and "--max-record-size" in bad.output
    formats = runner.invoke(app, ["formats"]).output
    for name in ("wos-tab", "scopus-csv", "csl-json", "endnote-xml", "medline"):
        assert name in formats


def test_hand_written_json_is_what_json_dumps_writes() -> None:
    """content_hash and the stored JSON columns are written without json.dumps for speed;
    their bytes must stay exactly json's (the hash is compared across imports)."""
    import hashlib
    import json

    from coder.core.dedup import content_hash
    from coder.core.model import DocumentRecord, Section
    from coder.services.importing import _json_list, _json_sections

    odd = ['a "quoted" name', "back\\slash", "tab\there", "ctrl\x01\x1f", "Ünïcødé ✓", "\u2028"]
    for strings in ([], ["Gray, B."], odd):
        assert _json_list(strings) == json.dumps(strings, ensure_ascii=False)
    sections = [(None, 0, 10), ("Purpose", 12, 40), ('He said "x"', 42, 50)]
    as_dicts = [{"heading": h, "start": a, "end": b} for h, a, b in sections]
    assert _json_sections(sections) == json.dumps(as_dicts, ensure_ascii=False)
    assert _json_sections([]) == "[]"
    for year in (None, 2019):
        record = DocumentRecord(
            sections=[Section(None, " ".join(odd)), Section("Findings", "Two\n lines")],
            title="  A  Title\t",
            authors=odd,
            year=year,
        )
        basis = json.dumps(
            [
                " ".join((record.title or "").split()).lower(),
                [" ".join(a.split()) for a in record.authors],
                record.year,
                " ".join(record.text.split()),
            ],
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        )
        assert content_hash(record) == hashlib.sha256(basis.encode("utf-8")).hexdigest()


def test_cli_encoding_option_reads_a_legacy_file_as_told(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(app, ["init"]).exit_code == 0
    path = tmp_path / "cyrillic.txt"
    text = "Исследование поддержки равных в психиатрических отделениях больниц. " * 3
    path.write_bytes(text.encode("cp1251"))
    result = runner.invoke(app, ["import", str(path), "--encoding", "cp1251", "--json"])
    assert result.exit_code == 0, result.output
    (report,) = json.loads(result.output)
    assert report["added"] == 1 and report["warnings"] == []
    docs = json.loads(runner.invoke(app, ["documents", "--json"]).output)
    assert docs[0]["abstract"].startswith("Исследование поддержки")
    bad = runner.invoke(app, ["import", str(path), "--encoding", "klingon"])
    assert bad.exit_code == 2 and "unknown encoding 'klingon'" in bad.output
