"""Bounded pagination: every list endpoint takes limit/offset within fixed limits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Query
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from app.config import get_settings

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


def paginate(session: Session, stmt: Select[Any], page: PageParams) -> tuple[list[Any], int]:
    """Run one page of ``stmt`` and count the whole result."""
    total = count_rows(session, stmt)
    rows = list(session.scalars(stmt.limit(page.limit).offset(page.offset)).unique())
    return rows, total
