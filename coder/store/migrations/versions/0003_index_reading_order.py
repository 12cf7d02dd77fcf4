"""index documents by reading order

Lists, next/previous document and next-uncoded all walk documents in (ordinal, id) order;
without this index a 100,000-document project scans the table on every page.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_document_order", "document", ["project_id", "ordinal", "id"])


def downgrade() -> None:
    op.drop_index("ix_document_order", table_name="document")
