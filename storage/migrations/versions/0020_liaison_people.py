"""liaison people: each liaison's phone, and the name the platform gives

The office's unit list may carry each liaison's name (kept in `display_name`, as the
console's binding form already did) and phone; binding by code records the name the
platform shows for the account (DingTalk's senderNick, WeCom's user/get) in
`platform_name`. Pages show the office's name, else the platform's, else the account id.

Revision ID: 0020
Revises: 0015
Create Date: 2026-12-04
"""
from alembic import op
import sqlalchemy as sa


revision = '0020'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (SQLite takes it with a default): no table is rebuilt, so the rows
    # other tables point at stay where they are.
    op.add_column('liaisons', sa.Column('phone', sa.String(length=30), nullable=False,
                                        server_default=''))
    op.add_column('liaisons', sa.Column('platform_name', sa.String(length=100),
                                        nullable=False, server_default=''))


def downgrade() -> None:
    # DROP COLUMN in place (SQLite 3.35+ too): rebuilding the table would break the
    # foreign keys that point at its rows.
    for column in ('platform_name', 'phone'):
        op.execute(f'ALTER TABLE liaisons DROP COLUMN {column}')
