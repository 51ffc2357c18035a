"""Versions as entity tags: a resource's ``version`` is its strong ETag (``"7"``), and an
If-Match header refuses a change made from a stale copy (412). Bookings and extras requests."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Header

from app.errors import PreconditionFailed

IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        max_length=200,
        description="The ETag you received, to refuse stale edits: one tag or a comma-separated "
        "list (any current one matches; strong comparison, so W/ tags never match)",
    ),
]


def etag(version: int) -> str:
    return f'"{version}"'


_ENTITY_TAG = re.compile(r'^(W/)?"([\x21\x23-\x7e]*)"$')


def parse_if_match(value: str | None) -> frozenset[int] | None:
    """The versions an If-Match header accepts; None when absent or '*' (any version).

    RFC 9110 §13.1.1: a list of entity tags matches when any of them is current, compared
    strongly. Our ETags are strong (``"7"``), so a weak tag (``W/"7"``) never matches, nor does
    a tag we never issued; a list with no current tag is refused by the caller (412).
    A header that is not a list of entity tags at all is refused here (412).
    """
    if value is None or value.strip() == "*":
        return None
    versions: set[int] = set()
    for part in value.split(","):
        found = _ENTITY_TAG.match(part.strip())
        if found is None:
            raise PreconditionFailed("If-Match must be an ETag you received from this API.")
        weak, tag = found.groups()
        if not weak and tag.isascii() and tag.isdigit() and len(tag) <= 10:
            versions.add(int(tag))
    return frozenset(versions)
