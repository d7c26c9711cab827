"""summary items: one index that answers a unit's month by itself

Every message sums its unit's month in send order. With the send time and the summed
columns in the index, that reads the index alone, already in order, instead of
looking up each item's row and sorting. It replaces the (unit_id, month) index,
whose queries it serves as well.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""
from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

COLUMNS = ['unit_id', 'month', 'sent_at', 'kind', 'chars', 'withdrawn_at']


def upgrade() -> None:
    with op.batch_alter_table('summary_items', schema=None) as batch_op:
        batch_op.drop_index('ix_summary_items_unit_month')
        batch_op.create_index('ix_summary_items_unit_month_sent', COLUMNS, unique=False)


def downgrade() -> None:
    with op.batch_alter_table('summary_items', schema=None) as batch_op:
        batch_op.drop_index('ix_summary_items_unit_month_sent')
        batch_op.create_index('ix_summary_items_unit_month', ['unit_id', 'month'],
                              unique=False)
