"""outbox receipts: a pending receipt keeps its fields beside its text

A burst of receipts is merged into one message on these fields (bot/channels/outbox.py),
not by reading the Chinese labels back out of the text. Rows written before this have
none: they are sent as their text.

Revision ID: 0016
Revises: 0009
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox') as batch:
        batch.add_column(sa.Column('receipt', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbox') as batch:
        batch.drop_column('receipt')
