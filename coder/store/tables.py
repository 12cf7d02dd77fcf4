"""SQLModel tables for the whole data model of DESIGN.md.

Times are ISO-8601 UTC strings and lists are JSON text, so that a row serialises the same
way on SQLite and PostgreSQL: the audit chain hashes rows, and a hash must not depend on
the backend's datetime or array types.
"""

from __future__ import annotations

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def _text() -> Column:
    return Column(Text, nullable=False, default="")


class Project(SQLModel, table=True):
    __tablename__ = "project"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    created_at: str
    # Sequence number of the last audit event; every write transaction bumps it first,
    # which takes the write lock (SQLite) or the row lock (PostgreSQL) before anything else.
    last_seq: int = 0
    last_hash: str = ""


class CoderRow(SQLModel, table=True):
    __tablename__ = "coder"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    created_at: str


class DocumentRow(SQLModel, table=True):
    __tablename__ = "document"
    __table_args__ = (
        UniqueConstraint("project_id", "key"),
        Index("ix_document_hash", "project_id", "content_hash"),
        Index("ix_document_order", "project_id", "ordinal", "id"),  # reading order, paged lists
    )
    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id")
    key: str
    source_file: str | None = None
    source_format: str | None = None
    type: str | None = None
    title: str | None = None
    authors: str = Field(default="[]", sa_column=Column(Text, nullable=False, default="[]"))
    year: int | None = None
    date: str | None = None
    journal: str | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    issn: str | None = None
    doi: str | None = None
    keywords: str = Field(default="[]", sa_column=Column(Text, nullable=False, default="[]"))
    # JSON list of {"heading": str|None, "start": int, "end": int} over ``text``.
    sections: str = Field(default="[]", sa_column=Column(Text, nullable=False, default="[]"))
    text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    has_abstract: bool = True
    content_hash: str
    ordinal: int = 0  # import order, the default reading order
    import_seq: int | None = None  # the audit event that imported it


class SegmentRow(SQLModel, table=True):
    __tablename__ = "segment"
    __table_args__ = (Index("ix_segment_doc", "document_id", "ordinal"),)
    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id")
    kind: str = "unit"  # unit | span | document
    ordinal: int | None = None
    heading: str | None = None
    start: int
    end: int
    # The span's own text hash and a few words either side: enough to find it again
    # after the document is re-imported with different offsets.
    text_hash: str = ""
    context_before: str = ""
    context_after: str = ""
    # Transcripts: who spoke the turn this unit lies in, and when (ms into the recording).
    speaker: str | None = None
    start_ms: int | None = None
    end_ms: int | None = None


