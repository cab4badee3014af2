"""Server commands of the ``asteri`` CLI: serve, db, orgs, users, keys, tokens.

The lead mounts them with :func:`register`; ``python -m server_impl.cli`` runs them alone.
"""

# ruff: noqa: PLC0415 - imports inside commands keep `asteri --help` from loading the server stack

from __future__ import annotations

import json
import os
import re
from datetime import timedelta
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from server_impl.domain.scopes import ALL_SCOPES, Role
from server_impl.domain.tenancy import Environment

if TYPE_CHECKING:  # the server stack loads only when a server command runs: `asteri --help` stays fast
    from server_impl.domain.principal import CallContext
    from server_impl.services.ports import UnitOfWorkFactory
    from server_impl.settings import Settings

EXIT_USAGE = 2
_DURATION = re.compile(r"(\d+)([smhd])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
DEMO_DATABASE_URL = "sqlite:///./asteri-demo.db"

db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
orgs_app = typer.Typer(help="Organizations.", no_args_is_help=True)
users_app = typer.Typer(help="Users and memberships.", no_args_is_help=True)
keys_app = typer.Typer(help="API keys.", no_args_is_help=True)
tokens_app = typer.Typer(help="Bearer tokens for local development.", no_args_is_help=True)


def _fail(message: str) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(EXIT_USAGE)


def _settings(**overrides: object) -> Settings:
    from server_impl.settings import ConfigurationError, load_settings

    try:
        return load_settings(**overrides)
    except ConfigurationError as error:
        _fail(str(error))


def _uow_factory(settings: Settings) -> UnitOfWorkFactory:
    from server_impl.adapters.sqlalchemy.engine import build_engine, build_session_factory
    from server_impl.adapters.sqlalchemy.unit_of_work import unit_of_work_factory

    return unit_of_work_factory(build_session_factory(build_engine(settings.database_url)))


def parse_duration(text: str) -> timedelta:
    """Parse ``90d``, ``1h``, ``30m`` or ``45s``.

    Raises:
        ValueError: On any other text.
    """
    match = _DURATION.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not a duration such as 90d, 12h, 30m or 45s")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def _system(organization_id: str, environment: Environment) -> CallContext:
    from server_impl.domain.principal import ActorType, CallContext, Principal

    return CallContext(Principal(organization_id, environment, ActorType.SYSTEM, None, ALL_SCOPES), request_id="cli")


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Option(help="Target revision.")] = "heads") -> None:
    """Apply migrations to ASTERI_DATABASE_URL (creates the SQLite file if needed)."""
    from sqlalchemy.engine import make_url

    from server_impl.adapters.sqlalchemy.migrate import upgrade

    settings = _settings()
    upgrade(settings.database_url, revision)
    typer.echo(f"database at {make_url(settings.database_url).render_as_string()} is at {revision}")


