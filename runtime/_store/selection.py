"""Moving the user's selection off retired models, after a seed.

A seed may retire a model the user had selected (``is_selected``). The selection then moves to
the model that replaces it, following ``replaced_by`` through models that are retired too,
so that an app opening the database offers a model that still answers. The retired row stays
(conversations refer to it), only its ``is_selected`` is cleared. A selection stays where it is
when the chain leads nowhere the database knows, or round in a loop (which the compiler refuses,
but a hand-written seed might hold).
"""

from __future__ import annotations

import sqlite3

__all__ = ["move_retired_selections"]


def move_retired_selections(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """Move every selection on a retired model with a replacement to the end of its chain;
    returns the (old id, new id) pairs moved."""
    retired = {
        str(model_id): str(replaced_by)
        for model_id, replaced_by in conn.execute(
            "SELECT id, replaced_by FROM models"
            " WHERE status = 'retired' AND replaced_by IS NOT NULL"
        )
    }
    selected = [
        str(row[0])
        for row in conn.execute("SELECT id FROM models WHERE is_selected = 1 ORDER BY id")
        if row[0] in retired
    ]
    moves: list[tuple[str, str]] = []
    for old_id in selected:
        target = _end_of_chain(old_id, retired)
        if (
            target is None
            or conn.execute("SELECT 1 FROM models WHERE id = ?", (target,)).fetchone() is None
        ):
            continue
        conn.execute("UPDATE models SET is_selected = 1 WHERE id = ?", (target,))
        conn.execute("UPDATE models SET is_selected = 0 WHERE id = ?", (old_id,))
        moves.append((old_id, target))
    return moves


def _end_of_chain(model_id: str, retired: dict[str, str]) -> str | None:
    """Where replaced_by leads from a retired model: the first model that is not retired (or
    has no replacement); None for a loop."""
    seen = {model_id}
    current = retired[model_id]
    while current in retired:
        if current in seen:
            return None
        seen.add(current)
        current = retired[current]
    return current
