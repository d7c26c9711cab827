"""A return and an appeal end to end through WeCom: our server over real HTTP, the fake
WeCom API, a member who encrypts and signs as WeCom does, the worker delivering the
office's notices by message/send; the office acts in its console.

November 2026: 县委党校 completes on the 10th; the office returns it on Thursday the 12th
(fix by Tuesday the 17th); the liaison reads why in WeCom, fixes it on the 16th and the
receipt says the original time stands; October was missed, the liaison appeals, the
office waives it and the liaison reads the decision.
"""
from __future__ import annotations

from sqlalchemy import select

from bot.app import create_app
from storage.db import UnitOfWork
from storage.models import Appeal, Unit
from tests.admin_support import make_users, post, sign_in
from tests.conftest import SUMMARY, shanghai
from tests.conftest import jpeg_bytes
from tests.e2e.test_wecom import USER, deliver, fake_api, server, wecom_services  # noqa: F401
from tests.fakes.wecom_client import Member


def test_a_return_its_fix_and_an_appeal_through_wecom(server, clock, wecom_services,  # noqa: F811
                                                       fake_api):  # noqa: F811
    make_users(wecom_services)
    office = create_app(services=wecom_services).test_client()
    sign_in(office)
    with UnitOfWork(wecom_services.session_factory) as uow:
        unit_id = uow.session.scalars(select(Unit.id)).one()
        uow.session.get(Unit, unit_id).created_at = shanghai(2026, 9, 1, 9, 0, 0)
        uow.commit()
    member = Member(server, clock)

    clock.set(shanghai(2026, 11, 10, 9, 0, 0))
    member.say(SUMMARY)
    fake_api.add_media("M1", jpeg_bytes(seed=1))
    member.post("image", PicUrl="", MediaId="M1")
    deliver(wecom_services, clock)
    assert "已齐全，按时报送" in fake_api.sent_texts()[-1][1]

    clock.set(shanghai(2026, 11, 12, 10, 0, 0))
    page = f"/admin/units/{unit_id}?quarter=2026Q4"
    post(office, f"/admin/units/{unit_id}/months/2026-11/return",
         {"reasons": ["unrelated_photos"], "note": "请补充活动现场照片"}, page=page)
    deliver(wecom_services, clock)
    touser, notice = fake_api.sent_texts()[-1]
    assert touser == USER and notice.startswith("【小结退回】「县委党校」2026年11月的小结被中心办公室退回。")
    assert "原因：照片与活动无关；请补充活动现场照片" in notice
    assert "请在11月17日（含当日）前补交" in notice
    assert "已退回：照片与活动无关" in member.say("状态")

    clock.set(shanghai(2026, 11, 16, 15, 0, 0))
    receipt = member.say("补充：活动现场照片随后发送，本次活动共服务老人八十余人次。")
    assert "状态：已补交，按原完成时间计；已齐全，按时报送（完成于 2026-11-10 09:00" in receipt

    clock.set(shanghai(2026, 12, 2, 10, 0, 0))
    ack = member.say("申诉 当月25日全县停电，无法上传材料")
    assert ack.startswith("已收到您的申诉（编号 ") and "「县委党校」2026年10月" in ack
    with UnitOfWork(wecom_services.session_factory) as uow:
        [appeal_id] = uow.session.scalars(select(Appeal.id)).all()
    post(office, f"/admin/appeals/{appeal_id}/decide",
         {"decision": "waive", "reason": "停电属实"}, page="/admin/appeals")
    deliver(wecom_services, clock)
    touser, decision = fake_api.sent_texts()[-1]
    assert touser == USER and decision.startswith("【申诉处理结果】您对「县委党校」2026年10月的申诉")
    assert "中心办公室决定豁免该月，该月不再扣分。\n理由：停电属实" in decision