@orgs_app.command("create")
def orgs_create(name: str, as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Create an organization."""
    from server_impl.services import identity

    organization = identity.create_organization(_uow_factory(_settings()), name)
    data = {"id": organization.id, "name": organization.name, "created_at": organization.created_at.isoformat()}
    typer.echo(json.dumps(data) if as_json else organization.id)


@users_app.command("create")
def users_create(
    email: str,
    name: Annotated[str, typer.Option(help="Display name.")] = "",
    org: Annotated[str | None, typer.Option(help="Make the user a member of this organization.")] = None,
    role: Annotated[Role, typer.Option(help="Role in --org.")] = Role.OWNER,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Create a user, optionally as a member of an organization."""
    from server_impl.domain.errors import DomainError
    from server_impl.services import identity

    factory = _uow_factory(_settings())
    try:
        user = identity.create_user(factory, email, name or email)
        if org is not None:
            identity.add_member(factory, org, user.id, role)
    except DomainError as error:
        _fail(error.detail)
    data = {"id": user.id, "email": user.email, "organization_id": org, "role": role.value if org else None}
    typer.echo(json.dumps(data) if as_json else user.id)


@keys_app.command("create")
def keys_create(  # noqa: PLR0917 - Typer reads options from the signature
    org: Annotated[str, typer.Option(help="Organization id.")],
    scopes: Annotated[str, typer.Option(help="Comma-separated scopes, or 'all'.")],
    env: Annotated[Environment, typer.Option(help="live or test.")] = Environment.TEST,
    expires_in: Annotated[str, typer.Option(help="Lifetime such as 90d (at most 365d).")] = "90d",
    per_minute: Annotated[int | None, typer.Option(help="Requests per minute.")] = None,
    per_day: Annotated[int | None, typer.Option(help="Requests per day.")] = None,
    name: Annotated[str, typer.Option(help="Label.")] = "cli",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Create an API key and print its secret (shown only now)."""
    from server_impl.domain.clock import utc_now
    from server_impl.domain.errors import DomainError
    from server_impl.services import api_keys

    settings = _settings()
    try:
        lifetime = parse_duration(expires_in)
    except ValueError as error:
        _fail(str(error))
    granted = sorted(ALL_SCOPES) if scopes == "all" else [s.strip() for s in scopes.split(",") if s.strip()]
    request = api_keys.NewKey(
        name,
        tuple(granted),
        env,
        utc_now() + lifetime,
        per_minute or settings.default_per_minute,
        per_day or settings.default_per_day,
    )
    try:
        key, secret = api_keys.create_key(
            _uow_factory(settings), _system(org, env), org, request, pepper=settings.api_key_pepper
        )
    except DomainError as error:
        problems = getattr(error, "errors", ())
        _fail(" ".join([error.detail, *(f"{item.field}: {item.message}" for item in problems)]))
    data = {
        "id": key.id,
        "key": secret,
        "organization_id": key.organization_id,
        "environment": key.environment.value,
        "scopes": list(key.scopes),
        "expires_at": key.expires_at.isoformat(),
    }
    typer.echo(json.dumps(data) if as_json else secret)


@keys_app.command("revoke")
def keys_revoke(key_id: str) -> None:
    """Revoke an API key at once."""
    from server_impl.services import api_keys

    factory = _uow_factory(_settings())
    with factory(None) as uow:
        key = uow.api_keys.get(key_id)
    if key is None:
        _fail(f"No API key with id {key_id!r}.")
    api_keys.revoke_key(factory, _system(key.organization_id, key.environment), key_id)
    typer.echo(f"revoked {key_id}")


@tokens_app.command("issue")
def tokens_issue(
    user: Annotated[str, typer.Option(help="User id (usr_...).")],
    ttl: Annotated[str, typer.Option(help="Lifetime such as 1h.")] = "1h",
) -> None:
    """Mint an HS256 bearer token for local development."""
    from server_impl.adapters.tokens import issue_token
    from server_impl.domain.clock import utc_now

    settings = _settings()
    if settings.jwt_algorithm != "HS256":
        _fail("Tokens can only be minted locally with ASTERI_JWT_ALGORITHM=HS256.")
    try:
        lifetime = parse_duration(ttl)
    except ValueError as error:
        _fail(str(error))
    typer.echo(issue_token(user, settings.token_secret, lifetime, utc_now(), settings.jwt_audience))


def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 3000,
    workers: Annotated[int, typer.Option(help="Server processes.")] = 1,
    demo: Annotated[
        bool, typer.Option(help="Migrate a SQLite database, seed a demo organization and print keys.")
    ] = False,
    worker: Annotated[
        bool | None,
        typer.Option("--worker/--no-worker", help="Deliver webhooks from the server process (default: on)."),
    ] = None,
) -> None:
    """Run the API server (with an in-process webhook worker unless --no-worker)."""
    from sqlalchemy.engine import make_url

    from server_impl import serving
    from server_impl.adapters.sqlalchemy.migrate import upgrade
    from server_impl.demo import seed_demo

    if worker is not None:
        os.environ["ASTERI_WORKER_IN_PROCESS"] = "true" if worker else "false"
    os.environ.setdefault("ASTERI_WORKER_IN_PROCESS", "true")
    settings = _settings()
    if demo:
        url = (
            settings.database_url
            if make_url(settings.database_url).get_backend_name() == "sqlite"
            else DEMO_DATABASE_URL
        )
        os.environ["ASTERI_DATABASE_URL"] = url
        # Problem `type` URIs then point at this server's own portal (/docs), unless set explicitly.
        os.environ.setdefault("ASTERI_DOCS_BASE_URL", f"http://{host}:{port}/docs")
        os.environ.setdefault("ASTERI_WEBHOOKS_ALLOW_PRIVATE", "true")  # the demo's receivers run on this machine
        settings = _settings(database_url=url)
        upgrade(url)
        typer.echo(seed_demo(_uow_factory(settings), settings, f"http://{host}:{port}"))
    if workers > 1 and settings.redis_url is None:
        typer.echo("note: each worker keeps its own rate-limit counters; set ASTERI_REDIS_URL to share them", err=True)
    serving.run("server_impl.app:create_app", host=host, port=port, workers=workers)


def worker(
    concurrency: Annotated[int, typer.Option(min=1, max=256, help="Webhook requests in flight at once.")] = 8,
) -> None:
    """Run the background worker (webhook delivery, periodic tasks) until interrupted; run several for more."""
    import signal

    from server_impl.worker.compose import build_worker

    runner = build_worker(_settings(), concurrency=concurrency)
    signal.signal(signal.SIGTERM, lambda _signum, _frame: runner.stop(timeout=0))
    typer.echo(f"worker running ({concurrency} concurrent deliveries); Ctrl-C stops it", err=True)
    try:
        runner.run_forever()
    except KeyboardInterrupt:
        runner.stop(timeout=0)


def register(app: typer.Typer) -> None:
    """Mount the server commands on the ``asteri`` CLI."""
    app.command("serve")(serve)
    app.command("worker")(worker)
    app.add_typer(db_app, name="db")
    app.add_typer(orgs_app, name="orgs")
    app.add_typer(users_app, name="users")
    app.add_typer(keys_app, name="keys")
    app.add_typer(tokens_app, name="tokens")


cli = typer.Typer(help="Asteri API server.", no_args_is_help=True)
register(cli)

if __name__ == "__main__":
    cli()
