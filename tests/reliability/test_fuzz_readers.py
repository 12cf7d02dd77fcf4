"""Property-based fuzzing of every importer and codebook loader.

The contract each reader keeps, whatever bytes it is given: it returns documents (or a
codebook), or it raises the project's own FormatError, one line naming the file. Never
another exception, never a traceback for a user's file. Inputs are valid samples of each
format with a few random edits (so the fuzzing gets past format detection into the
parser) and plain random text or bytes. The example budget is fixed and the examples are
derived deterministically (``derandomize``), so CI runs the same cases in a few seconds.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coder.core.model import Codebook, DocumentRecord
from coder.formats.codebook_yaml import load_codebook
from coder.formats.errors import FormatError
from coder.formats.prepared import prepare_record
from coder.formats.qdc import read_qdc, write_qdc
from coder.formats.qdpx import read_qdpx
from coder.formats.records import FORMATS, detect_format, iter_records
from tests.conftest import CODEBOOKS, SEEDS
from tests.formats.test_qdpx import FOREIGN_QDE

EXAMPLES = 25  # per reader: about a second each on the 2-core CI machine

FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

SAMPLES = {
    "ris": "TY  - JOUR\nTI  - Peer support on wards\nAU  - Doe, Jane\nPY  - 2020\n"
    "AB  - Peer workers bridge the gap. Staff named the risks.\nKW  - peer support\nER  - \n",
    "bibtex": "@string{mh = {Mental Health}}\n@article{doe2020,\n title = {Peer {S}upport},\n"
    ' author = {Doe, Jane and M{\\"u}ller, K.},\n journal = mh,\n year = {2020},\n'
    " abstract = {Peer workers bridge the gap. Staff named the risks.}\n}\n",
    "medline": "PMID- 12345678\nTI  - Peer support on wards.\nAB  - Peer workers bridge the gap.\n"
    "      Staff named the risks.\nFAU - Doe, Jane\nAU  - Doe J\nDP  - 2020 Mar\nJT  - Mental Health\n",
    "wos": "FN Clarivate Analytics Web of Science\nVR 1.0\nPT J\nAU Doe, J\nTI Peer support\n"
    "SO MENTAL HEALTH\nAB Peer workers bridge the gap. Staff named the risks.\nPY 2020\nER\n\nEF\n",
    "pubmed-xml": '<?xml version="1.0"?>\n<PubmedArticleSet><PubmedArticle><MedlineCitation>'
    "<PMID>1</PMID><Article><ArticleTitle>Peer support</ArticleTitle><Abstract>"
    '<AbstractText Label="PURPOSE">Peer workers bridge the gap.</AbstractText></Abstract>'
    "<AuthorList><Author><LastName>Doe</LastName><ForeName>Jane</ForeName></Author></AuthorList>"
    "<Journal><JournalIssue><PubDate><Year>2020</Year></PubDate></JournalIssue></Journal>"
    "</Article></MedlineCitation></PubmedArticle></PubmedArticleSet>\n",
    "csv": 'Title,Authors,Year,Abstract\n"Peer support","Doe, Jane",2020,'
    '"Peer workers bridge the gap. Staff named the risks."\n',
    "text": "Peer workers bridge the gap between staff and service users on the ward, and they "
    "describe the work as careful.\n\nStaff named the risks of peer support in several "
    "interviews, and some asked for clearer roles and supervision.\n",
    "csl-json": '[{"id": "doe2020", "type": "article-journal", "title": "Peer support", '
    '"author": [{"family": "Doe", "given": "Jane"}], "issued": {"date-parts": [[2020]]}, '
    '"abstract": "Peer workers bridge the gap. Staff named the risks."}]\n',
    "endnote-xml": '<?xml version="1.0" encoding="UTF-8"?><xml><records><record>'
    '<ref-type name="Journal Article">17</ref-type><contributors><authors><author>Doe, Jane'
    "</author></authors></contributors><titles><title>Peer support</title></titles><dates>"
    "<year>2020</year></dates><abstract>Peer workers bridge the gap. Staff named the risks."
    "</abstract></record></records></xml>\n",
    "scopus-csv": 'Authors,Title,Year,Source title,Abstract,DOI\n"Doe J.","Peer support",2020,'
    '"Mental Health","Peer workers bridge the gap. Staff named the risks.",10.1000/x1\n',
    "wos-tab": "PT\tAU\tTI\tSO\tAB\tPY\nJ\tDoe, J\tPeer support\tMENTAL HEALTH\t"
    "Peer workers bridge the gap. Staff named the risks.\t2020\n",
}
for _seed in sorted(SEEDS.glob("*.txt")):
    _text = _seed.read_text(encoding="utf-8")
    SAMPLES.setdefault(detect_format(_text, _seed.name), _text)

# Pieces that break parsers: NUL, BOM, odd line ends, tags and brackets of every format,
# entities, and a lone surrogate (written as bytes that are not UTF-8).
NASTY = [
    "\x00", "\ufeff", "\r", "\r\n", "\u2028", "\x85", "\t", "TY  - ", "ER  - ", "AB  - ",
    "PMID- ", "@article{", "@string{", "}", "{", '"', ",", "<", "</", "&", "&#0;", "]]>",
    "<!DOCTYPE x [<!ENTITY a 'b'>]>", "\ud800", "\\", "%", "---", "- ", ": ", "&a", "*a",
    "!!python/object:os.system", "\u00e9", "e\u0301", "\U0001f600",
]  # fmt: skip


@st.composite
def edited(draw: st.DrawFn, sample: str) -> str:
    """``sample`` with up to four random edits: inserts, deletions, duplications."""
    text = sample
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, len(text)))
        kind = draw(st.sampled_from(["insert", "delete", "duplicate", "truncate"]))
        if kind == "insert":
            piece = draw(st.sampled_from(NASTY) | st.text(max_size=12))
            text = text[:at] + piece + text[at:]
        elif kind == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 40)) :]
        elif kind == "duplicate":
            text = text[:at] + text[at : at + 200] + text[at:]
        else:
            text = text[:at]
    return text


def inputs(sample: str) -> st.SearchStrategy[bytes]:
    as_text = edited(sample) | st.text(max_size=300)
    encoded = as_text.map(lambda t: t.encode("utf-8", errors="surrogatepass"))
    return encoded | st.binary(max_size=300)


def one_line(error: FormatError, file: str) -> None:
    message = str(error)
    assert "\n" not in message, message
    assert message.startswith((file, Path(file).name)), message  # names the file


def read_all(path: Path, fmt: str) -> None:
    try:
        records = list(iter_records(path, fmt).records)
    except FormatError as error:
        one_line(error, str(path))
        return
    assert records and all(isinstance(r, DocumentRecord) for r in records)
    for record in records:  # what the importer does next with each record
        prepare_record(record, "sentence")


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_every_importer_returns_documents_or_one_line(fmt):
    @FUZZ
    @given(data=inputs(SAMPLES.get(fmt, SAMPLES["text"])))  # a new format: add a sample
    def check(data: bytes) -> None:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"fuzz.{fmt}"
            path.write_bytes(data)
            read_all(path, fmt)
            read_all(path, "auto")

    check()


def test_codebook_yaml_loader():
    sample = (CODEBOOKS / "template.yaml").read_text(encoding="utf-8")

    @FUZZ
    @given(data=inputs(sample))
    def check(data: bytes) -> None:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "codebook.yaml"
            path.write_bytes(data)
            try:
                assert isinstance(load_codebook(path), Codebook)
            except FormatError as error:
                one_line(error, str(path))

    check()


def test_qdc_loader():
    buffer = io.BytesIO()
    write_qdc(load_codebook(CODEBOOKS / "template.yaml"), buffer)
    sample = buffer.getvalue().decode("utf-8")

    @FUZZ
    @given(data=inputs(sample))
    def check(data: bytes) -> None:
        try:
            assert isinstance(read_qdc(data, "fuzz.qdc"), Codebook)
        except FormatError as error:
            one_line(error, "fuzz.qdc")

    check()


def test_qdpx_loader():
    sample = FOREIGN_QDE.replace("{start}", "0").replace("{end}", "5")
    sample = sample.replace("{{", "{").replace("}}", "}")

    @FUZZ
    @given(qde=inputs(sample), archive=st.booleans())
    def check(qde: bytes, archive: bool) -> None:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "fuzz.qdpx"
            if archive:
                with zipfile.ZipFile(path, "w") as zf:
                    zf.writestr("Project.qde", qde)
                    zf.writestr("Sources/CCCCCCCC-0000-0000-0000-000000000001.txt", "First line.")
            else:
                path.write_bytes(qde)  # not even a zip
            try:
                read_qdpx(path)
            except FormatError as error:
                one_line(error, str(path))

    check()
