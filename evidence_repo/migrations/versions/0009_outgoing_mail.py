"""outgoing mail: the outbox of e-mail notifications, written with the change they report

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 17:30:00.000000
"""
import sqlalchemy as sa
from alembic import op

import evidence_repo.db

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'outgoing_mail',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('to_address', sa.String(length=320), nullable=False),
        sa.Column('subject', sa.String(length=300), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('kind', sa.String(length=60), nullable=False),
        sa.Column('created_at', evidence_repo.db.UTCDateTime(), nullable=False),
        sa.Column('sent_at', evidence_repo.db.UTCDateTime(), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('next_try_at', evidence_repo.db.UTCDateTime(), nullable=True),
        sa.Column('failed_at', evidence_repo.db.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_outgoing_mail')),
    )
    op.create_index(op.f('ix_outgoing_mail_sent_at'), 'outgoing_mail', ['sent_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_outgoing_mail_sent_at'), table_name='outgoing_mail')
    op.drop_table('outgoing_mail')
