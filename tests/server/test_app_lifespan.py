"""What the app starts for its lifetime and stops at shutdown: the WAL checkpointer, the frozen start-up heap."""

import gc
from pathlib import Path

from fastapi.testclient import TestClient

from server_impl.adapters.sqlalchemy.checkpoints import WalCheckpointer, wal_checkpointer
from server_impl.adapters.sqlalchemy.migrate import upgrade
from server_impl.app import create_app
from server_impl.settings import Settings


def _checkpointing(checkpointer: WalCheckpointer) -> bool:
    return checkpointer.running


def test_the_app_runs_its_wal_checkpointer_and_freezes_its_start_up_heap_while_it_serves(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    upgrade(url)
    app = create_app(Settings(database_url=url, files_dir=str(tmp_path / "files")))
    checkpointer = wal_checkpointer(app.state.context.engine)
    assert checkpointer is not None
    assert not _checkpointing(checkpointer)
    with TestClient(app) as client:
        assert _checkpointing(checkpointer)
        assert gc.get_freeze_count() > 10_000  # the app, its routes and validators
        with app.state.context.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one() == 0
        assert client.get("/api/public/v1/openapi.json").status_code == 200
    assert not _checkpointing(checkpointer)
    assert gc.get_freeze_count() == 0  # handed back to the collector
