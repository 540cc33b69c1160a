"""versión pública of restricted evidence, and metadata-free public copies of images

Revision ID: 0009b
Revises: 0009
Create Date: 2026-12-01 17:10:00.000000

* ``public_version``: redacted files (versiones públicas) uploaded by staff for restricted evidence; the newest
  one is what the public sees, downloads and searches. Starts empty.
* ``evidence_file.public_sha256``: the copy of an image the public downloads, without EXIF/XMP (GPS included);
  empty for existing rows (the download makes such a copy on the fly until the file is replaced).
"""
import sqlalchemy as sa
from alembic import op

import evidence_repo.db

revision = '0009b'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'public_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('evidence_id', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('mime_type', sa.String(length=120), nullable=False),
        sa.Column('original_name', sa.String(length=255), nullable=False),
        sa.Column('public_sha256', sa.String(length=64), nullable=True),
        sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
        sa.Column('uploaded_at', evidence_repo.db.UTCDateTime(), nullable=False),
        sa.Column('text_status', sa.String(length=20), nullable=False),
        sa.Column('text_error', sa.Text(), nullable=True),
        sa.Column('text', sa.Text(), nullable=True),
        sa.Column('pages', sa.Integer(), nullable=True),
        sa.Column('processed_at', evidence_repo.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['evidence_id'], ['evidence.id'], name=op.f('fk_public_version_evidence_id_evidence')),
        sa.ForeignKeyConstraint(['uploaded_by_id'], ['user.id'], name=op.f('fk_public_version_uploaded_by_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_public_version')),
    )
    op.create_index(op.f('ix_public_version_evidence_id'), 'public_version', ['evidence_id'], unique=False)
    with op.batch_alter_table('evidence_file', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public_sha256', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('evidence_file', schema=None) as batch_op:
        batch_op.drop_column('public_sha256')
    op.drop_index(op.f('ix_public_version_evidence_id'), table_name='public_version')
    op.drop_table('public_version')
