"""audit log: an index by entity, so that the latest change of one kind is one lookup

The office's score tables are kept under a mark of the quarter's facts (storage.queries
.fact_marks), whose last part is the audit log's latest entry about quarter facts (every
change of a fact writes one, in the same transaction). Led by the entity, then the id,
this index finds it without reading the log; the audit page's filter by kind of change
reads it too.

Revision ID: 0028
Revises: 0025
Create Date: 2026-12-02
"""
from alembic import op


revision = '0028'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_log_entity', ['entity', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_log_entity')
