"""The bulk insert writes rows as plain tuples: their column lists must match the tables."""

from coder.store import audit, bulk
from coder.store.tables import DocumentRow, SegmentRow


def test_document_columns_cover_the_table() -> None:
    columns = {c.name for c in DocumentRow.__table__.columns}  # type: ignore[attr-defined]
    assert set(bulk.DOCUMENT_COLUMNS) == columns - {"id", "project_id"}
    assert set(audit.DIGEST_DOC_FIELDS) <= set(bulk.DOCUMENT_COLUMNS)


def test_segment_columns_cover_the_table_and_start_with_the_digest_fields() -> None:
    columns = {c.name for c in SegmentRow.__table__.columns}  # type: ignore[attr-defined]
    assert set(bulk.SEGMENT_COLUMNS) | set(bulk.TURN_COLUMNS) == columns - {
        "id",
        "document_id",
        "kind",
    }
    # The importer digests a unit as its first five values.
    assert list(bulk.SEGMENT_COLUMNS[:5]) == audit.DIGEST_SEG_FIELDS
