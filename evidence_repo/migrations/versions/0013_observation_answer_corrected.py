"""a corrected answer keeps the date it was first given

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 00:50:00.000000

* ``observation.answer_corrected_at``: when a moderator last corrected the published answer; ``answered_at`` stays
  the date the answer was first given (reports and the feed date it by that). Empty for existing rows.
"""
import sqlalchemy as sa
from alembic import op

import evidence_repo.db

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('observation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answer_corrected_at', evidence_repo.db.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('observation', schema=None) as batch_op:
        batch_op.drop_column('answer_corrected_at')
