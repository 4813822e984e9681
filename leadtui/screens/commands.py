"""The command palette offers the actions of the screen it was opened on, and nothing else."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.dom import DOMNode


class ScreenActions(Provider):
    def _actions(self) -> list[tuple[str, str, DOMNode, str]]:
        """(description, tooltip, node, action) for each enabled, described binding."""
        seen: set[str] = set()
        found = []
        for active in self.screen.active_bindings.values():
            binding = active.binding
            if not active.enabled or not binding.description or binding.system:
                continue
            if binding.action in seen or binding.action == "command_palette":
                continue
            seen.add(binding.action)
            found.append((binding.description, binding.tooltip, active.node, binding.action))
        return found

    async def discover(self) -> Hits:
        for description, tooltip, node, action in self._actions():
            yield DiscoveryHit(
                description, partial(self.app.run_action, action, node), help=tooltip
            )

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for description, tooltip, node, action in self._actions():
            score = matcher.match(f"{description} {tooltip}")
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(description),
                    partial(self.app.run_action, action, node),
                    help=tooltip,
                )
