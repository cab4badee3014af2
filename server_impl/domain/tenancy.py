"""The tenant: one organization in one environment, the boundary of every query."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Environment(enum.StrEnum):
    """A data environment: live data or test data, never mixed."""

    LIVE = "live"
    TEST = "test"


@dataclass(frozen=True)
class Tenant:
    """The pair (organization, environment) every tenant-owned row belongs to."""

    organization_id: str
    environment: Environment
