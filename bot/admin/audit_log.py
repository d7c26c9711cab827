"""The audit log: every change, by whom and when, with the old and the new value."""
from __future__ import annotations

import json

from flask import abort, render_template, request
from sqlalchemy import func, select

from bot.admin.web import bp, unit_of_work
from storage.models import AuditEntry

PAGE = 100


def shown(value) -> str:
    """A stored old or new value as readable JSON (Chinese kept as is)."""
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


@bp.get("/audit")
def audit():
    """Newest first, filtered by actor or entity, a page at a time."""
    page = max(request.args.get("page", type=int) or 1, 1)
    actor = (request.args.get("actor") or "").strip()
    entity = (request.args.get("entity") or "").strip()
    query = select(AuditEntry)
    if actor:
        query = query.where(AuditEntry.actor.contains(actor, autoescape=True))
    if entity:
        query = query.where(AuditEntry.entity == entity)
    with unit_of_work() as uow:
        total = uow.session.scalar(select(func.count()).select_from(query.subquery()))
        if page > 1 and (page - 1) * PAGE >= total:
            abort(404)   # past the last page (also a number no database offset takes)
        entries = uow.session.scalars(query.order_by(AuditEntry.id.desc())
                                      .offset((page - 1) * PAGE).limit(PAGE)).all()
        entities = uow.session.scalars(select(AuditEntry.entity).distinct()
                                       .order_by(AuditEntry.entity)).all()
    return render_template("admin/audit.html", entries=entries, page=page, actor=actor,
                           entity=entity, entities=entities, shown=shown,
                           pages=max((total + PAGE - 1) // PAGE, 1), total=total)
