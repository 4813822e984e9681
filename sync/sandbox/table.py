"""Records of one object type, with the sorted indexes that keep each request O(page).

Two orders matter to a client: ids (the list endpoint pages by id) and modified date (an
incremental pull searches `modified >= cursor` sorted ascending). Both are kept as sorted lists and
searched with bisect, so a page costs a bisect and a slice however many records there are.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort

ModKey = tuple[int, int]  # (modified epoch ms, id)


class Record:
    """One CRM record. `props` holds stored strings only; a missing key is a null value."""

    __slots__ = ("archived", "archived_ms", "created_ms", "id", "props", "updated_ms")

    def __init__(
        self,
        id: int,
        props: dict[str, str],
        created_ms: int,
        updated_ms: int,
        archived: bool = False,
        archived_ms: int | None = None,
    ) -> None:
        self.id = id
        self.props = props
        self.created_ms = created_ms
        self.updated_ms = updated_ms
        self.archived = archived
        self.archived_ms = archived_ms


class ObjectTable:
    """All records of one type. Not thread-safe by itself: SandboxCRM holds the lock."""

    def __init__(self, object_type: str, unique_props: tuple[str, ...]) -> None:
        self.object_type = object_type
        self.records: dict[int, Record] = {}
        self.live_ids: list[int] = []  # sorted
        self.archived_ids: list[int] = []  # sorted
        self.by_modified: list[ModKey] = []  # live records only, sorted
        # unique property -> lower-cased value -> id, for live records (HubSpot frees the value
        # of an archived record).
        self.unique: dict[str, dict[str, int]] = {name: {} for name in unique_props}
        # Bumped on every change, so cached search results know when they are stale.
        self.version = 0

    def __len__(self) -> int:
        return len(self.live_ids)

    def get(self, record_id: int, archived: bool = False) -> Record | None:
        record = self.records.get(record_id)
        if record is None or record.archived != archived:
            return None
        return record

    def find_unique(self, prop: str, value: str) -> Record | None:
        record_id = self.unique.get(prop, {}).get(value.lower())
        return None if record_id is None else self.records[record_id]

    def add_unique_prop(self, prop: str) -> None:
        index: dict[str, int] = {}
        for record_id in self.live_ids:
            value = self.records[record_id].props.get(prop)
            if value is not None:
                index.setdefault(value.lower(), record_id)
        self.unique[prop] = index

    def load(self, records: list[Record]) -> None:
        """Add many records at once (seeding, loading a file): one sort, not one per record."""
        for record in records:
            self.records[record.id] = record
        everything = self.records.values()
        self.live_ids = sorted(r.id for r in everything if not r.archived)
        self.archived_ids = sorted(r.id for r in everything if r.archived)
        self.by_modified = sorted((r.updated_ms, r.id) for r in everything if not r.archived)
        for prop in self.unique:
            self.add_unique_prop(prop)
        self.version += 1

    def insert(self, record: Record) -> None:
        self.records[record.id] = record
        self.version += 1
        if record.archived:
            insort(self.archived_ids, record.id)
            return
        if not self.live_ids or record.id > self.live_ids[-1]:
            self.live_ids.append(record.id)  # the usual case: ids only grow
        else:
            insort(self.live_ids, record.id)
        insort(self.by_modified, (record.updated_ms, record.id))
        self._index_unique(record)

    def update(self, record: Record, props: dict[str, str | None], updated_ms: int) -> None:
        """Apply changed values (None clears) and move the record in the modified order."""
        old = dict(record.props)
        for name, value in props.items():
            if value is None:
                record.props.pop(name, None)
            else:
                record.props[name] = value
        self._unindex_unique(old)
        self._index_unique(record)
        self._remove_modified(record)
        record.updated_ms = updated_ms
        insort(self.by_modified, (record.updated_ms, record.id))
        self.version += 1

    def archive(self, record: Record, archived_ms: int) -> None:
        """Move to the archive. The modified date stays as it was, as in HubSpot."""
        self._remove_modified(record)
        del self.live_ids[bisect_left(self.live_ids, record.id)]
        insort(self.archived_ids, record.id)
        self._unindex_unique(record.props)
        record.archived = True
        record.archived_ms = archived_ms
        self.version += 1

    def modified_range(self, low: ModKey, high: ModKey) -> tuple[int, int]:
        """Positions in `by_modified` of keys in [low, high]."""
        return bisect_left(self.by_modified, low), bisect_right(self.by_modified, high)

    def page_ids(self, after: int, limit: int, archived: bool) -> tuple[list[int], int | None]:
        """Ids >= after, at most `limit`, and the next `after` when more remain."""
        ids = self.archived_ids if archived else self.live_ids
        start = bisect_left(ids, after)
        page = ids[start : start + limit]
        more = start + limit < len(ids)
        return page, (ids[start + limit] if more else None)

    def _remove_modified(self, record: Record) -> None:
        key = (record.updated_ms, record.id)
        at = bisect_left(self.by_modified, key)
        if at < len(self.by_modified) and self.by_modified[at] == key:
            del self.by_modified[at]

    def _index_unique(self, record: Record) -> None:
        for prop, index in self.unique.items():
            value = record.props.get(prop)
            if value is not None:
                index[value.lower()] = record.id

    def _unindex_unique(self, props: dict[str, str]) -> None:
        for prop, index in self.unique.items():
            value = props.get(prop)
            if value is not None:
                index.pop(value.lower(), None)
