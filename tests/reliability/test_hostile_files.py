"""Hostile files are refused in one line, and nothing is written: not to the project (its
trail head, documents and codes are as before) and not to the disk (no file escapes the
archive). One test per class of attack: XXE, billion laughs, zip slip, zip bombs, YAML
tags and alias bombs, NUL bytes, bytes that are no text."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from sqlalchemy import text

from coder.formats.errors import FormatError
from coder.services import codebooks, exchange, history
from coder.services.importing import import_files
from coder.services.workspace import ServiceError
from tests.formats.test_qdpx import FOREIGN_QDE

LAUGHS = "".join(
    f'<!ENTITY l{i} "{f"&l{i - 1};" * 10 if i else "lol"}">' for i in range(10)
)  # 10**9 "lol"s when expanded

XXE = (
    '<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
    "<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID><Article>"
    "<ArticleTitle>&x;</ArticleTitle><Abstract><AbstractText>&x;</AbstractText></Abstract>"
    "</Article></MedlineCitation></PubmedArticle></PubmedArticleSet>\n"
)
BILLION_XML = (
    f'<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet [{LAUGHS}]>\n'
    "<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID><Article>"
    "<ArticleTitle>&l9;</ArticleTitle></Article></MedlineCitation></PubmedArticle></PubmedArticleSet>\n"
)
QDC_XXE = (
    '<?xml version="1.0"?>\n<!DOCTYPE CodeBook [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
    '<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="a" name="&x;" isCodable="true"/>'
    "</Codes></CodeBook>\n"
)
YAML_ALIAS_BOMB = (
    "a: &a [x, x, x, x, x, x, x, x, x]\n"
    + "".join(
        f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )
    + "codes:\n  - name: risk\n    definition: *i\n"
)
YAML_TAG = "codes:\n  - name: !!python/object/apply:os.system ['touch /tmp/coder-pwned']\n"


def state(ws) -> tuple:
    """Everything an import or load could write."""
    with ws.db.engine.connect() as conn:
        return tuple(
            conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar()
            for t in ("document", "segment", "code", "theme", "coding", "memo", "audit_event")
        ) + (history.head(ws),)


def qdpx(path: Path, entries: dict[str, bytes], qde: str | None = None) -> Path:
    project = (
        (qde or FOREIGN_QDE.replace("{start}", "0").replace("{end}", "5"))
        .replace("{{", "{")
        .replace("}}", "}")
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("Project.qde", project.encode("utf-8"))
        for name, data in entries.items():
            archive.writestr(name, data)
    return path


def refused(ws, action, *, match: str) -> None:
    before = state(ws)
    with pytest.raises((FormatError, ServiceError)) as info:
        action()
    message = str(info.value)
    assert "\n" not in message and match in message, message
    assert state(ws) == before


@pytest.fixture
def project(sqlite_ws):
    return sqlite_ws


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def test_xxe_in_pubmed_xml(project, tmp_path):
    path = write(tmp_path, "xxe.xml", XXE)
    refused(project, lambda: import_files(project, [path]), match="xxe.xml")


def test_billion_laughs_in_pubmed_xml(project, tmp_path):
    path = write(tmp_path, "laughs.xml", BILLION_XML)
    refused(project, lambda: import_files(project, [path]), match="laughs.xml")


def test_xxe_in_a_qdc_codebook(project, tmp_path):
    path = write(tmp_path, "xxe.qdc", QDC_XXE)
    refused(project, lambda: codebooks.load_codebook(project, path), match="xxe.qdc")


def test_billion_laughs_in_a_qdpx_project(project, tmp_path):
    qde = FOREIGN_QDE.replace('<?xml version="1.0" encoding="utf-8"?>',
                              f'<?xml version="1.0"?><!DOCTYPE Project [{LAUGHS}]>')  # fmt: skip
    qde = qde.replace('name="Parent"', 'name="&l9;"')
    path = qdpx(tmp_path / "laughs.qdpx", {}, qde)
    refused(project, lambda: exchange.import_qdpx(project, path), match="laughs.qdpx")


def test_zip_slip_writes_nothing_outside(project, tmp_path):
    work = tmp_path / "deep" / "er"
    work.mkdir(parents=True)
    escape = tmp_path / "deep" / "escaped.txt"
    path = qdpx(
        work / "slip.qdpx",
        {
            "../escaped.txt": b"owned",
            "../../escaped.txt": b"owned",
            "/tmp/coder-slip.txt": b"owned",
            "Sources/../../escaped.txt": b"owned",
        },
    )
    # The archive is otherwise a good project: coder may import its own sources, but it
    # never extracts entries, so the hostile names lead nowhere.
    try:
        exchange.import_qdpx(project, path)
    except (FormatError, ServiceError) as error:
        assert "\n" not in str(error)
    assert not escape.exists() and not (tmp_path / "escaped.txt").exists()
    assert not Path("/tmp/coder-slip.txt").exists()
    assert sorted(p.name for p in work.iterdir()) == ["slip.qdpx"]
    with project.db.engine.connect() as conn:
        texts = [t for (t,) in conn.execute(text("SELECT text FROM document"))]
    assert all("owned" not in t for t in texts)
    assert history.verify(project).ok


def test_zip_bomb_source_is_refused(project, tmp_path):
    bomb = b"\0" * (40 * 1024 * 1024)  # 40 MiB of zeros deflate 1000:1
    path = qdpx(tmp_path / "bomb.qdpx", {"Sources/CCCCCCCC-0000-0000-0000-000000000001.txt": bomb})
    assert path.stat().st_size < 2 * 1024 * 1024
    refused(project, lambda: exchange.import_qdpx(project, path), match="bomb.qdpx")


def test_zip_bomb_project_entry_is_refused(project, tmp_path):
    path = tmp_path / "bomb2.qdpx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("Project.qde", b" " * (40 * 1024 * 1024))
    refused(project, lambda: exchange.import_qdpx(project, path), match="bomb2.qdpx")


def test_yaml_alias_bomb(project, tmp_path):
    path = write(tmp_path, "bomb.yaml", YAML_ALIAS_BOMB)
    refused(project, lambda: codebooks.load_codebook(project, path), match="bomb.yaml")


def test_yaml_python_tag(project, tmp_path):
    path = write(tmp_path, "tag.yaml", YAML_TAG)
    refused(project, lambda: codebooks.load_codebook(project, path), match="tag.yaml")
    assert not Path("/tmp/coder-pwned").exists()


def test_nul_bytes(project, tmp_path):
    path = write(tmp_path, "nul.ris", "TY  - JOUR\nTI  - A\x00B\nAB  - Text.\nER  - \n")
    refused(project, lambda: import_files(project, [path]), match="nul.ris")


def test_bytes_that_are_no_text(project, tmp_path):
    path = write(tmp_path, "noise.ris", bytes(range(256)) * 64)
    refused(project, lambda: import_files(project, [path]), match="noise.ris")


def test_bad_bytes_in_a_codebook(project, tmp_path):
    path = write(tmp_path, "bad.yaml", b"codes:\n  - name: caf\xe9\xff\xfe\n")
    refused(project, lambda: codebooks.load_codebook(project, path), match="bad.yaml")
