"""work items: a priority, so receipts are claimed before a queued burst of downloads

Lower is claimed first (storage/queue.py). Existing items get 0, the priority of short
work; the due index leads with it after the state, in the claim's order.

Revision ID: 0007
Revises: 0008
Create Date: 2026-11-29
"""
import sqlalchemy as sa
from alembic import op


revision = '0007'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('work_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('priority', sa.Integer(), server_default='0',
                                      nullable=False))
        batch_op.drop_index('ix_work_items_due')
        batch_op.create_index('ix_work_items_due', ['state', 'priority', 'run_after'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('work_items', schema=None) as batch_op:
        batch_op.drop_index('ix_work_items_due')
        batch_op.create_index('ix_work_items_due', ['state', 'run_after'], unique=False)
        batch_op.drop_column('priority')
