"""office facts

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('bonus_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('level', sa.String(length=20), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('bonus_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bonus_entries_unit_id'), ['unit_id'], unique=False)

    op.create_table('deductions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('points', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('deductions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deductions_unit_id'), ['unit_id'], unique=False)

    op.create_table('media_stories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('quarter', sa.String(length=6), nullable=False),
    sa.Column('story', sa.String(length=200), nullable=False),
    sa.Column('level', sa.String(length=20), nullable=False),
    sa.Column('published_on', sa.Date(), nullable=True),
    sa.Column('outlet', sa.String(length=200), nullable=False),
    sa.Column('link', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('media_stories', schema=None) as batch_op:
        batch_op.create_index('ix_media_stories_unit_quarter', ['unit_id', 'quarter'], unique=False)

    op.create_table('quarter_facts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('quarter', sa.String(length=6), nullable=False),
    sa.Column('annual_plan', sa.Boolean(), nullable=True),
    sa.Column('annual_summary', sa.Boolean(), nullable=True),
    sa.Column('materials_uploaded', sa.Boolean(), nullable=True),
    sa.Column('team_flag', sa.Boolean(), nullable=True),
    sa.Column('uniforms_sufficient', sa.Boolean(), nullable=True),
    sa.Column('uniforms_worn', sa.Boolean(), nullable=True),
    sa.Column('staff_on_post', sa.Integer(), nullable=True),
    sa.Column('registered_volunteers', sa.Integer(), nullable=True),
    sa.Column('trainings', sa.Integer(), nullable=True),
    sa.Column('service_items', sa.Integer(), nullable=True),
    sa.Column('services', sa.Integer(), nullable=True),
    sa.Column('volunteer_hours', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('awareness_rate', sa.Numeric(precision=6, scale=2), nullable=True),
    sa.Column('brand_plan', sa.Boolean(), nullable=True),
    sa.Column('brand_promoted', sa.Boolean(), nullable=True),
    sa.Column('satisfaction', sa.String(length=20), nullable=True),
    sa.Column('media_entered', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('unit_id', 'quarter')
    )
    with op.batch_alter_table('quarter_facts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quarter_facts_quarter'), ['quarter'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('quarter_facts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quarter_facts_quarter'))

    op.drop_table('quarter_facts')
    with op.batch_alter_table('media_stories', schema=None) as batch_op:
        batch_op.drop_index('ix_media_stories_unit_quarter')

    op.drop_table('media_stories')
    with op.batch_alter_table('deductions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deductions_unit_id'))

    op.drop_table('deductions')
    with op.batch_alter_table('bonus_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bonus_entries_unit_id'))

    op.drop_table('bonus_entries')
