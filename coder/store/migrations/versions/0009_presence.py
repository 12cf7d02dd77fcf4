"""presence: who has the project open, in which phase and document

A heartbeat table for a team on one database: each open workbench keeps one row fresh,
and rows older than a minute count as gone. Not audited: it is not research data.

Revision ID: 0009
Revises: 0006
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0009"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "presence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("instance", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("coder", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("phase", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("document", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("seen_at", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("project_id", "instance"),
    )
    op.create_index("ix_presence_seen", "presence", ["project_id", "seen_at"])


def downgrade() -> None:
    op.drop_index("ix_presence_seen", table_name="presence")
    op.drop_table("presence")
