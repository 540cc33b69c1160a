"""citizen observations: questions and observations on milestones and evidence, moderated and answered

Revision ID: 0010
Revises: 0009b
Create Date: 2026-12-01 18:00:00.000000
"""
import sqlalchemy as sa
from alembic import op

import evidence_repo.db

revision = '0010'
down_revision = '0009b'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'observation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('milestone_id', sa.Integer(), nullable=False),
        sa.Column('evidence_id', sa.Integer(), nullable=True),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=True),
        sa.Column('email', sa.String(length=320), nullable=True),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('personal_data', sa.JSON(), nullable=False),
        sa.Column('created_at', evidence_repo.db.UTCDateTime(), nullable=False),
        sa.Column('moderated_at', evidence_repo.db.UTCDateTime(), nullable=True),
        sa.Column('moderated_by_id', sa.Integer(), nullable=True),
        sa.Column('rejection_reason', sa.Text(), nullable=True),
        sa.Column('answer', sa.Text(), nullable=True),
        sa.Column('answered_at', evidence_repo.db.UTCDateTime(), nullable=True),
        sa.Column('answered_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['milestone_id'], ['milestone.id'], name=op.f('fk_observation_milestone_id_milestone')),
        sa.ForeignKeyConstraint(['evidence_id'], ['evidence.id'], name=op.f('fk_observation_evidence_id_evidence')),
        sa.ForeignKeyConstraint(['moderated_by_id'], ['user.id'], name=op.f('fk_observation_moderated_by_id_user')),
        sa.ForeignKeyConstraint(['answered_by_id'], ['user.id'], name=op.f('fk_observation_answered_by_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_observation')),
    )
    op.create_index(op.f('ix_observation_milestone_id'), 'observation', ['milestone_id'], unique=False)
    op.create_index(op.f('ix_observation_evidence_id'), 'observation', ['evidence_id'], unique=False)
    op.create_index(op.f('ix_observation_status'), 'observation', ['status'], unique=False)
    op.create_index(op.f('ix_observation_created_at'), 'observation', ['created_at'], unique=False)


def downgrade() -> None:
    for column in ('created_at', 'status', 'evidence_id', 'milestone_id'):
        op.drop_index(op.f(f'ix_observation_{column}'), table_name='observation')
    op.drop_table('observation')
