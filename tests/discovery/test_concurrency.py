"""Several processes refreshing one database at once: all succeed, no row is lost."""

from __future__ import annotations

import itertools
import json
import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

from llm_registry.runtime import providers
from tests.discovery.conftest import KEY, PROJECT_ROOT, scrubbed_environment
from tests.fixture_registry import CompiledRegistry
from tests.loopback import Handler, LoopbackServer, Recorded

WORKERS = 4
ITERATIONS = 8


def test_processes_refreshing_one_database_all_succeed_and_lose_nothing(
    server: LoopbackServer, db_path: Path, compiled_registry: CompiledRegistry
) -> None:
    counter = itertools.count()
    lock = threading.Lock()

    def listing_with_a_unique_model(handler: Handler, _: Recorded) -> None:
        # Every listing names one model no other listing does: each must end up as a row.
        with lock:
            n = next(counter)
        handler.send_json(
            {
                "object": "list",
                "data": [{"id": "plain-model"}, {"id": "effort-model"}, {"id": f"unique-{n}"}],
            },
        )

    server.route("/v1/models", listing_with_a_unique_model)
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.discovery.hammer_worker",
                str(db_path),
                f"{server.origin}/v1",
                str(ITERATIONS),
                KEY,
            ],
            cwd=PROJECT_ROOT,
            env=scrubbed_environment(
                PYTHONPATH=os.pathsep.join([str(PROJECT_ROOT), str(compiled_registry.import_root)])
            ),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(WORKERS)
    ]
    outputs = [worker.communicate(timeout=120) for worker in workers]

    for worker, (stdout, stderr) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, stderr
        assert "locked" not in stderr and "Traceback" not in stderr
        report = json.loads(stdout)
        assert report["sources"] == ["api"] * ITERATIONS
    served = len(server.requests)
    assert served == WORKERS * ITERATIONS

    with sqlite3.connect(db_path) as conn:
        unique_rows = dict(
            conn.execute(
                "SELECT id, is_hidden FROM models WHERE id LIKE 'wire-openai::unique-%'"
            ).fetchall()
        )
        registry_rows = conn.execute(
            "SELECT count(*) FROM models WHERE in_registry = 1"
        ).fetchone()[0]
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
    assert set(unique_rows) == {f"wire-openai::unique-{n}" for n in range(served)}
    hidden_by_workers = {
        model_id
        for _, (stdout, _) in zip(workers, outputs, strict=True)
        for model_id in json.loads(stdout)["hidden"]
    }
    assert hidden_by_workers == set(unique_rows)
    assert all(flag == 1 for flag in unique_rows.values()), "a refresh overwrote a user's choice"
    registered = providers(registry=compiled_registry.registry)
    assert registry_rows == sum(len(p.default_models) for p in registered)
    assert integrity == "ok"
