"""Small builders for service tests: a few real-looking abstracts and codes."""

from __future__ import annotations

from coder.core.model import Code, DocumentRecord, Section

RECORDS = [
    DocumentRecord(
        sections=[
            Section(
                "Purpose",
                "The purpose of this paper is to describe barriers to peer support on a ward.",
            ),
            Section(
                "Findings",
                "There is sometimes a fissure of “Us” and “Them” on the ward. Peer workers must bridge this gap.",
            ),
        ],
        authors=["Benjamin Thomas Gray", "Matthew Sisto", "Renee Conley"],
        year=2024,
        type="article",
        journal="Mental Health and Social Inclusion",
    ),
    DocumentRecord(
        sections=[
            Section(
                None,
                "Service users described supportive interactions. They had to tread carefully with each other. "
                "Staff emphasised the risks.",
            )
        ],
        authors=["Jane Doe"],
        year=2019,
    ),
    DocumentRecord(
        sections=[], title="A record without an abstract", authors=["John Q. Hodges"], year=2007
    ),
]

CODES = [
    Code(
        name="us and them",
        definition="Talk of a divide between staff and service users.",
        keywords=["us", "them"],
    ),
    Code(
        name="tread carefully",
        definition="Caution in giving support.",
        keywords=["carefully", "caution"],
    ),
    Code(name="risk", definition="Support framed as a risk.", keywords=["risk"]),
]


def seed(ws) -> list[str]:
    """Add the records and codes; return the document keys in order."""
    from coder.services.codes import create_code
    from coder.services.importing import add_records

    _summary, keys = add_records(ws, RECORDS, source="records.txt")
    for code in CODES:
        create_code(ws, Code(**{**code.__dict__}))
    return keys
