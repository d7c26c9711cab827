"""summary items: an index that answers a month of every unit by itself

The office's pages read a month of every unit at once (the board, the tables, the
charts), and first its mark (bot/month_books.py: how many items, the largest id, the
characters summed, how many withdrawn). The index that serves a unit's month leads
with the unit, so those read every item ever sent; led by the month, with every column
they read, they read only that month's entries of this index.

Revision ID: 0025
Revises: 0023
Create Date: 2026-12-02
"""
from alembic import op


revision = '0025'
down_revision = '0023'
branch_labels = None
depends_on = None

COLUMNS = ['month', 'unit_id', 'kind', 'chars', 'sent_at', 'withdrawn_at', 'id']


def upgrade() -> None:
    with op.batch_alter_table('summary_items', schema=None) as batch_op:
        batch_op.create_index('ix_summary_items_month', COLUMNS, unique=False)


def downgrade() -> None:
    with op.batch_alter_table('summary_items', schema=None) as batch_op:
        batch_op.drop_index('ix_summary_items_month')
