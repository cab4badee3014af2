"""Bearer tokens: JWTs signed by the internal app (HS256 shared secret or RS256 public key)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

from server_impl.domain.errors import InvalidCredentials


@dataclass(frozen=True)
class TokenClaims:
    """What the server uses from a verified token."""

    user_id: str
    token_id: str | None
    expires_at: datetime


class TokenVerifier:
    """Verifies bearer tokens: signature, ``exp`` (required), ``sub`` (required), ``aud`` if configured."""

    def __init__(self, algorithm: str, key: str, audience: str | None = None) -> None:
        self._algorithm = algorithm
        self._key = key
        self._audience = audience

    def verify(self, token: str) -> TokenClaims:
        """Return the claims of a valid token.

        Args:
            token: The text after ``Bearer``.

        Returns:
            The claims.

        Raises:
            InvalidCredentials: ``expired`` or ``malformed`` (bad signature, missing claims...).
        """
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=[self._algorithm],
                audience=self._audience,
                options={"require": ["exp", "sub"], "verify_aud": self._audience is not None},
            )
        except jwt.ExpiredSignatureError:
            raise InvalidCredentials("expired", "The bearer token has expired.", "Bearer") from None
        except jwt.PyJWTError:
            raise InvalidCredentials("malformed", "The bearer token is not valid.", "Bearer") from None
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject.startswith("usr_"):
            raise InvalidCredentials("malformed", "The bearer token's subject is not a user id.", "Bearer")
        jti = claims.get("jti")
        return TokenClaims(subject, jti if isinstance(jti, str) else None, datetime.fromtimestamp(claims["exp"]))


def issue_token(user_id: str, secret: str, ttl: timedelta, now: datetime, audience: str | None = None) -> str:
    """Mint an HS256 token for local development (``asteri tokens issue``).

    Args:
        user_id: The ``sub`` claim.
        secret: The HS256 secret.
        ttl: Lifetime.
        now: Issue time.
        audience: ``aud`` claim, if the server expects one.

    Returns:
        The token.
    """
    claims: dict[str, object] = {"sub": user_id, "iat": int(now.timestamp()), "exp": int((now + ttl).timestamp())}
    if audience is not None:
        claims["aud"] = audience
    return jwt.encode(claims, secret, algorithm="HS256")
