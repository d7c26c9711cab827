"""undelivered recipients: who a notice did not reach, and the platform's reason

A notice's recipients that the platform answered it did not deliver to (WeCom's
invaliduser/unlicenseduser, DingTalk's invalidStaffIdList/filteredStaffIdList, ...)
get a row each with the reason, instead of a bare list of ids on the notice. The ids
already in notices.invalid move over with the reason they had: the platform refused
them as invalid.

Revision ID: 0013
Revises: 0007
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0007'
branch_labels = None
depends_on = None

FORMER_REASON = '平台答复账号无效（invaliduser / invalidStaffIdList）'


def upgrade() -> None:
    # Read the old lists first: on SQLite dropping the column rebuilds `notices`, which
    # must happen before any row refers to it.
    notices = sa.table('notices', sa.column('id', sa.Integer()), sa.column('invalid', sa.JSON()),
                       sa.column('sent_at', sa.DateTime(timezone=True)),
                       sa.column('created_at', sa.DateTime(timezone=True)))
    rows = [{'notice_id': n.id, 'user_id': user, 'reason': FORMER_REASON,
             'recorded_at': n.sent_at or n.created_at}
            for n in op.get_bind().execute(
                sa.select(notices).where(notices.c.invalid.is_not(None)))
            for user in dict.fromkeys(n.invalid or [])]
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.drop_column('invalid')
    table = op.create_table('undelivered_recipients',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.String(length=128), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['notice_id'], ['notices.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('notice_id', 'user_id')
    )
    if rows:
        op.bulk_insert(table, rows)


def downgrade() -> None:
    op.drop_table('undelivered_recipients')
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invalid', sa.JSON(), nullable=True))
