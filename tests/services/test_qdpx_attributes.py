"""Transcripts, speakers and attributes through a .qdpx and back: TextSources keep the
turns, document attributes travel as Variables, speakers as Cases."""

from __future__ import annotations

import zipfile

from coder.services import analysis, exchange
from coder.services.attributes import all_attributes
from coder.services.workspace import Workspace
from coder.store import queries as q
from tests import analysis_project
from tests.conftest import shared_file


def test_round_trip_keeps_turns_attributes_and_cases(sqlite_ws, tmp_path):
    analysis_project.build(sqlite_ws, tmp_path / "in")
    path = tmp_path / "project.qdpx"
    exchange.export_qdpx(sqlite_ws, path)
    with zipfile.ZipFile(path) as archive:
        qde = archive.read("project.qde").decode()
    assert '<Case guid="' in qde and 'name="P1"' in qde and "<SourceRef" in qde
    copy = Workspace.init(str(tmp_path / "copy.db"), "copy", "alice")
    try:
        summary = exchange.import_qdpx(copy, path, segment="turn")
        assert summary.attributes == 5  # site of a and b, group of b, group of P1 and P2
        assert sorted(all_attributes(copy)) == sorted(all_attributes(sqlite_ws))
        with copy.read() as s:
            doc = q.document_row(s, copy.project.id, "interview_a")
            units = [(u.text, u.speaker) for u in q.segments_of(s, doc.id)]
        assert units[:2] == [("How is the work?", "Interviewer"), ("The pay is poor.", "P1")]
        original = analysis.matrix(sqlite_ws, "codes", "group")
        again = analysis.matrix(copy, "codes", "group")
        assert again.cells == original.cells
    finally:
        copy.close()


def test_export_with_cases_validates(sqlite_ws, tmp_path):
    from lxml import etree

    schema = etree.XMLSchema(etree.parse(str(shared_file("refi", "Project.xsd"))))
    analysis_project.build(sqlite_ws, tmp_path / "in")
    path = tmp_path / "project.qdpx"
    exchange.export_qdpx(sqlite_ws, path)
    with zipfile.ZipFile(path) as archive:
        schema.assertValid(etree.fromstring(archive.read("project.qde")))
