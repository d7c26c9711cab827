"""One running house for the hostile-input suite: a real HTTP server with every channel on
(WeCom, DingTalk HTTP mode, the console) and the office console, fake WeCom and DingTalk
APIs as real local servers, a bound liaison on each platform and a signed-in office admin.

It lives for a module and a database, so that hundreds of payloads cost one server each;
every check therefore counts what a payload added, not what the tables hold."""
from __future__ import annotations

import threading
from dataclasses import dataclass

import pytest
import requests
from sqlalchemy import func, select
from werkzeug.serving import make_server

from bot.app import create_app
from bot.clock import FixedClock
from bot.config import build_config
from bot.bootstrap import Services, build_services
from storage.db import UnitOfWork, make_engine
from storage.models import Base, InboundMessage, WorkItem
from tests.admin_support import ADMIN, TOKEN as CSRF, make_users
from tests.conftest import BACKENDS, add_unit, shanghai
from tests.fakes.dingtalk_api import FakeDingtalkApi
from tests.fakes.dingtalk_client import APP_KEY, APP_SECRET, DingtalkMember
from tests.fakes.wecom_api import FakeWecomApi
from tests.fakes.wecom_client import AES_KEY, AGENT_ID, CORP_ID, TOKEN, Member

UNIT, WECOM_USER, STAFF, CONSOLE_USER = "县委党校", "ZhangSan", "manager0001", "县委党校"


@dataclass
class House:
    url: str
    services: Services
    clock: FixedClock
    wecom: Member
    dingtalk: DingtalkMember
    office: requests.Session
    wecom_api: FakeWecomApi
    dingtalk_api: FakeDingtalkApi

    def stored(self) -> tuple[int, int]:
        """(messages, work items) stored so far."""
        with UnitOfWork(self.services.session_factory) as uow:
            return (uow.session.scalar(select(func.count()).select_from(InboundMessage)),
                    uow.session.scalar(select(func.count()).select_from(WorkItem)))

    def last_message(self) -> InboundMessage:
        with UnitOfWork(self.services.session_factory) as uow:
            row = uow.session.scalars(select(InboundMessage)
                                      .order_by(InboundMessage.id.desc())).first()
            uow.session.expunge(row)
            return row

    def healthy(self) -> bool:
        return requests.get(f"{self.url}/healthz", timeout=30).json() == {"ok": True}


def _emptied(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())
    engine.dispose()


def _signed_in(url: str) -> requests.Session:
    browser = requests.Session()
    page = browser.get(f"{url}/admin/login", timeout=30).text
    resp = browser.post(f"{url}/admin/login", timeout=30, allow_redirects=False,
                        data={"name": ADMIN[0], "password": ADMIN[1],
                              "csrf_token": CSRF.search(page).group(1)})
    assert resp.status_code == 302, resp.text
    return browser


@pytest.fixture(scope="module", params=BACKENDS)
def house(request, database_urls, tmp_path_factory):
    db_url = database_urls[request.param]
    _emptied(db_url)
    clock = FixedClock(shanghai(2026, 3, 20, 10, 0, 0))
    files = tmp_path_factory.mktemp("hostile-files")
    with FakeWecomApi(CORP_ID, "s3cret") as wecom_api, \
            FakeDingtalkApi(APP_KEY, APP_SECRET, clock=clock) as dingtalk_api:
        config = build_config({
            "database": {"url": db_url}, "files": {"dir": str(files)},
            "wecom": {"corp_id": CORP_ID, "agent_id": AGENT_ID, "secret": "s3cret",
                      "token": TOKEN, "encoding_aes_key": AES_KEY, "api_base": wecom_api.url},
            "dingtalk": {"app_key": APP_KEY, "app_secret": APP_SECRET, "mode": "http",
                         "api_base": dingtalk_api.url, "oapi_base": dingtalk_api.url}})
        services = build_services(config, clock=clock)
        add_unit(services, UNIT, liaisons=[f"wecom:{WECOM_USER}", f"dingtalk:{STAFF}",
                                           f"console:{CONSOLE_USER}"])
        make_users(services)
        httpd = make_server("127.0.0.1", 0, create_app(services=services), threaded=True)
        # A DingTalk reply goes out after the response, on the request's thread: wait for it.
        httpd.daemon_threads, httpd.block_on_close = False, True
        thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
        thread.start()
        url = f"http://127.0.0.1:{httpd.server_port}"
        office = _signed_in(url)
        try:
            yield House(url=url, services=services, clock=clock,
                        wecom=Member(url, clock, WECOM_USER),
                        dingtalk=DingtalkMember(url, clock, dingtalk_api, staff_id=STAFF),
                        office=office, wecom_api=wecom_api, dingtalk_api=dingtalk_api)
        finally:
            office.close()
            httpd.shutdown()
            httpd.server_close()
            thread.join(30)
            services.close()
