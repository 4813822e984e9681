"""Once loaded, the app's long-lived objects are frozen out of the cyclic collector's sight
(leadtui.app._freeze_startup), once a process."""

from __future__ import annotations

from leadtui.app import LeadTuiApp
from tests.tui.conftest import loaded


async def test_the_loaded_app_is_out_of_the_collectors_sight_once(app: LeadTuiApp) -> None:
    import gc

    from leadtui import app as app_module

    async with app.run_test(size=(100, 40)) as pilot:
        await loaded(pilot)
        assert gc.get_freeze_count() > 0
    frozen = gc.get_freeze_count()
    app_module._freeze_startup()  # a second app in this process freezes nothing more
    assert gc.get_freeze_count() == frozen
