"""The worker task that persists and announces the expiry of sent estimates past ``valid_until``."""

from __future__ import annotations

from server_impl.handlers.estimates import expire_due_estimates
from server_impl.services.ports import UnitOfWorkFactory


class ExpireEstimatesTask:
    """Expires due estimates periodically (reads already show them expired; this writes it down).

    Safe in several workers at once: each expiry is a versioned update, so only one worker
    records (and announces) it.
    """

    name = "expire_estimates"

    def __init__(self, uow_factory: UnitOfWorkFactory, *, interval_seconds: float = 60.0) -> None:
        self._uow = uow_factory
        self.interval_seconds = interval_seconds

    def run_once(self) -> int:
        """Expire every due estimate; return how many expired."""
        return expire_due_estimates(self._uow)

    def close(self) -> None:
        """Nothing to release: the units of work close themselves."""
