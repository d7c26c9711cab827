"""`python -m bot admin ...`: office accounts from the command line."""
from __future__ import annotations

import getpass
import sys

from bot.bootstrap import build_services
from bot.office.accounts import ROLES, AccountError, create_user, set_password, user_by_name
from storage.db import UnitOfWork, migrate


def add_parsers(sub) -> None:
    """Register `admin create-user` and `admin set-password`."""
    p = sub.add_parser("admin", help="办公室控制台（/admin）的账号")
    asub = p.add_subparsers(dest="admin_command", required=True)
    c = asub.add_parser("create-user", help="新建账号（提示输入两次密码）")
    c.add_argument("name", help="账号名")
    c.add_argument("--role", choices=ROLES, required=True,
                   help="admin 可修改，viewer 只读")
    c.add_argument("--password-stdin", action="store_true",
                   help="从标准输入的第一行读取密码")
    s = asub.add_parser("set-password", help="给账号设新密码（原有登录随之失效）")
    s.add_argument("name", help="账号名")
    s.add_argument("--password-stdin", action="store_true", help="从标准输入的第一行读取密码")


def read_password(from_stdin: bool) -> str | None:
    """The new password from stdin's first line, or typed twice at a prompt."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("密码：")
    if getpass.getpass("再输入一次：") != first:
        print("两次输入的密码不一致", file=sys.stderr)
        return None
    return first


def cmd_admin(args, config, actor: str) -> int:
    """Create an account or set its password; exit 2 with the reason when it can't."""
    password = read_password(args.password_stdin)
    if password is None:
        return 2
    with build_services(config) as services:
        migrate(services.engine)
        with UnitOfWork(services.session_factory) as uow:
            try:
                if args.admin_command == "create-user":
                    create_user(uow.session, args.name, password, args.role,
                                services.clock.now(), actor)
                    done = f"已创建{'管理员' if args.role == 'admin' else '只读'}账号「{args.name}」"
                else:
                    user = user_by_name(uow.session, args.name)
                    if user is None:
                        raise AccountError(f"没有名为「{args.name}」的账号")
                    set_password(uow.session, user, password, services.clock.now(), actor)
                    done = f"已更新「{args.name}」的密码（原有登录随之失效）"
            except AccountError as exc:
                print(exc, file=sys.stderr)
                return 2
            uow.commit()
    print(done)
    return 0
