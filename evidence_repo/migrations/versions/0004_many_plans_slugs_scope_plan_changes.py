"""many plans: slugs, archived plans, requirement scope, public plan changes

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 09:00:00.000000

Existing data is kept and given the new values:

* ``plan.slug`` / ``commitment.slug``: derived from the title (python-slugify, at most 80 characters, ``-2``,
  ``-3``… when taken), except the shipped seed plan, recognised by its exact titles, which gets the slugs its
  file now gives it (so ``evidence-repo plan import`` of the shipped seed updates it instead of adding a copy).
* ``plan.archived``: false. ``commitment.position``: its order by id within its plan.
* ``requirement.scope``: what the requirement meant before this revision, so no milestone's compliance changes
  by itself: a requirement of one activity is ``each_activity`` (it was met only by that activity's evidence);
  a requirement of the milestone is ``milestone`` (it was met by any evidence of the milestone). The shipped seed
  now records its session documents (convocatoria, lista de asistencia, memoria fotográfica, minuta, relatorías)
  as ``each_activity``; a database loaded before this revision gets those scopes by importing the seed again,
  which records each scope change in the plan's public history (``plan import --dry-run`` shows them first).
"""
import sqlalchemy as sa
from alembic import op
from slugify import slugify

import evidence_repo.db

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

MAX_SLUG = 80
# The seed's titles and the slugs evidence_repo/seed/jalisco-2019.yaml gives them (frozen here on purpose).
SEED_PLAN = ("Segundo Plan de Acción Local de Gobierno Abierto 2019 “Instituciones abiertas contra la corrupción”",
             "plan-accion-local-jalisco-2019")
SEED_COMMITMENT = ("Análisis del programa “Apoyo a las organizaciones de la sociedad civil” para la propuesta de un "
                   "modelo integral de rendición de cuentas y transparencia de programas sociales",
                   "jalisco-apoyo-organizaciones-sociedad-civil")


def _unique(title: str, fixed: tuple[str, str], taken: set[str]) -> str:
    base = fixed[1] if title == fixed[0] else (slugify(title or "", max_length=MAX_SLUG, word_boundary=True)
                                               or "sin-titulo")
    slug, n = base, 2
    while slug in taken:
        suffix = f"-{n}"
        slug, n = base[: MAX_SLUG - len(suffix)].rstrip("-") + suffix, n + 1
    taken.add(slug)
    return slug


def upgrade() -> None:
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('slug', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('archived', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('commitment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('slug', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('position', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('requirement', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scope', sa.String(length=20), nullable=True))

    conn = op.get_bind()
    plan = sa.table('plan', sa.column('id', sa.Integer), sa.column('title', sa.Text), sa.column('slug', sa.String))
    commitment = sa.table('commitment', sa.column('id', sa.Integer), sa.column('plan_id', sa.Integer),
                          sa.column('title', sa.Text), sa.column('slug', sa.String), sa.column('position', sa.Integer))
    requirement = sa.table('requirement', sa.column('activity_id', sa.Integer), sa.column('scope', sa.String))
    taken: set[str] = set()
    for plan_id, title in conn.execute(sa.select(plan.c.id, plan.c.title).order_by(plan.c.id)).all():
        conn.execute(plan.update().where(plan.c.id == plan_id).values(slug=_unique(title, SEED_PLAN, taken)))
    taken.clear()
    positions: dict[int, int] = {}
    rows = conn.execute(sa.select(commitment.c.id, commitment.c.plan_id, commitment.c.title)
                        .order_by(commitment.c.id)).all()
    for commitment_id, plan_id, title in rows:
        position = positions[plan_id] = positions.get(plan_id, -1) + 1
        conn.execute(commitment.update().where(commitment.c.id == commitment_id)
                     .values(slug=_unique(title, SEED_COMMITMENT, taken), position=position))
    conn.execute(requirement.update().where(requirement.c.activity_id.is_not(None)).values(scope='each_activity'))
    conn.execute(requirement.update().where(requirement.c.activity_id.is_(None)).values(scope='milestone'))

    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.alter_column('slug', existing_type=sa.String(length=80), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_plan_slug'), ['slug'])
    with op.batch_alter_table('commitment', schema=None) as batch_op:
        batch_op.alter_column('slug', existing_type=sa.String(length=80), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_commitment_slug'), ['slug'])
    with op.batch_alter_table('requirement', schema=None) as batch_op:
        batch_op.alter_column('scope', existing_type=sa.String(length=20), nullable=False)
        batch_op.create_check_constraint(batch_op.f('ck_requirement_scope'),
                                         "scope IN ('each_activity', 'milestone')")

    op.create_table('plan_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', evidence_repo.db.UTCDateTime(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('commitment_id', sa.Integer(), nullable=True),
    sa.Column('commitment_slug', sa.String(length=80), nullable=True),
    sa.Column('milestone_number', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=60), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['commitment_id'], ['commitment.id'], name=op.f('fk_plan_change_commitment_id_commitment'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], name=op.f('fk_plan_change_plan_id_plan')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_change'))
    )
    with op.batch_alter_table('plan_change', schema=None) as batch_op:
        batch_op.create_index('ix_plan_change_commitment_at', ['commitment_id', 'at'], unique=False)
        batch_op.create_index('ix_plan_change_plan_at', ['plan_id', 'at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('plan_change', schema=None) as batch_op:
        batch_op.drop_index('ix_plan_change_plan_at')
        batch_op.drop_index('ix_plan_change_commitment_at')
    op.drop_table('plan_change')
    with op.batch_alter_table('requirement', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_requirement_scope'), type_='check')
        batch_op.drop_column('scope')
    with op.batch_alter_table('commitment', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_commitment_slug'), type_='unique')
        batch_op.drop_column('position')
        batch_op.drop_column('slug')
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_plan_slug'), type_='unique')
        batch_op.drop_column('archived')
        batch_op.drop_column('slug')
