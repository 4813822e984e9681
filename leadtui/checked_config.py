"""A validated configuration remembered beside the cache, so that the light read path (`leadtui
queue --format json`) can trust the config without importing the validator (pydantic, holidays).

`leadtui.config.load` validates and, given a data dir, writes `config.checked.json` there: the
exact text it validated, a stamp of the code that validated it, and the values it produced. The
light path uses those values only when the file's text and the code are still the same; anything
else sends it down the full path, which validates (and reports a bad value) as always.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from leadtui import __version__
from leadtui.locations import Locations

FILE = "config.checked.json"


def _stamp() -> str:
    # An edited validator (an editable install, a new key) must not trust an old check.
    validator = Path(__file__).with_name("config.py")
    return f"{__version__}:{validator.stat().st_mtime_ns}"


def remember(data_dir: Path, text: str | None, values: dict[str, Any], sections: list[str]) -> None:
    """Note that `text` (None: no config file) validated to `values`; best effort."""
    if not data_dir.is_dir():
        return  # reading a config never creates folders
    if (values.get("store") or {}).get("url"):
        return  # a team database: not for the light path, and its URL is not copied around
    saved = {"stamp": _stamp(), "text": text, "values": values, "sections": sections}
    target = data_dir / FILE
    temporary = target.with_name(f".{FILE}.{os.getpid()}")
    try:
        temporary.write_text(json.dumps(saved), encoding="utf-8")
        os.replace(temporary, target)
    except OSError:
        temporary.unlink(missing_ok=True)  # a read-only data dir: the full path still works


def recall(locations: Locations) -> Any | None:
    """The remembered config (attribute access like leadtui.config.Config) if it still holds."""
    try:
        path = locations.config_path
        text = path.read_text(encoding="utf-8") if path.exists() else None
        saved = json.loads((locations.data_dir / FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(saved, dict) or saved.get("stamp") != _stamp() or saved.get("text") != text:
        return None
    values = dict(saved["values"])
    for name in saved["sections"]:
        values[name] = SimpleNamespace(**values[name])
    return SimpleNamespace(**values)
