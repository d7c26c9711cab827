"""month reviews: the office returns a unit's month with its reason, or marks it reviewed

A return (退回) makes the month incomplete until the liaison sends materials after it;
scoring.judge_month reads the returns' times. Rows are only added: the month's history.

Revision ID: 0022
Revises: 0018
Create Date: 2026-12-04
"""
from alembic import op
import sqlalchemy as sa


revision = '0022'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('month_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('by', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_month_reviews_unit_month', 'month_reviews', ['unit_id', 'month'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_month_reviews_unit_month', table_name='month_reviews')
    op.drop_table('month_reviews')
