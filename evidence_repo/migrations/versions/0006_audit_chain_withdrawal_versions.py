"""hash-chained audit log, withdrawn evidence, purged and published file versions

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 14:00:00.000000

Existing data is kept and given the new values:

* ``audit_record.prev_hash`` / ``hash``: every existing record is chained in id order, exactly as the app
  chains new ones (``evidence_repo.audit.chain``); ``actor`` stays empty (the user id says who, as before).
* ``evidence.withdrawn_*``: empty (nothing was withdrawn). ``evidence_file.published``: false (older versions
  of public evidence become staff-only; the current version is public as before). ``purged_at``: empty.
"""
import sqlalchemy as sa
from alembic import op

import evidence_repo.db
from evidence_repo.audit.chain import GENESIS, canonical_at, record_hash

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('audit_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('actor', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('hash', sa.String(length=64), nullable=True))
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdrawn_at', evidence_repo.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_evidence_withdrawn_by_id_user'), 'user', ['withdrawn_by_id'],
                                    ['id'])
    with op.batch_alter_table('evidence_file', schema=None) as batch_op:
        batch_op.add_column(sa.Column('published', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('purged_at', evidence_repo.db.UTCDateTime(), nullable=True))

    conn = op.get_bind()
    audit = sa.table('audit_record', sa.column('id', sa.Integer), sa.column('at', evidence_repo.db.UTCDateTime),
                     sa.column('user_id', sa.Integer), sa.column('actor', sa.String),
                     sa.column('action', sa.String), sa.column('entity', sa.String),
                     sa.column('entity_id', sa.Integer), sa.column('before', sa.JSON), sa.column('after', sa.JSON),
                     sa.column('prev_hash', sa.String), sa.column('hash', sa.String))
    previous = GENESIS
    rows = conn.execute(sa.select(audit.c.id, audit.c.at, audit.c.user_id, audit.c.actor, audit.c.action,
                                  audit.c.entity, audit.c.entity_id, audit.c.before, audit.c.after)
                        .order_by(audit.c.id)).all()
    for row in rows:
        fields = {"id": row.id, "at": canonical_at(row.at), "user_id": row.user_id, "actor": row.actor,
                  "action": row.action, "entity": row.entity, "entity_id": row.entity_id,
                  "before": row.before, "after": row.after}
        digest = record_hash(previous, fields)
        conn.execute(audit.update().where(audit.c.id == row.id).values(prev_hash=previous, hash=digest))
        previous = digest


def downgrade() -> None:
    with op.batch_alter_table('evidence_file', schema=None) as batch_op:
        batch_op.drop_column('purged_at')
        batch_op.drop_column('published')
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_evidence_withdrawn_by_id_user'), type_='foreignkey')
        batch_op.drop_column('withdrawn_by_id')
        batch_op.drop_column('withdrawn_reason')
        batch_op.drop_column('withdrawn_at')
    with op.batch_alter_table('audit_record', schema=None) as batch_op:
        batch_op.drop_column('hash')
        batch_op.drop_column('prev_hash')
        batch_op.drop_column('actor')
