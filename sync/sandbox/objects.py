"""The CRM object endpoints: list, read, create, update, archive, batches and search.

JSON in, HubSpot's JSON out, errors.ApiError for HubSpot's errors; nothing here knows about
sockets (server.py maps requests onto these methods).
"""

from __future__ import annotations

from typing import Any

from sync.sandbox import errors, params, search
from sync.sandbox.crm import SandboxCRM
from sync.sandbox.params import Query, Reply
from sync.sandbox.schema import (
    ASSOCIATION_TYPE_IDS,
    dt_to_ms,
    modified_prop,
    ms_to_iso,
    singular,
)
from sync.sandbox.table import Record

MAX_LIST_LIMIT = 100


class ObjectEndpoints:
    """`/crm/v3/objects/...`: what every CRM object type answers."""

    def __init__(self, crm: SandboxCRM) -> None:
        self.crm = crm

    def _batch_reply(
        self, results: list[dict[str, Any]], errs: list[dict[str, Any]], ok_status: int
    ) -> Reply:
        stamp = ms_to_iso(dt_to_ms(self.crm.clock()))
        return params.batch_reply(results, errs, ok_status, stamp)

    # Objects -----------------------------------------------------------------------------------

    def _find(
        self, object_type: str, raw_id: str, id_property: str | None, archived: bool = False
    ) -> Record | None:
        table = self.crm.table(object_type)
        if id_property and id_property != "hs_object_id":
            if id_property not in table.unique:
                raise errors.validation(
                    f"{id_property} is not a unique property of {object_type}; idProperty must "
                    "name a property with hasUniqueValue=true"
                )
            record = table.find_unique(id_property, raw_id)
            return record if record is not None and record.archived == archived else None
        try:
            return table.get(int(raw_id), archived=archived)
        except ValueError:
            return None

    def list_objects(self, object_type: str, query: Query, path: str) -> Reply:
        limit = params.limit(params.one(query, "limit"), 10, MAX_LIST_LIMIT)
        after = params.one(query, "after")
        try:
            start = int(after) if after else 0
        except ValueError:
            raise errors.validation(f"after must be a paging cursor, got {after!r}") from None
        props, links = params.names(query, "properties"), params.names(query, "associations") or ()
        with self.crm.lock:
            table = self.crm.table(object_type)
            ids, next_id = table.page_ids(start, limit, params.flag(query, "archived"))
            results = [
                self.crm.record_json(object_type, table.records[i], props, links) for i in ids
            ]
        body = {
            "results": results,
            **params.paging(None if next_id is None else str(next_id), path),
        }
        return Reply(200, body)

    def get_object(self, object_type: str, raw_id: str, query: Query) -> Reply:
        with self.crm.lock:
            record = self._find(
                object_type, raw_id, params.one(query, "idProperty"), params.flag(query, "archived")
            )
            if record is None:
                raise errors.not_found(raw_id)
            body = self.crm.record_json(
                object_type,
                record,
                params.names(query, "properties"),
                params.names(query, "associations") or (),
            )
        return Reply(200, body)

    def create_object(self, object_type: str, body: dict[str, Any]) -> Reply:
        with self.crm.transaction():
            values = self.crm.check_props(object_type, body.get("properties", {}))
            links = self._associations(object_type, body.get("associations"))
            record = self.crm.insert(object_type, values)
            for to_type, to_id in links:
                self.crm.link(object_type, record.id, to_type, to_id)
            return Reply(201, self.crm.record_json(object_type, record, tuple(values)))

    def update_object(
        self, object_type: str, raw_id: str, body: dict[str, Any], query: Query
    ) -> Reply:
        with self.crm.transaction():
            record = self._find(object_type, raw_id, params.one(query, "idProperty"))
            if record is None:
                raise errors.not_found(raw_id)
            values = self.crm.check_props(object_type, body.get("properties", {}))
            self.crm.modify(object_type, record, self.crm.forward_only(object_type, record, values))
            return Reply(200, self.crm.record_json(object_type, record, tuple(values)))

    def archive_object(self, object_type: str, raw_id: str) -> Reply:
        with self.crm.transaction():
            record = self._find(object_type, raw_id, None)
            if record is not None:
                self.crm.archive(object_type, record)
        return Reply(204)

    def _associations(self, object_type: str, raw: object) -> list[tuple[str, int]]:
        """Validate `associations` of a create; (to type, to id) pairs."""
        if raw is None:
            return []
        if not isinstance(raw, list):
            raise errors.validation("associations must be a list")
        links = []
        for item in raw:
            to = item.get("to") if isinstance(item, dict) else None
            types = item.get("types") if isinstance(item, dict) else None
            if not isinstance(to, dict) or not isinstance(types, list) or not types:
                raise errors.validation("each association needs `to.id` and `types`")
            for spec in types:
                type_id = spec.get("associationTypeId") if isinstance(spec, dict) else None
                to_type = next(
                    (
                        b
                        for (a, b), tid in ASSOCIATION_TYPE_IDS.items()
                        if a == object_type and tid == type_id
                    ),
                    None,
                )
                if to_type is None or spec.get("associationCategory") != "HUBSPOT_DEFINED":
                    raise errors.validation(
                        f"{spec!r} is not a valid association type from {singular(object_type)}"
                    )
                target = self._find(to_type, str(to.get("id")), None)
                if target is None:
                    raise errors.ApiError(
                        400,
                        "VALIDATION_ERROR",
                        f"One or more associations are invalid: {singular(to_type)} "
                        f"{to.get('id')} does not exist",
                        context={"ids": [str(to.get("id"))]},
                    )
                links.append((to_type, target.id))
        return links

    # Batches -----------------------------------------------------------------------------------

    def batch(self, object_type: str, op: str, body: dict[str, Any], query: Query) -> Reply:
        handlers = {
            "read": self._batch_read,
            "create": self._batch_create,
            "update": self._batch_update,
            "upsert": self._batch_upsert,
            "archive": self._batch_archive,
        }
        if op not in handlers:
            raise errors.ApiError(404, "OBJECT_NOT_FOUND", f"Unknown batch operation {op!r}")
        return handlers[op](object_type, params.inputs(body), body, query)

    def _batch_read(
        self, object_type: str, inputs: list[dict[str, Any]], body: dict[str, Any], query: Query
    ) -> Reply:
        props = body.get("properties")
        wanted = tuple(props) if isinstance(props, list) and props else None
        archived = params.flag(query, "archived") or body.get("archived") is True
        results, missing = [], []
        with self.crm.lock:
            for item in inputs:
                raw_id = str(item.get("id"))
                record = self._find(object_type, raw_id, body.get("idProperty"), archived)
                if record is None:
                    missing.append(raw_id)
                else:
                    results.append(self.crm.record_json(object_type, record, wanted))
        errs = []
        if missing:
            name = singular(object_type).upper()
            errs.append(
                errors.ApiError(
                    404,
                    "OBJECT_NOT_FOUND",
                    f"Could not get some {name} objects, they may be deleted or not exist. "
                    "Check that ids are valid.",
                    context={"ids": missing},
                ).batch_error()
            )
        return self._batch_reply(results, errs, 200)

    def _batch_create(
        self, object_type: str, inputs: list[dict[str, Any]], body: dict[str, Any], query: Query
    ) -> Reply:
        with self.crm.transaction():
            # Like HubSpot, an invalid input fails the whole batch before anything is written.
            prepared = []
            for item in inputs:
                params.check_keys(item, {"properties", "associations", "objectWriteTraceId"})
                values = self.crm.check_props(object_type, item.get("properties", {}))
                self.crm.check_required(object_type, values)
                links = self._associations(object_type, item.get("associations"))
                prepared.append((item, values, links))
            results, errs = [], []
            for item, values, links in prepared:
                try:
                    record = self.crm.insert(object_type, values)
                except errors.ApiError as failed:
                    errs.append(_with_trace(failed, item))
                    continue
                for to_type, to_id in links:
                    self.crm.link(object_type, record.id, to_type, to_id)
                results.append(self._written(object_type, record, values, item))
        return self._batch_reply(results, errs, 201)

    def _batch_update(
        self, object_type: str, inputs: list[dict[str, Any]], body: dict[str, Any], query: Query
    ) -> Reply:
        _no_duplicates([str(i.get("id")) for i in inputs])
        results, errs = [], []
        with self.crm.transaction():
            for item in inputs:
                params.check_keys(item, {"id", "idProperty", "properties", "objectWriteTraceId"})
                raw_id = str(item.get("id"))
                try:
                    record = self._find(object_type, raw_id, item.get("idProperty"))
                    if record is None:
                        raise errors.not_found(raw_id)
                    values = self.crm.check_props(object_type, item.get("properties", {}))
                    kept = self.crm.forward_only(object_type, record, values)
                    self.crm.modify(object_type, record, kept)
                except errors.ApiError as failed:
                    errs.append(_with_trace(failed, item, raw_id))
                    continue
                results.append(self._written(object_type, record, values, item))
        return self._batch_reply(results, errs, 200)

    def _batch_upsert(
        self, object_type: str, inputs: list[dict[str, Any]], body: dict[str, Any], query: Query
    ) -> Reply:
        table = self.crm.table(object_type)
        for item in inputs:
            params.check_keys(item, {"id", "idProperty", "properties", "objectWriteTraceId"})
            id_property = item.get("idProperty")
            if not isinstance(id_property, str) or id_property not in table.unique:
                raise errors.validation(
                    f"idProperty {id_property!r} must name a property of {object_type} with "
                    "unique values (hasUniqueValue=true)"
                )
        _no_duplicates([f"{i['idProperty']}={i.get('id')}" for i in inputs])
        results, errs = [], []
        with self.crm.transaction():
            for item in inputs:
                raw_id, id_property = item.get("id"), item["idProperty"]
                try:
                    if not isinstance(raw_id, str) or not raw_id:
                        raise errors.validation(f"each input needs the {id_property} value as `id`")
                    values = self.crm.check_props(object_type, item.get("properties", {}))
                    record = table.find_unique(id_property, raw_id)
                    created = record is None
                    if record is None:
                        values[id_property] = raw_id
                        record = self.crm.insert(object_type, values)
                    else:
                        kept = self.crm.forward_only(object_type, record, values)
                        self.crm.modify(object_type, record, kept)
                except errors.ApiError as failed:
                    errs.append(_with_trace(failed, item, str(raw_id)))
                    continue
                results.append({**self._written(object_type, record, values, item), "new": created})
        return self._batch_reply(results, errs, 200)

    def _batch_archive(
        self, object_type: str, inputs: list[dict[str, Any]], body: dict[str, Any], query: Query
    ) -> Reply:
        with self.crm.transaction():
            for item in inputs:
                record = self._find(object_type, str(item.get("id")), None)
                if record is not None:
                    self.crm.archive(object_type, record)
        return Reply(204)

    def _written(
        self, object_type: str, record: Record, values: dict[str, Any], item: dict[str, Any]
    ) -> dict[str, Any]:
        body = self.crm.record_json(object_type, record, tuple(values))
        if "objectWriteTraceId" in item:
            body["objectWriteTraceId"] = item["objectWriteTraceId"]
        return body

    # Search ------------------------------------------------------------------------------------

    def search(self, object_type: str, body: dict[str, Any], lag: float = 0.0) -> Reply:
        """`lag` seconds: how far the search index trails writes (a fault; 0 by default)."""
        with self.crm.lock:
            query = search.parse(body, self.crm.properties[object_type])
            table = self.crm.table(object_type)
            visible = dt_to_ms(self.crm.clock()) - int(lag * 1000) if lag else None
            total, ids = self.crm.searcher.run(table, query, modified_prop(object_type), visible)
            results = [
                self.crm.record_json(object_type, table.records[i], query.properties) for i in ids
            ]
        reply: dict[str, Any] = {"total": total, "results": results}
        seen = query.after + len(ids)
        if ids and seen < total:
            reply["paging"] = {"next": {"after": str(seen), "link": f"?after={seen}"}}
        return Reply(200, reply)


def _no_duplicates(keys: list[str]) -> None:
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        raise errors.validation(f"Duplicate IDs found in batch input: {duplicates}")


def _with_trace(failed: errors.ApiError, item: dict[str, Any], raw_id: str = "") -> dict[str, Any]:
    """A batch error entry that says which input failed."""
    entry = failed.batch_error()
    context = dict(entry.get("context") or {})
    if raw_id:
        context.setdefault("id", [raw_id])
    if "objectWriteTraceId" in item:
        context["objectWriteTraceId"] = [str(item["objectWriteTraceId"])]
    entry["context"] = context
    return entry
