"""`POST /crm/v3/objects/{type}/search`: parsing, filtering, sorting and paging as HubSpot does.

Filter groups are ORed, filters inside a group ANDed. `after` is an offset and a query cannot page
past 10,000 results (HTTP 400), which is what forces a real client to restart from the last
modified date it saw. The common incremental query (a range on the modified date, sorted by it)
is answered straight from the table's modified-date index; anything else is filtered once and the
ordered ids cached until the table changes, so paging through it stays O(page).
"""

from __future__ import annotations

import fnmatch
import json
import math
import re
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sync.sandbox import errors
from sync.sandbox.schema import PropertyDef, PropType, parse_time_ms, sort_key
from sync.sandbox.table import ObjectTable, Record

MAX_LIMIT = 200
RESULT_CAP = 10_000
MAX_GROUPS, MAX_FILTERS_PER_GROUP, MAX_FILTERS = 5, 10, 25
RANGE_OPERATORS = frozenset({"GT", "GTE", "LT", "LTE", "EQ", "BETWEEN"})
OPERATORS = RANGE_OPERATORS | {
    "NEQ",
    "IN",
    "NOT_IN",
    "HAS_PROPERTY",
    "NOT_HAS_PROPERTY",
    "CONTAINS_TOKEN",
    "NOT_CONTAINS_TOKEN",
}
_TOKENS = re.compile(r"[^\w@.*+-]+")
Typed = float | str


def _typed(prop: PropertyDef, text: str) -> Typed:
    """A value comparable the way HubSpot compares the property's type."""
    if prop.type is PropType.DATETIME:
        try:
            return float(parse_time_ms(text))
        except ValueError:
            return math.nan
    if prop.type is PropType.NUMBER:
        try:
            return float(text)
        except ValueError:
            return math.nan
    return text.lower()


@dataclass(frozen=True, slots=True)
class Filter:
    prop: PropertyDef
    operator: str
    value: Typed | None = None
    high: Typed | None = None
    values: tuple[Typed, ...] = ()
    token: str = ""

    def matches(self, record: Record) -> bool:
        raw = record.props.get(self.prop.name)
        op = self.operator
        if op == "HAS_PROPERTY":
            return raw is not None
        if op == "NOT_HAS_PROPERTY":
            return raw is None
        if op in ("NEQ", "NOT_IN", "NOT_CONTAINS_TOKEN"):
            return raw is None or not self._positive(_typed(self.prop, raw), raw)
        return raw is not None and self._positive(_typed(self.prop, raw), raw)

    def _positive(self, value: Typed, raw: str) -> bool:
        op = self.operator
        if op in ("EQ", "NEQ"):
            return value == self.value
        if op in ("IN", "NOT_IN"):
            return value in self.values
        if op in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
            words = [w for w in _TOKENS.split(raw.lower()) if w]
            if "*" in self.token:
                return fnmatch.fnmatchcase(raw.lower(), self.token) or any(
                    fnmatch.fnmatchcase(w, self.token) for w in words
                )
            return self.token in words
        try:
            if op == "GT":
                return value > self.value  # type: ignore[operator]
            if op == "GTE":
                return value >= self.value  # type: ignore[operator]
            if op == "LT":
                return value < self.value  # type: ignore[operator]
            if op == "LTE":
                return value <= self.value  # type: ignore[operator]
            if op == "BETWEEN":
                return self.value <= value <= self.high  # type: ignore[operator]
        except TypeError:
            return False
        return False


@dataclass(frozen=True, slots=True)
class SearchQuery:
    groups: tuple[tuple[Filter, ...], ...]
    sort: PropertyDef | None  # None: by id
    descending: bool
    properties: tuple[str, ...] | None
    limit: int
    after: int
    text: str
    fingerprint: str  # what the result set depends on, for the cache

    def matches(self, record: Record) -> bool:
        if self.text and not _text_matches(record, self.text):
            return False
        return not self.groups or any(all(f.matches(record) for f in g) for g in self.groups)


def _text_matches(record: Record, text: str) -> bool:
    haystack = " ".join(record.props.values()).lower()
    return all(word in haystack for word in text.lower().split())


