"""quarter fact values: each fact the office enters, by the rubric's name, one row each

Until now `quarter_facts` had one column per fact of Xixiang's rubric, so a rubric with
other facts needed a schema change. Each entered fact is now one row of
`quarter_fact_values` (unit, quarter, the fact's name, its value as JSON: true/false, an
integer, a decimal as text, a grade's key; for the stories fact `media`, true when its
stories are counted). The upgrade copies every value entered, with who entered it and
when, then drops `quarter_facts`. The downgrade puts Xixiang's facts back in their
columns (the values of other facts have no column to go to and are lost).

Revision ID: 0026
Revises: 0020
Create Date: 2026-12-10
"""
from decimal import Decimal

from alembic import op
import sqlalchemy as sa


revision = '0026'
down_revision = '0020'
branch_labels = None
depends_on = None

FLAGS = ('annual_plan', 'annual_summary', 'materials_uploaded', 'team_flag',
         'uniforms_sufficient', 'uniforms_worn', 'brand_plan', 'brand_promoted')
COUNTS = ('staff_on_post', 'registered_volunteers', 'trainings', 'service_items', 'services')
DECIMALS = {'volunteer_hours': (12, 2), 'awareness_rate': (6, 2)}
GRADES = ('satisfaction',)
STORIES = 'media'   # quarter_facts.media_entered: the media stories are counted


def _old_columns() -> list:
    return ([sa.Column(n, sa.Boolean(), nullable=True) for n in FLAGS[:6]]
            + [sa.Column(n, sa.Integer(), nullable=True) for n in COUNTS]
            + [sa.Column(n, sa.Numeric(precision=p, scale=s), nullable=True)
               for n, (p, s) in DECIMALS.items()]
            + [sa.Column(n, sa.Boolean(), nullable=True) for n in FLAGS[6:]]
            + [sa.Column(GRADES[0], sa.String(length=20), nullable=True),
               sa.Column('media_entered', sa.Boolean(), nullable=False)])


def _old_table() -> sa.Table:
    return sa.table('quarter_facts', sa.column('unit_id', sa.Integer()),
                    sa.column('quarter', sa.String()),
                    sa.column('updated_at', sa.DateTime(timezone=True)),
                    sa.column('updated_by', sa.String()),
                    *(sa.column(c.name, c.type) for c in _old_columns()))


def _new_table() -> sa.Table:
    return sa.table('quarter_fact_values', sa.column('unit_id', sa.Integer()),
                    sa.column('quarter', sa.String()), sa.column('name', sa.String()),
                    sa.column('value', sa.JSON()),
                    sa.column('updated_at', sa.DateTime(timezone=True)),
                    sa.column('updated_by', sa.String()))


def _stored(name: str, value):
    if name in DECIMALS:
        return f"{value:f}"
    if name in COUNTS:
        return int(value)
    if name in FLAGS:
        return bool(value)
    return value


def upgrade() -> None:
    op.create_table('quarter_fact_values',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('quarter', sa.String(length=6), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('value', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('unit_id', 'quarter', 'name')
    )
    with op.batch_alter_table('quarter_fact_values', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quarter_fact_values_quarter'), ['quarter'],
                              unique=False)
    conn = op.get_bind()
    old, names = _old_table(), (*FLAGS, *COUNTS, *DECIMALS, *GRADES)
    rows = []
    for row in conn.execute(sa.select(old)).mappings():
        at = {'unit_id': row['unit_id'], 'quarter': row['quarter'],
              'updated_at': row['updated_at'], 'updated_by': row['updated_by']}
        rows += [{**at, 'name': n, 'value': _stored(n, row[n])} for n in names
                 if row[n] is not None]
        if row['media_entered']:
            rows.append({**at, 'name': STORIES, 'value': True})
    if rows:
        conn.execute(_new_table().insert(), rows)
    with op.batch_alter_table('quarter_facts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quarter_facts_quarter'))
    op.drop_table('quarter_facts')


def downgrade() -> None:
    op.create_table('quarter_facts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('quarter', sa.String(length=6), nullable=False),
    *_old_columns(),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('unit_id', 'quarter')
    )
    with op.batch_alter_table('quarter_facts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quarter_facts_quarter'), ['quarter'], unique=False)
    conn = op.get_bind()
    new, columns = _new_table(), {c.name for c in _old_columns()}
    rows: dict = {}
    for row in conn.execute(sa.select(new).order_by(new.c.updated_at)).mappings():
        key = (row['unit_id'], row['quarter'])
        entry = rows.setdefault(key, {'unit_id': key[0], 'quarter': key[1],
                                      'media_entered': False,
                                      **{c: None for c in columns - {'media_entered'}}})
        entry['updated_at'], entry['updated_by'] = row['updated_at'], row['updated_by']
        if row['name'] == STORIES:
            entry['media_entered'] = bool(row['value'])
        elif row['name'] in DECIMALS:
            entry[row['name']] = Decimal(row['value'])
        elif row['name'] in columns:
            entry[row['name']] = row['value']
    if rows:
        conn.execute(_old_table().insert(), list(rows.values()))
    with op.batch_alter_table('quarter_fact_values', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quarter_fact_values_quarter'))
    op.drop_table('quarter_fact_values')
