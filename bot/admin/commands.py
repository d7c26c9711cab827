"""`python -m bot admin ...`: office accounts from the command line."""
from __future__ import annotations

import getpass
import sys

from bot.admin.accounts import ROLES, AccountError, create_user, set_password, user_by_name
from bot.services import build_services
from storage.db import UnitOfWork, migrate


def add_parsers(sub) -> None:
    """Register `admin create-user` and `admin set-password`."""
    p = sub.add_parser("admin", help="office accounts for /admin")
    asub = p.add_subparsers(dest="admin_command", required=True)
    c = asub.add_parser("create-user", help="create an account (password from a prompt)")
    c.add_argument("name")
    c.add_argument("--role", choices=ROLES, required=True)
    c.add_argument("--password-stdin", action="store_true",
                   help="read the password from the first line of standard input")
    s = asub.add_parser("set-password", help="give an account a new password")
    s.add_argument("name")
    s.add_argument("--password-stdin", action="store_true")


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