def parse(body: dict[str, Any], props: dict[str, PropertyDef]) -> SearchQuery:
    """Validate a search body against the object's properties (errors.ApiError on a bad one)."""
    limit = _int(body.get("limit", 10), "limit")
    if not 0 < limit <= MAX_LIMIT:
        raise errors.validation(f"limit must be between 1 and {MAX_LIMIT}, got {limit}")
    after = _int(body.get("after") or 0, "after")
    if after < 0:
        raise errors.validation("after must not be negative")
    if after >= RESULT_CAP:
        raise errors.validation(errors.SEARCH_CAP_MESSAGE)
    raw_groups = body.get("filterGroups") or []
    if not isinstance(raw_groups, list) or len(raw_groups) > MAX_GROUPS:
        raise errors.validation(f"filterGroups must be a list of at most {MAX_GROUPS} groups")
    groups = tuple(_group(g, props) for g in raw_groups)
    if sum(len(g) for g in groups) > MAX_FILTERS:
        raise errors.validation(f"a search may have at most {MAX_FILTERS} filters in all")
    sort, descending = _sort(body.get("sorts") or [], props)
    properties = body.get("properties")
    if properties is not None and not (
        isinstance(properties, list) and all(isinstance(p, str) for p in properties)
    ):
        raise errors.validation("properties must be a list of property names")
    text = body.get("query") or ""
    if not isinstance(text, str):
        raise errors.validation("query must be a string")
    fingerprint = json.dumps(
        [body.get("filterGroups"), body.get("sorts"), text], sort_keys=True, default=str
    )
    return SearchQuery(
        groups=groups,
        sort=sort,
        descending=descending,
        properties=tuple(properties) if properties is not None else None,
        limit=limit,
        after=after,
        text=text,
        fingerprint=fingerprint,
    )


def _int(raw: object, name: str) -> int:
    try:
        return int(str(raw))
    except ValueError:
        raise errors.validation(f"{name} must be an integer, got {raw!r}") from None


def _prop(name: object, props: dict[str, PropertyDef]) -> PropertyDef:
    if not isinstance(name, str) or name not in props:
        raise errors.validation(f"Invalid property name in search: {name!r} does not exist")
    return props[name]


def _group(raw: object, props: dict[str, PropertyDef]) -> tuple[Filter, ...]:
    filters = raw.get("filters") if isinstance(raw, dict) else None
    if not isinstance(filters, list) or len(filters) > MAX_FILTERS_PER_GROUP:
        raise errors.validation(
            f"each filter group needs a list of at most {MAX_FILTERS_PER_GROUP} filters"
        )
    return tuple(_filter(f, props) for f in filters)


def _filter(raw: object, props: dict[str, PropertyDef]) -> Filter:
    if not isinstance(raw, dict):
        raise errors.validation("a filter must be an object")
    prop = _prop(raw.get("propertyName"), props)
    op = str(raw.get("operator", "EQ")).upper()
    if op not in OPERATORS:
        raise errors.validation(f"Unsupported filter operator {op!r}")
    if op in ("HAS_PROPERTY", "NOT_HAS_PROPERTY"):
        return Filter(prop, op)
    if op in ("IN", "NOT_IN"):
        values = raw.get("values")
        if not isinstance(values, list) or not values:
            raise errors.validation(f"operator {op} needs a non-empty `values` list")
        return Filter(prop, op, values=tuple(_typed(prop, str(v)) for v in values))
    value = raw.get("value")
    if value is None:
        raise errors.validation(f"operator {op} on {prop.name} needs a `value`")
    if op in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
        return Filter(prop, op, token=str(value).lower())
    high = None
    if op == "BETWEEN":
        if raw.get("highValue") is None:
            raise errors.validation("operator BETWEEN needs a `highValue`")
        high = _typed(prop, str(raw["highValue"]))
    typed = _typed(prop, str(value))
    if isinstance(typed, float) and math.isnan(typed):
        raise errors.validation(f"{value!r} is not a valid value for {prop.name}")
    return Filter(prop, op, value=typed, high=high)


def _sort(raw: object, props: dict[str, PropertyDef]) -> tuple[PropertyDef | None, bool]:
    if not isinstance(raw, list):
        raise errors.validation("sorts must be a list")
    if len(raw) > 1:
        raise errors.validation("Only one sort is supported")
    if not raw:
        return None, False
    only = raw[0]
    if isinstance(only, str):  # HubSpot also takes "createdate" or "-createdate"
        return _prop(only.lstrip("-"), props), only.startswith("-")
    if not isinstance(only, dict):
        raise errors.validation("a sort must be an object or a property name")
    direction = str(only.get("direction", "ASCENDING")).upper()
    if direction not in ("ASCENDING", "DESCENDING"):
        raise errors.validation(f"Unknown sort direction {direction!r}")
    return _prop(only.get("propertyName"), props), direction == "DESCENDING"


Bounds = tuple[tuple[int, int], tuple[int, int]]  # (low, high) keys into by_modified
_EVERYTHING: Bounds = ((-(2**62), -1), (2**62, 2**62))


