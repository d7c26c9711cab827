"""audit log unit: the unit each change concerns, for the office's unit filter

Every writer now records the unit its change concerns (bot/audit.py). Entries written
before get it where what they stored tells: a unit's own id, an id of the form
`unit:month` or `unit:quarter`, a `unit_id` or a unit's name among the values, or the
row the entry names (a summary item, a binding code, a bonus or deduction entry, a media
story, a refused file) when it is still there. The rest (accounts, the calendar,
reminders, and deleted rows that named no unit) stay without one.

Revision ID: 0015
Revises: 0017
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0017'
branch_labels = None
depends_on = None

PREFIXED = ('month_excuse', 'quarter_facts', 'media_stories', 'quarter_total')  # "unit:period"
ROWS = {'summary_item': 'summary_items', 'binding_code': 'binding_codes',
        'bonus_entry': 'bonus_entries', 'deduction': 'deductions', 'media_story': 'media_stories',
        'rejected_file': 'rejected_files'}


def upgrade() -> None:
    with op.batch_alter_table('audit_log') as batch:
        batch.add_column(sa.Column('unit_id', sa.Integer(), nullable=True))
        batch.create_index('ix_audit_log_unit_id', ['unit_id'], unique=False)
    conn = op.get_bind()
    log = sa.table('audit_log', sa.column('id', sa.Integer()), sa.column('entity', sa.String()),
                   sa.column('entity_id', sa.String()), sa.column('old', sa.JSON()),
                   sa.column('new', sa.JSON()), sa.column('unit_id', sa.Integer()))
    units = sa.table('units', sa.column('id', sa.Integer()), sa.column('name', sa.String()))
    by_name = dict(conn.execute(sa.select(units.c.name, units.c.id)).tuples().all())
    owners = {entity: _owners(conn, table) for entity, table in ROWS.items()}
    found = []
    for row in conn.execute(sa.select(log.c.id, log.c.entity, log.c.entity_id, log.c.old,
                                      log.c.new)):
        unit_id = _unit_of(row, by_name, owners)
        if unit_id is not None:
            found.append({'entry': row.id, 'unit': unit_id})
    if found:
        conn.execute(log.update().where(log.c.id == sa.bindparam('entry'))
                     .values(unit_id=sa.bindparam('unit')), found)


def _owners(conn, table: str) -> dict[str, int]:
    """Each row's id (as the log stores it, text) and its unit."""
    rows = sa.table(table, sa.column('id', sa.Integer()), sa.column('unit_id', sa.Integer()))
    return {str(i): u for i, u in conn.execute(sa.select(rows.c.id, rows.c.unit_id)).tuples()}


def _unit_of(row, by_name: dict[str, int], owners: dict[str, dict[str, int]]) -> int | None:
    entity, key = row.entity, row.entity_id or ''
    if entity == 'unit' or entity in PREFIXED:
        head = key.partition(':')[0]
        return int(head) if head.isdigit() else None
    values = [v for v in (row.new, row.old) if isinstance(v, dict)]
    for value in values:
        if isinstance(value.get('unit_id'), int):
            return value['unit_id']
    if key in owners.get(entity, {}):
        return owners[entity][key]
    for value in values:
        if isinstance(value.get('unit'), str) and value['unit'] in by_name:
            return by_name[value['unit']]
    return None


def downgrade() -> None:
    with op.batch_alter_table('audit_log') as batch:
        batch.drop_index('ix_audit_log_unit_id')
        batch.drop_column('unit_id')
