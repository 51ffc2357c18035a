"""Get a row by id or answer 404: written once for every resource."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.orm import Session

from app.errors import NotFound

M = TypeVar("M")


def get_or_404(session: Session, model: type[M], ident: int, message: str) -> M:
    """The row of ``model`` with primary key ``ident``; ``message`` is the 404's text."""
    found = session.get(model, ident)
    if found is None:
        raise NotFound(message)
    return found


def taken(session: Session, *where: ColumnElement[bool]) -> bool:
    """Whether a row matching ``where`` exists: the friendly check before an insert that a
    unique rule guards (a concurrent insert still meets the rule; errors.unique_clash)."""
    return bool(session.scalar(select(exists().where(*where))))