class SearchEngine:
    """Runs queries against tables; remembers ordered results until their table changes."""

    def __init__(self, cache_size: int = 16) -> None:
        self._cache: OrderedDict[tuple[str, str, int], list[int]] = OrderedDict()
        self._cache_size = cache_size

    def run(
        self,
        table: ObjectTable,
        query: SearchQuery,
        mod_prop: str,
        visible_until: int | None = None,
    ) -> tuple[int, list[int]]:
        """(total matches, ids of the requested page). Records modified after `visible_until`
        (epoch ms) are not in the index yet: HubSpot's search trails writes by a few seconds."""
        by_date = query.sort is not None and query.sort.name == mod_prop
        narrowed = _modified_bounds(query, mod_prop) if not query.text else None
        if by_date and narrowed is not None and not narrowed[1]:
            (low, high), _ = narrowed
            if visible_until is not None:
                high = min(high, (visible_until, 2**62))
            start, stop = table.modified_range(low, high)
            return max(stop - start, 0), _slice_keys(table, start, stop, query)
        bounds = narrowed[0] if narrowed is not None else _EVERYTHING
        if visible_until is not None:
            bounds = (bounds[0], min(bounds[1], (visible_until, 2**62)))
            ordered = self._match(table, query, by_date, bounds, narrowed is not None or by_date)
        else:
            ordered = self._cached(table, query, by_date, bounds, narrowed is not None or by_date)
        end = min(query.after + query.limit, RESULT_CAP)
        return len(ordered), ordered[query.after : end]

    def _cached(
        self, table: ObjectTable, query: SearchQuery, by_date: bool, bounds: Bounds, ranged: bool
    ) -> list[int]:
        key = (table.object_type, query.fingerprint, table.version)
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        ordered = self._match(table, query, by_date, bounds, ranged)
        self._cache[key] = ordered
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return ordered

    def _match(
        self, table: ObjectTable, query: SearchQuery, by_date: bool, bounds: Bounds, ranged: bool
    ) -> list[int]:
        """Every matching id in the query's order. `ranged`: walk the modified-date index
        between the bounds (already in date order) instead of every record."""
        candidates: Iterable[int]
        if ranged:
            start, stop = table.modified_range(*bounds)
            candidates = (record_id for _, record_id in table.by_modified[start:stop])
        else:
            limit = bounds[1][0]
            candidates = (i for i in table.live_ids if table.records[i].updated_ms <= limit)
        records = table.records
        matched = [records[i] for i in candidates if query.matches(records[i])]
        if not by_date:
            return _sorted_ids(matched, query)
        ordered = [r.id for r in matched]
        if query.descending:
            ordered.reverse()
        return ordered


def _sorted_ids(records: list[Record], query: SearchQuery) -> list[int]:
    if query.sort is None:
        ids = sorted(r.id for r in records)
        return ids[::-1] if query.descending else ids
    name = query.sort.name
    present = [r for r in records if r.props.get(name) is not None]
    missing = sorted(r.id for r in records if r.props.get(name) is None)
    present.sort(
        key=lambda r: (sort_key(query.sort, r.props.get(name)), r.id), reverse=query.descending
    )
    return [r.id for r in present] + missing


def _slice_keys(table: ObjectTable, start: int, stop: int, query: SearchQuery) -> list[int]:
    end = min(query.after + query.limit, RESULT_CAP)
    if not query.descending:
        keys = table.by_modified[start + query.after : min(start + end, stop)]
        return [record_id for _, record_id in keys]
    first, last = stop - 1 - query.after, max(stop - 1 - end, start - 1)
    return [table.by_modified[i][1] for i in range(first, last, -1)]


def _modified_bounds(query: SearchQuery, mod_prop: str) -> tuple[Bounds, tuple[Filter, ...]] | None:
    """When the query is one group whose modified-date filters bound a range: the (low, high)
    index keys of that range and the group's other filters. None when it cannot be narrowed."""
    if len(query.groups) > 1:
        return None
    low, high = -(2**62), 2**62
    low_key, high_key = -1, 2**62  # id part of the key: inclusive vs exclusive bounds
    others: list[Filter] = []
    for f in query.groups[0] if query.groups else ():
        if f.prop.name != mod_prop or f.operator not in RANGE_OPERATORS:
            others.append(f)
            continue
        value = int(f.value)  # type: ignore[arg-type]
        if f.operator in ("GT", "GTE", "EQ", "BETWEEN"):
            bound = (value, 2**62) if f.operator == "GT" else (value, -1)
            if bound > (low, low_key):
                low, low_key = bound
        if f.operator in ("LT", "LTE", "EQ", "BETWEEN"):
            top = int(f.high) if f.operator == "BETWEEN" else value  # type: ignore[arg-type]
            bound = (top, -1) if f.operator == "LT" else (top, 2**62)
            if bound < (high, high_key):
                high, high_key = bound
    return ((low, low_key), (high, high_key)), tuple(others)
