"""a purge also forgets the versión pública's bytes

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 21:15:00.000000

* ``public_version.purged_at``: when an admin purged the evidence, its versiones públicas lose their bytes and
  text too (the row and its SHA-256 stay, like the evidence's files). Empty for existing rows.
"""
import sqlalchemy as sa
from alembic import op

import evidence_repo.db

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('public_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('purged_at', evidence_repo.db.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('public_version', schema=None) as batch_op:
        batch_op.drop_column('purged_at')
