"""The office's pages and exports send as many SQL statements for 30 units as for 3: none
is sent per unit (bench/admin_pages.py times them at 2,000)."""
from __future__ import annotations

from sqlalchemy import event

from bot.app import create_app
from bot.memo import Memo
from tests.admin_support import make_users, sign_in, small_history
from tests.conftest import SUMMARY, add_unit, jpeg_bytes

PAGES = ["/admin/board?span=12", "/admin/board?span=3&category=key", "/admin/scores",
         "/admin/scores?quarter=2026Q1", "/admin/scores/year?year=2026", "/admin/charts",
         "/admin/units/{unit}?quarter=2026Q1", "/admin/units/{unit}/inputs?quarter=2026Q1",
         "/admin/evidence", "/admin/scores/export.xlsx?quarter=2026Q1",
         "/admin/scores/export.csv?quarter=2026Q1", "/admin/scores/year/export.xlsx",
         "/admin/facts/template.xlsx?quarter=2026Q1", "/admin/audit"]


def statements(services, client, unit: int) -> dict[str, int]:
    """Each page's statements, computed afresh (nothing kept from before)."""
    counted: list[str] = []

    def count(_conn, _cursor, statement, *_):
        counted.append(statement)

    event.listen(services.engine, "before_cursor_execute", count)
    found = {}
    try:
        for page in (p.format(unit=unit) for p in PAGES):
            services.memo = Memo()
            counted.clear()
            assert client.get(page).status_code == 200, page
            found[page] = len(counted)
    finally:
        event.remove(services.engine, "before_cursor_execute", count)
    return found


def test_the_pages_send_as_many_statements_for_30_units_as_for_3(services, dialogue, clock):
    make_users(services)
    unit = small_history(services, dialogue, clock)["党校"]
    client = create_app(services=services).test_client()
    sign_in(client)
    few = statements(services, client, unit)
    for n in range(27):
        add_unit(services, f"测试单位{n:02d}", ("key", "department", "stationed")[n % 3],
                 [f"console:unit{n}"])
        dialogue.say(f"console:unit{n}", SUMMARY)
        dialogue.photo(f"console:unit{n}", jpeg_bytes(seed=n + 10))
    assert statements(services, client, unit) == few
