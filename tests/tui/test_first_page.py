"""The first page ordered in SQL agrees with the domain's queue order, at any moment."""

from __future__ import annotations

from datetime import timedelta

import pytest

from leadtui.screens import loaders
from leadtui.workspace import Workspace
from tests.conftest import NOW


@pytest.mark.parametrize("limit", [3, 20, 500])
@pytest.mark.parametrize(
    "later", [timedelta(0), timedelta(minutes=50), timedelta(hours=3), timedelta(days=2)]
)
def test_first_page_is_the_start_of_the_full_order(
    workspace: Workspace, later: timedelta, limit: int
) -> None:
    now = NOW + later
    full = loaders.load_queue(workspace, now, first_page=0)
    first = loaders.load_first_page(workspace, now, limit=limit)
    assert first.order == full.order[:limit]
    assert set(first.rows) == set(first.order)


def test_reorder_without_the_database_matches_a_reload(workspace: Workspace) -> None:
    snapshot = loaders.load_queue(workspace, NOW, first_page=0)
    later = NOW + timedelta(hours=2)
    assert loaders.reorder(workspace, snapshot, later).order == (
        loaders.load_queue(workspace, later, first_page=0).order
    )


@pytest.mark.parametrize("text", ["a", "KOF", "example", "@", "zzz"])
def test_text_filter_in_memory_matches_the_database(workspace: Workspace, text: str) -> None:
    snapshot = loaders.load_queue(workspace, NOW, first_page=0)
    queue = set(snapshot.order)
    in_memory = loaders.matching_text(workspace, text, snapshot) & queue
    assert in_memory == loaders.matching_text(workspace, text) & queue


@pytest.mark.parametrize("limit", [3, 20, 500])
@pytest.mark.parametrize(
    "later", [timedelta(0), timedelta(minutes=50), timedelta(hours=3), timedelta(days=2)]
)
def test_the_light_first_page_is_the_full_paths(
    workspace: Workspace, later: timedelta, limit: int
) -> None:
    from leadtui.config import load
    from leadtui.light_queue import light_start

    assert workspace.locations is not None
    load(workspace.locations.config_path, remember_in=workspace.locations.data_dir)
    start = light_start(workspace.locations, explicit_config=False)
    assert start is not None
    now = NOW + later
    light = loaders.load_first_page_light(start, now, limit=limit)
    full = loaders.load_first_page(workspace, now, limit=limit)
    assert light is not None and light.partial
    assert light.order == full.order and light.order
    assert light.rows == full.rows
