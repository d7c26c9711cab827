"""Facts are stored one row per unit, quarter and fact name, whatever the rubric declares;
the migration that brought this copies what the old one-column-per-fact table held, and
its downgrade puts Xixiang's facts back."""
from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from alembic import command

from storage.db import alembic_config, make_engine
from tests.conftest import add_unit
from tests.facts_kit import facts_of, put_facts

ENTERED = {"annual_plan": True, "annual_summary": False, "staff_on_post": 50,
           "registered_volunteers": 39, "volunteer_hours": Decimal("150.50"),
           "awareness_rate": Decimal("76.50"), "satisfaction": "good"}


def migrate_to(db_url: str, revision: str, down: bool = False) -> None:
    cfg = alembic_config(db_url)
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            (command.downgrade if down else command.upgrade)(cfg, revision)
    finally:
        engine.dispose()


def test_a_downgrade_and_upgrade_keep_every_value_entered(services, db_url):
    unit = add_unit(services, "县妇联")
    other = add_unit(services, "团县委")
    put_facts(services, unit, "2026Q1", **ENTERED, media_entered=True)
    put_facts(services, other, "2026Q2", services=8)
    before = (facts_of(services, unit), facts_of(services, other))
    migrate_to(db_url, "0015", down=True)
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            rows = {r.unit_id: r for r in conn.execute(sa.text(
                "SELECT unit_id, staff_on_post, volunteer_hours, satisfaction, media_entered, "
                "services, annual_summary FROM quarter_facts"))}
    finally:
        engine.dispose()
    migrate_to(db_url, "head")
    assert rows[unit].staff_on_post == 50 and Decimal(rows[unit].volunteer_hours) == Decimal(
        "150.5") and rows[unit].satisfaction == "good" and rows[unit].media_entered
    assert not rows[unit].annual_summary and rows[unit].services is None
    assert rows[other].services == 8 and not rows[other].media_entered
    assert (facts_of(services, unit), facts_of(services, other)) == before
    assert before[0]["media"] is True and before[0]["volunteer_hours"] == Decimal("150.50")


def test_a_fact_blanked_again_is_no_longer_stored(services):
    unit = add_unit(services, "县妇联")
    put_facts(services, unit, "2026Q1", staff_on_post=50, trainings=2)
    put_facts(services, unit, "2026Q1", staff_on_post=None)
    assert facts_of(services, unit) == {"trainings": 2}
