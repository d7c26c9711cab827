"""holiday arrangements: the State Council's 放假调休安排 of a year, entered by the office

chinesecalendar knows the arrangement only up to the year it was released for; the
office enters later years in /admin, and they take precedence over the package and
the config's extra lists.

Revision ID: 0009
Revises: 0013
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('holiday_arrangements',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('holidays', sa.JSON(), nullable=False),
    sa.Column('workdays', sa.JSON(), nullable=False),
    sa.Column('entered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('entered_by', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('year')
    )


def downgrade() -> None:
    op.drop_table('holiday_arrangements')
