"""committee agreements: the acuerdos of the Comité de seguimiento, the evidence answering them, and what the
weekly overdue digest already reported

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 18:00:00.000000

New tables only: existing data is untouched.
"""
import sqlalchemy as sa
from alembic import op

import evidence_repo.db

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'agreement',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('commitment_id', sa.Integer(), nullable=False),
        sa.Column('milestone_id', sa.Integer(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('responsible_institution', sa.String(length=300), nullable=False),
        sa.Column('due_date', sa.Date(), nullable=False),
        sa.Column('created_at', evidence_repo.db.UTCDateTime(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('reply', sa.Text(), nullable=True),
        sa.Column('replied_at', evidence_repo.db.UTCDateTime(), nullable=True),
        sa.Column('replied_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['commitment_id'], ['commitment.id'], name=op.f('fk_agreement_commitment_id_commitment')),
        sa.ForeignKeyConstraint(['milestone_id'], ['milestone.id'], name=op.f('fk_agreement_milestone_id_milestone')),
        sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_agreement_created_by_id_user')),
        sa.ForeignKeyConstraint(['replied_by_id'], ['user.id'], name=op.f('fk_agreement_replied_by_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_agreement')),
    )
    op.create_index(op.f('ix_agreement_commitment_id'), 'agreement', ['commitment_id'], unique=False)
    op.create_table(
        'agreement_evidence',
        sa.Column('agreement_id', sa.Integer(), nullable=False),
        sa.Column('evidence_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['agreement_id'], ['agreement.id'], ondelete='CASCADE',
                                name=op.f('fk_agreement_evidence_agreement_id_agreement')),
        sa.ForeignKeyConstraint(['evidence_id'], ['evidence.id'], name=op.f('fk_agreement_evidence_evidence_id_evidence')),
        sa.PrimaryKeyConstraint('agreement_id', 'evidence_id', name=op.f('pk_agreement_evidence')),
    )
    op.create_table(
        'digest_entry',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('subject', sa.String(length=20), nullable=False),
        sa.Column('subject_id', sa.Integer(), nullable=False),
        sa.Column('due_date', sa.Date(), nullable=False),
        sa.Column('reported_at', evidence_repo.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_digest_entry')),
        sa.UniqueConstraint('subject', 'subject_id', 'due_date', name=op.f('uq_digest_entry_subject_subject_id_due_date')),
    )


def downgrade() -> None:
    op.drop_table('digest_entry')
    op.drop_table('agreement_evidence')
    op.drop_index(op.f('ix_agreement_commitment_id'), table_name='agreement')
    op.drop_table('agreement')
