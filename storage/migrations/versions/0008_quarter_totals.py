"""quarter totals entered by hand

A quarter assessed outside the bot (before a unit was on it) gets its total from the
office, with a reason; that total stands for the quarter.

Revision ID: 0008
Revises: 0006
Create Date: 2026-11-28
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('quarter_totals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('quarter', sa.String(length=6), nullable=False),
    sa.Column('total', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('unit_id', 'quarter')
    )
    with op.batch_alter_table('quarter_totals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quarter_totals_quarter'), ['quarter'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('quarter_totals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quarter_totals_quarter'))

    op.drop_table('quarter_totals')
