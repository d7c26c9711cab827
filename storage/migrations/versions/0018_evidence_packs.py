"""evidence packs: the all-units pack (台账) is built by the worker, not in a request

A row per pack the office asked for: its quarter, status and progress (units written of
how many), who asked and when, when it was done, its size and file (under the file
store's root), the reason it failed, and when the worker removed it once
`[evidence] keep_pack_days` had passed.

Revision ID: 0018
Revises: 0026
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('evidence_packs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('quarter', sa.String(length=6), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('units_done', sa.Integer(), nullable=False),
    sa.Column('units_total', sa.Integer(), nullable=False),
    sa.Column('requested_by', sa.String(length=100), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('size_bytes', sa.BigInteger(), nullable=True),
    sa.Column('path', sa.String(length=255), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_evidence_packs_quarter', 'evidence_packs', ['quarter', 'requested_at'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_evidence_packs_quarter', table_name='evidence_packs')
    op.drop_table('evidence_packs')
