"""The :class:`~server_impl.services.webhook_endpoints.SecretBox` of webhook signing secrets.

Webhook secrets must be readable again (the worker signs with them), so unlike API keys they are not
hashed: they are sealed with :mod:`server_impl.web.sealing` under a key derived from
``ASTERI_SECRET_KEY`` (purpose ``webhook-secrets``). A database dump alone reveals no secret.
"""

from __future__ import annotations

from server_impl.web.sealing import seal, unseal

WEBHOOK_SECRETS_PURPOSE = "webhook-secrets"
"""The purpose of the key derived from ``ASTERI_SECRET_KEY`` that seals webhook secrets."""


class SealingSecretBox:
    """Seals and opens secrets with one key."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def seal(self, plain: str) -> str:
        """Return the sealed text of ``plain`` (a fresh nonce each time)."""
        return seal(plain, self._key)

    def unseal(self, sealed: str) -> str:
        """Return the clear text of a sealed secret.

        Raises:
            SealError: Sealed under another key, or altered.
        """
        return unseal(sealed, self._key)
