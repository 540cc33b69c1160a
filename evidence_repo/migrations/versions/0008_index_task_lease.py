"""index task lease: claimed_at / claimed_by, so several workers can share one queue

Revision ID: 0008
Revises: 0007b
Create Date: 2026-12-01 14:00:00.000000

A worker claims a batch of pending tasks by writing its name and the time on them (on PostgreSQL with
``SELECT … FOR UPDATE SKIP LOCKED``); another worker skips tasks whose lease has not expired. Existing tasks
start unclaimed, so whatever was pending is picked up as before.
"""
import sqlalchemy as sa
from alembic import op

import evidence_repo.db

revision = '0008'
down_revision = '0007b'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('index_task', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_at', evidence_repo.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('index_task', schema=None) as batch_op:
        batch_op.drop_column('claimed_by')
        batch_op.drop_column('claimed_at')