class CodeRow(SQLModel, table=True):
    __tablename__ = "code"
    __table_args__ = (UniqueConstraint("project_id", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id")
    uid: str
    name: str
    definition: str = Field(default="", sa_column=_text())
    include: str = Field(default="", sa_column=_text())
    exclude: str = Field(default="", sa_column=_text())
    examples: str = Field(default="[]", sa_column=Column(Text, nullable=False, default="[]"))
    keywords: str = Field(default="[]", sa_column=Column(Text, nullable=False, default="[]"))
    colour: str | None = None
    parent_id: int | None = Field(default=None, foreign_key="code.id")
    status: str = "active"  # active | merged | retired
    merged_into_id: int | None = Field(default=None, foreign_key="code.id")
    order: int = 0
    created_at: str
    created_by: str = ""


class ThemeRow(SQLModel, table=True):
    __tablename__ = "theme"
    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id")
    uid: str
    name: str
    definition: str = Field(default="", sa_column=_text())
    scope: str = Field(default="", sa_column=_text())
    parent_id: int | None = Field(default=None, foreign_key="theme.id")
    order: int = 0
    status: str = "candidate"  # candidate | reviewed | defined | discarded
    created_at: str


class ThemeCodeRow(SQLModel, table=True):
    __tablename__ = "theme_code"
    __table_args__ = (UniqueConstraint("theme_id", "code_id"),)
    id: int | None = Field(default=None, primary_key=True)
    theme_id: int = Field(foreign_key="theme.id")
    code_id: int = Field(foreign_key="code.id", index=True)


class CodingRow(SQLModel, table=True):
    __tablename__ = "coding"
    __table_args__ = (
        UniqueConstraint("segment_id", "code_id", "coder_id"),
        Index("ix_coding_code", "code_id"),
        Index("ix_coding_coder", "coder_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id")
    segment_id: int = Field(foreign_key="segment.id")
    code_id: int = Field(foreign_key="code.id")
    coder_id: int = Field(foreign_key="coder.id")
    created_at: str
    memo: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class ExemplarRow(SQLModel, table=True):
    """An extract chosen to illustrate a theme in the report (phase 5)."""

    __tablename__ = "theme_exemplar"
    __table_args__ = (UniqueConstraint("theme_id", "coding_id"),)
    id: int | None = Field(default=None, primary_key=True)
    theme_id: int = Field(foreign_key="theme.id")
    coding_id: int = Field(foreign_key="coding.id")
    order: int = 0


class MisfitRow(SQLModel, table=True):
    """An extract the reviewer marked as not fitting a theme (phase 4)."""

    __tablename__ = "theme_misfit"
    __table_args__ = (UniqueConstraint("theme_id", "coding_id"),)
    id: int | None = Field(default=None, primary_key=True)
    theme_id: int = Field(foreign_key="theme.id")
    coding_id: int = Field(foreign_key="coding.id")
    note: str = Field(default="", sa_column=_text())


class MemoRow(SQLModel, table=True):
    __tablename__ = "memo"
    __table_args__ = (Index("ix_memo_target", "project_id", "target_type", "target_id"),)
    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id")
    coder_id: int = Field(foreign_key="coder.id")
    target_type: str  # project | document | code | theme | coding
    target_id: int | None = None
    kind: str = "note"  # journal | familiarisation | note | discussion
    text: str = Field(default="", sa_column=_text())
    created_at: str
    updated_at: str
    phase: int | None = None  # a journal entry's phase when written (0010); else None


class ReadMarkRow(SQLModel, table=True):
    """A coder has read a document (phase 1 progress)."""

    __tablename__ = "document_read"
    __table_args__ = (UniqueConstraint("document_id", "coder_id"),)
    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id")
    coder_id: int = Field(foreign_key="coder.id")
    read_at: str


class PhaseStatusRow(SQLModel, table=True):
    __tablename__ = "phase_status"
    __table_args__ = (UniqueConstraint("project_id", "phase"),)
    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id")
    phase: int
    status: str = "not started"  # not started | in progress | done
    note: str = Field(default="", sa_column=_text())


class UiStateRow(SQLModel, table=True):
    """Where a coder left off (phase, document, segment): not audited, not analysis."""

    __tablename__ = "ui_state"
    __table_args__ = (UniqueConstraint("project_id", "coder_id", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id")
    coder_id: int = Field(foreign_key="coder.id")
    name: str
    value: str = Field(default="", sa_column=_text())


class ExclusionReasonRow(SQLModel, table=True):
    """One of the project's short list of reasons for setting a record aside (phase 1)."""

    __tablename__ = "exclusion_reason"
    __table_args__ = (UniqueConstraint("project_id", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id")
    name: str
    order: int = 0
    created_at: str


class ExclusionRow(SQLModel, table=True):
    """A document set aside in familiarisation: out of the coding queue and the counts,
    still searchable; deleting the row (``coder include``) brings the document back."""

    __tablename__ = "document_exclusion"
    __table_args__ = (UniqueConstraint("document_id"),)
    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    document_id: int = Field(foreign_key="document.id")
    reason_id: int | None = Field(default=None, foreign_key="exclusion_reason.id")
    note: str = Field(default="", sa_column=_text())  # the researcher's own words
    coder_id: int = Field(foreign_key="coder.id")
    excluded_at: str


class AttributeRow(SQLModel, table=True):
    """A case attribute (participant group, study design, ...) of a document or of a
    speaker, by key or name; the value is text as the user typed it."""

    __tablename__ = "attribute"
    __table_args__ = (
        UniqueConstraint("project_id", "target_type", "target", "name"),
        Index("ix_attribute_name", "project_id", "name"),
    )
    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id")
    target_type: str  # document | speaker
    target: str  # a document key or a speaker's name
    name: str
    value: str = Field(default="", sa_column=_text())


class PresenceRow(SQLModel, table=True):
    """Who has the project open right now, and where: one row per open workbench,
    refreshed by a heartbeat and ignored once stale. Not audited, not analysis, and not
    copied by ``coder db copy``."""

    __tablename__ = "presence"
    __table_args__ = (
        UniqueConstraint("project_id", "instance"),
        Index("ix_presence_seen", "project_id", "seen_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id")
    instance: str  # one open workbench (a random token), so one coder may have two
    coder: str
    phase: str = ""
    document: str | None = None  # the document key being read or coded
    seen_at: str  # ISO UTC time of the last heartbeat


class AuditEventRow(SQLModel, table=True):
    __tablename__ = "audit_event"
    __table_args__ = (UniqueConstraint("project_id", "seq"),)
    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id")
    seq: int
    time: str
    coder: str
    action: str
    target: str = Field(default="", sa_column=_text())
    before: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))
    after: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))
    prev_hash: str
    hash: str


# Tables whose every row is written by an audited service action and can be replayed from
# the trail; ``audit verify`` compares them with the replay. Documents and their reading
# units are covered by a digest in their import event instead (100,000 rows per event
# would make the trail larger than the corpus).
AUDITED_TABLES: dict[str, type[SQLModel]] = {
    "code": CodeRow,
    "theme": ThemeRow,
    "theme_code": ThemeCodeRow,
    "coding": CodingRow,
    "theme_exemplar": ExemplarRow,
    "theme_misfit": MisfitRow,
    "memo": MemoRow,
    "document_read": ReadMarkRow,
    "phase_status": PhaseStatusRow,
    "attribute": AttributeRow,
    "segment": SegmentRow,  # only kind span/document rows; units are in the import digest
    "exclusion_reason": ExclusionReasonRow,
    "document_exclusion": ExclusionRow,
}
