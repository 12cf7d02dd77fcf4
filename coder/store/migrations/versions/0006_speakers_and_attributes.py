"""speakers and times on segments; case attributes

Transcripts keep who spoke each turn and when, on every reading unit cut from it; the
attribute table holds case attributes of documents and speakers (participant group,
study design) for matrix queries and split theme tables.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("segment") as batch:
        batch.add_column(sa.Column("speaker", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch.add_column(sa.Column("start_ms", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("end_ms", sa.Integer(), nullable=True))
    op.create_table(
        "attribute",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("project_id", sa.Integer(), sa.ForeignKey("project.id"), nullable=False),
        sa.Column("target_type", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("target", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.UniqueConstraint("project_id", "target_type", "target", "name"),
    )
    op.create_index("ix_attribute_name", "attribute", ["project_id", "name"])


def downgrade() -> None:
    op.drop_index("ix_attribute_name", table_name="attribute")
    op.drop_table("attribute")
    with op.batch_alter_table("segment") as batch:
        batch.drop_column("end_ms")
        batch.drop_column("start_ms")
        batch.drop_column("speaker")
