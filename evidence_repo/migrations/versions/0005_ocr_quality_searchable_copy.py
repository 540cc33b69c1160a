"""ocr quality and searchable copy of scans

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 14:00:00.000000

``evidence_file`` gains what OCR made of a scan: ``ocr_confidence`` (mean word confidence, 0-100, over the OCRed
pages; NULL when the file was not OCRed), ``ocr_pages`` (JSON: per page confidence, words, seconds, rotation,
skew, page segmentation mode) and ``searchable_sha256`` (the blob of the searchable PDF copy). Existing rows keep
NULL: files OCRed before this revision show no quality until ``evidence-repo reindex --re-extract`` reads them
again.
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('evidence_file', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ocr_confidence', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('ocr_pages', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('searchable_sha256', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('evidence_file', schema=None) as batch_op:
        batch_op.drop_column('searchable_sha256')
        batch_op.drop_column('ocr_pages')
        batch_op.drop_column('ocr_confidence')
