"""appeals: a liaison's 申诉 about a month, and the office's decision (waived or kept)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-04
"""
from alembic import op
import sqlalchemy as sa


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('appeals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('liaison_id', sa.Integer(), nullable=True),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['liaison_id'], ['liaisons.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_appeals_state', 'appeals', ['state'], unique=False)
    op.create_index('ix_appeals_unit_month', 'appeals', ['unit_id', 'month'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_appeals_unit_month', table_name='appeals')
    op.drop_index('ix_appeals_state', table_name='appeals')
    op.drop_table('appeals')
