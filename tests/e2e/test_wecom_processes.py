"""WeCom through the real processes: `python -m bot serve` (gunicorn) and `python -m bot
worker`, configured by file, against the fake WeCom API."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bot.clock import SystemClock
from tests.conftest import SUMMARY, jpeg_bytes
from tests.fakes.wecom_api import FakeWecomApi
from tests.fakes.wecom_client import AES_KEY, AGENT_ID, CORP_ID, TOKEN, Member
from tests.processes import free_port, stop, wait_for, wait_healthy

CORP, AGENT, SECRET = CORP_ID, AGENT_ID, "s3cret"


@pytest.fixture
def fake_api():
    with FakeWecomApi(CORP, SECRET) as api:
        yield api


@pytest.fixture
def cfg(config, tmp_path, fake_api):
    units = tmp_path / "units.csv"
    units.write_text("name,category,liaisons\n县委党校,key,wecom:ZhangSan\n", encoding="utf-8")
    path = tmp_path / "bot.toml"
    path.write_text(f'[database]\nurl = "{config.database.url}"\n'
                    f'[files]\ndir = "{config.files.dir}"\n'
                    '[worker]\npoll_seconds = 0.2\n'
                    f'[wecom]\ncorp_id = "{CORP}"\nagent_id = {AGENT}\napi_base = "{fake_api.url}"\n',
                    encoding="utf-8")
    # The secrets come from the environment, as in production.
    env = {**os.environ, "BOT_WECOM_SECRET": SECRET, "BOT_WECOM_TOKEN": TOKEN,
           "BOT_WECOM_ENCODING_AES_KEY": AES_KEY}
    subprocess.run([sys.executable, "-m", "bot", "--config", str(path), "init", "--units",
                    str(units)], check=True, capture_output=True, timeout=120, env=env)
    return str(path), env


def start(env, *args) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "bot", *args], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True, env=env)


def test_gunicorn_and_the_worker_answer_a_text_and_push_a_photo_receipt(cfg, fake_api):
    path, env = cfg
    fake_api.add_media("MEDIA_P", jpeg_bytes(seed=3))
    port = free_port()
    procs = [start(env, "--config", path, "serve", "--host", "127.0.0.1", "--port", str(port)),
             start(env, "--config", path, "worker")]
    try:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, procs[0])
        member = Member(url, SystemClock())
        assert "县委党校" in member.say(SUMMARY)
        resp = member.post("image", PicUrl="", MediaId="MEDIA_P")
        assert resp.status_code == 200 and resp.content == b""
        [(touser, receipt)] = wait_for(fake_api.sent_texts)
        assert touser == "ZhangSan" and "已记录：图片 1 张" in receipt and "图片 1 张" in receipt
        assert len(fake_api.calls_to("gettoken")) == 1
    finally:
        for proc in procs:
            stop(proc)
