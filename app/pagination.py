"""Bounded pagination: every list endpoint takes limit/offset within fixed limits."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Query
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from app.config import get_settings
from app.schemas import Page

_settings = get_settings()
T = TypeVar("T")


@dataclass(frozen=True)
class PageParams:
    limit: int
    offset: int


def page_params(
    limit: Annotated[
        int,
        Query(ge=1, le=_settings.max_page_size, description="Items per page"),
    ] = _settings.default_page_size,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000, description="Items to skip")] = 0,
) -> PageParams:
    return PageParams(limit=limit, offset=offset)


PageDep = Annotated[PageParams, Depends(page_params)]


def count_rows(session: Session, stmt: Select[*tuple[Any, ...]]) -> int:
    """How many rows ``stmt`` returns, without its ordering."""
    return session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0


def page_of(
    session: Session,
    stmt: Select[*tuple[Any, ...]],
    page: PageParams,
    item: Callable[[Any], T],
    *,
    counted: Select[*tuple[Any, ...]] | None = None,
) -> Page[T]:
    """One page of ``stmt`` (entities, or rows when it selects several things), each turned
    into an item, with the whole result's count (of ``counted`` when the listed statement
    carries costly columns a count need not compute)."""
    total = count_rows(session, stmt if counted is None else counted)
    result = session.execute(stmt.limit(page.limit).offset(page.offset))
    rows = result.scalars().unique().all() if len(stmt.column_descriptions) == 1 else result.all()
    return Page(items=[item(r) for r in rows], total=total, limit=page.limit, offset=page.offset)
