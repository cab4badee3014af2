"""A cluster (2 server processes, 2 workers, PostgreSQL, Redis) shared by the tests of a module."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.live.server import fresh_database
from tests.scale.cluster import Cluster
from tests.server.conftest import postgres_base_url
from tests.server.services import require_url

SERVERS = 2
WORKERS = 2


def redis_base_url() -> str:
    """ASTERI_TEST_REDIS_URL if Redis answers; skip (or fail in CI) otherwise."""
    import redis

    error = None
    url = os.environ.get("ASTERI_TEST_REDIS_URL")
    if url:
        try:
            client = redis.Redis.from_url(url, socket_connect_timeout=2)
            client.ping()
            client.close()
        except Exception as exc:
            error = exc
    return require_url("ASTERI_TEST_REDIS_URL", error)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    os.environ["ASTERI_TEST_POSTGRES_URL"] = postgres_base_url()
    redis_url = redis_base_url()
    workdir = tmp_path_factory.mktemp("cluster")
    with (
        fresh_database("postgres", workdir) as database_url,
        Cluster.start(database_url, redis_url, workdir, servers=SERVERS, workers=WORKERS) as running,
    ):
        yield running
