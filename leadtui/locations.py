"""Where a workspace keeps its files: flags, then the environment, then the platform's dirs.

Apart from leadtui.config (which validates with pydantic) so that commands on the light read path
(`leadtui queue --format json`) can find the cache without importing the validator.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

APP_NAME = "leadtui"
CONFIG_ENV = "LEADTUI_CONFIG"
DATA_DIR_ENV = "LEADTUI_DATA_DIR"


class Locations(NamedTuple):
    """Where this workspace keeps its files. A named tuple: its class costs a quarter of a
    dataclass's to make, on the light read path's every start (bench/startup.py)."""

    config_path: Path
    data_dir: Path

    @property
    def database(self) -> Path:
        return self.data_dir / "leadtui.db"


def locate(config_path: str | None = None, data_dir: str | None = None) -> Locations:
    """Flags win over the environment, which wins over the platform's defaults."""
    config = config_path or os.environ.get(CONFIG_ENV)
    data = data_dir or os.environ.get(DATA_DIR_ENV)
    if not config and data and (Path(data).expanduser() / "config.toml").exists():
        # A workspace folder (like the demo's) carries its own config.
        config = str(Path(data).expanduser() / "config.toml")
    if config and data:
        return Locations(Path(config).expanduser(), Path(data).expanduser())
    import platformdirs

    return Locations(
        config_path=Path(config).expanduser()
        if config
        else Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml",
        data_dir=Path(data).expanduser() if data else Path(platformdirs.user_data_dir(APP_NAME)),
    )
