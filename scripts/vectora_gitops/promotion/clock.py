"""The current time, fixed by VECTORA_NOW (ISO 8601) in tests and rehearsals."""

from __future__ import annotations

import os
from datetime import UTC, datetime

from vectora_gitops.errors import UsageError


def now() -> datetime:
    fixed = os.environ.get("VECTORA_NOW", "").strip()
    return parse(fixed, what="VECTORA_NOW") if fixed else datetime.now(UTC)


def parse(text: str, *, what: str) -> datetime:
    """An aware datetime from ISO 8601 text (naive means UTC)."""
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"{what}: '{text}' is not an ISO 8601 date-time") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)
