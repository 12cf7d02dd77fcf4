"""memo.phase: the phase the researcher was in when writing a journal entry

A journal entry is on the whole analysis, so what it is on cannot place it in a phase
(``coder.core.phases.memo_phase``); the phase is kept with it instead. Older entries keep
None and are listed as "no phase".

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("memo") as batch:
        batch.add_column(sa.Column("phase", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("memo") as batch:
        batch.drop_column("phase")
