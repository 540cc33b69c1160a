"""a set of roles per user; a session version per user

Revision ID: 0007b
Revises: 0006
Create Date: 2026-12-01 13:50:00.000000

* ``user_role`` (user_id, role): every existing user keeps the one role its ``user.role`` column held, then
  that column is dropped (``policy.py`` reads the set).
* ``user.session_version``: 1 for everyone; a password change or reset moves it forward, which ends the
  user's other sessions and remember-me cookies.
"""
import sqlalchemy as sa
from alembic import op

revision = '0007b'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('user_role',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_user_role_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'role', name=op.f('pk_user_role'))
    )
    conn = op.get_bind()
    user = sa.table('user', sa.column('id', sa.Integer), sa.column('role', sa.String))
    user_role = sa.table('user_role', sa.column('user_id', sa.Integer), sa.column('role', sa.String))
    rows = [{"user_id": uid, "role": role} for uid, role in conn.execute(sa.select(user.c.id, user.c.role)) if role]
    if rows:
        conn.execute(user_role.insert(), rows)
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='1', nullable=False))
        batch_op.drop_column('role')


def downgrade() -> None:
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('role', sa.String(length=20), server_default='staff', nullable=False))
        batch_op.drop_column('session_version')
    conn = op.get_bind()
    user = sa.table('user', sa.column('id', sa.Integer), sa.column('role', sa.String))
    user_role = sa.table('user_role', sa.column('user_id', sa.Integer), sa.column('role', sa.String))
    # the most powerful role held survives the downgrade
    for name in ('committee', 'staff', 'admin'):
        held = sa.select(user_role.c.user_id).where(user_role.c.role == name)
        conn.execute(user.update().where(user.c.id.in_(held)).values(role=name))
    op.drop_table('user_role')
