"""A standard module imported only when something reads from it.

`dataclasses` imports `inspect` (with ast, dis and tokenize: a tenth of `leadtui queue --format
json`) for one use, a signature written into a dataclass that has no docstring, and leadtui's all
have one. importlib's LazyLoader cannot defer it on Python 3.11: an `import` statement reads the
module's `__spec__`, which loads it. This stand-in answers that read itself and imports the real
module at the first other attribute anyone reads, putting it in its place in sys.modules.
"""

from __future__ import annotations

import importlib
import sys
import types


class _Deferred(types.ModuleType):
    """Stands in sys.modules for a module not imported yet."""

    def __getattr__(self, name: str) -> object:  # only for names the stand-in lacks
        if sys.modules.get(self.__name__) is self:
            del sys.modules[self.__name__]
        return getattr(importlib.import_module(self.__name__), name)


def defer(name: str) -> None:
    """Let `import name` succeed without running the module until an attribute is read."""
    if name not in sys.modules:
        sys.modules[name] = _Deferred(name)


def is_deferred(name: str) -> bool:
    """True while `name` is still the stand-in: nothing has read from it."""
    return isinstance(sys.modules.get(name), _Deferred)
