"""The idempotency-key repository: claim with a savepoint, complete, release, take over."""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server_impl.adapters.sqlalchemy.tables import IdempotencyKeyRow
from server_impl.domain.idempotency import IdempotencyRecord, IdempotencyState, StoredResponse


def _record_from_row(row: IdempotencyKeyRow) -> IdempotencyRecord:
    response = None
    if row.response_status is not None and row.response_body is not None:
        headers = tuple((name, value) for name, value in row.response_headers or [])
        response = StoredResponse(row.response_status, row.response_body, headers)
    return IdempotencyRecord(
        key=row.key,
        fingerprint=row.fingerprint,
        state=IdempotencyState(row.state),
        created_at=row.created_at,
        expires_at=row.expires_at,
        locked_until=row.locked_until,
        response=response,
    )


class SqlIdempotencyRepository:
    """Idempotency keys in SQL; the tenant guard stamps and filters the tenant columns."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def claim(self, record: IdempotencyRecord) -> bool:
        """Insert the record in a savepoint; ``False`` when the key exists."""
        try:
            with self._session.begin_nested():
                self._session.add(
                    IdempotencyKeyRow(
                        key=record.key,
                        fingerprint=record.fingerprint,
                        state=record.state.value,
                        created_at=record.created_at,
                        expires_at=record.expires_at,
                        locked_until=record.locked_until,
                    )
                )
        except IntegrityError:
            return False
        return True

    def get(self, key: str) -> IdempotencyRecord | None:
        """Return the record of a key in the tenant, or ``None``."""
        row = self._session.scalars(
            select(IdempotencyKeyRow).where(IdempotencyKeyRow.key == key).execution_options(populate_existing=True)
        ).first()
        return None if row is None else _record_from_row(row)

    def complete(self, key: str, response: StoredResponse) -> None:
        """Store the response and mark the key completed."""
        self._session.execute(
            update(IdempotencyKeyRow)
            .where(IdempotencyKeyRow.key == key)
            .values(
                state=IdempotencyState.COMPLETED.value,
                response_status=response.status,
                response_body=response.body,
                response_headers=[list(pair) for pair in response.headers],
            )
        )

    def release(self, key: str) -> None:
        """Delete an in-progress claim."""
        self._session.execute(
            delete(IdempotencyKeyRow).where(
                IdempotencyKeyRow.key == key, IdempotencyKeyRow.state == IdempotencyState.IN_PROGRESS.value
            )
        )

    def take_over(self, key: str, stale: IdempotencyRecord, record: IdempotencyRecord) -> bool:
        """Replace a stale record, unless another request replaced it first."""
        result = self._session.execute(
            update(IdempotencyKeyRow)
            .where(
                IdempotencyKeyRow.key == key,
                IdempotencyKeyRow.state == stale.state.value,
                IdempotencyKeyRow.locked_until == stale.locked_until,
            )
            .values(
                fingerprint=record.fingerprint,
                state=record.state.value,
                created_at=record.created_at,
                expires_at=record.expires_at,
                locked_until=record.locked_until,
                response_status=None,
                response_body=None,
                response_headers=None,
            )
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0) == 1)
