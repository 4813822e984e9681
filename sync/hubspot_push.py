"""The rep's decisions as HubSpot writes: a convert opens a deal, a disqualify or a reopen sets
the contact's statuses and leadtui's own properties, an undo archives what was pushed.

Facts it rests on (RESEARCH.md, "HubSpot CRM API v3"):
- Deals support unique-value properties, so a deal is created with batch upsert on
  `leadtui_op_id`: a convert retried after a lost reply opens one deal, not two.
- Pipelines and stages are per portal: the default pipeline's first open stage is read from
  `GET /crm/v3/pipelines/deals` (stage metadata `isClosed`), never assumed.
- Lifecycle stage moves forward only; a backward value is ignored unless the property is first
  cleared to "". The order of stages is the property's options order, read from the portal.
- DELETE archives a record (restorable for 90 days): an undo of a pushed touch, note or deal.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from leadtui.domain.models import Channel, LeadStatus
from sync import hubspot_map as hm
from sync.http import Http, RequestError
from sync.protocol import DealSpec, PushResult, SyncError

# The contact properties leadtui creates (`leadtui setup`) for what HubSpot has no field for.
REASON_PROPERTY = "leadtui_disqualify_reason"
CLOSED_AT_PROPERTY = "leadtui_closed_at"
BAD_PHONE_PROPERTY = "leadtui_bad_phone"
BAD_EMAIL_PROPERTY = "leadtui_bad_email"
# Lead fields a convert's deal carries; the contact has no property for them.
DEAL_FIELDS = frozenset({"opportunity_at", "deal_value", "won_at"})
# Everything else (snoozed_until) stays local: README, "What reaches the CRM, and what stays here".
CONTACT_FIELDS = frozenset({"status", "closed_at", "disqualified_reason", "phone_bad", "email_bad"})
# The engagement type a touch was pushed as (hubspot_map.touch_properties).
ENGAGEMENT_OF_CHANNEL = {
    Channel.CALL.value: "calls",
    Channel.EMAIL.value: "emails",
    Channel.MEETING.value: "meetings",
    Channel.LINKEDIN.value: "communications",
    Channel.SMS.value: "communications",
}


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def contact_properties(fields: Mapping[str, Any]) -> dict[str, str]:
    """HubSpot contact properties for these lead fields (leadtui names and values)."""
    props: dict[str, str] = {}
    status = fields.get("status")
    if status:
        lifecycle, lead_status = hm.HUBSPOT_STATUS_OF[LeadStatus(status)]
        props |= {"lifecyclestage": lifecycle, "hs_lead_status": lead_status}
    if "closed_at" in fields:
        closed = fields["closed_at"]
        moment = datetime.fromisoformat(closed) if isinstance(closed, str) else closed
        props[CLOSED_AT_PROPERTY] = stamp(moment) if moment else ""
    if "disqualified_reason" in fields:
        props[REASON_PROPERTY] = str(fields["disqualified_reason"] or "")
    for name, prop in (("phone_bad", BAD_PHONE_PROPERTY), ("email_bad", BAD_EMAIL_PROPERTY)):
        if name in fields:
            props[prop] = "true" if fields[name] else "false"
    return props


class HubSpotPushes:
    """The decision pushes of the HubSpot adapter; `owner_id` maps an owner email to its id."""

    def __init__(self, http: Http, owner_id: Callable[[str], str]) -> None:
        self.http = http
        self.owner_id = owner_id
        self._stages: dict[str, str] | None = None  # pipeline id -> its first open stage
        self._default_pipeline = ""
        self._lifecycle: list[str] | None = None

    # -- deals ------------------------------------------------------------------------------

    def pipeline_and_stage(self, deal: DealSpec) -> tuple[str, str]:
        """The configured pipeline and stage, else the default pipeline's first open stage."""
        if deal.pipeline and deal.stage:
            return deal.pipeline, deal.stage
        if self._stages is None:
            self._read_pipelines()
        assert self._stages is not None
        pipeline = deal.pipeline or self._default_pipeline
        stage = deal.stage or self._stages.get(pipeline, "")
        if not stage:
            raise RequestError(
                400,
                "NO_OPEN_STAGE",
                f"the deal pipeline {pipeline!r} has no open stage; "
                "set [deals] stage in the config",
            )
        return pipeline, stage

    def _read_pipelines(self) -> None:
        reply = self.http.call("GET", "/crm/v3/pipelines/deals") or {}
        pipelines = [p for p in reply.get("results") or [] if isinstance(p, Mapping)]
        pipelines = [p for p in pipelines if not p.get("archived")]
        pipelines.sort(key=lambda p: (p.get("id") != "default", _order(p)))
        stages: dict[str, str] = {}
        for pipeline in pipelines:
            open_stages = [
                s
                for s in pipeline.get("stages") or []
                if isinstance(s, Mapping)
                and not s.get("archived")
                and str((s.get("metadata") or {}).get("isClosed", "false")).lower() != "true"
            ]
            open_stages.sort(key=_order)
            if open_stages:
                stages[str(pipeline.get("id"))] = str(open_stages[0].get("id"))
        self._stages = stages
        self._default_pipeline = str(pipelines[0].get("id")) if pipelines else ""

    def create_deal(self, lead_crm_id: str, deal: DealSpec, op_id: str) -> PushResult:
        pipeline, stage = self.pipeline_and_stage(deal)
        props: dict[str, Any] = {
            "dealname": deal.name,
            "pipeline": pipeline,
            "dealstage": stage,
            "createdate": stamp(deal.opened_at),
            "leadtui_op_id": op_id,
        }
        if deal.amount is not None:
            props["amount"] = deal.amount
        if deal.close_date is not None:
            props["closedate"] = deal.close_date.isoformat()
        if deal.owner:
            try:
                props["hubspot_owner_id"] = self.owner_id(deal.owner)
            except RequestError:
                raise
            except SyncError:
                pass  # a deal without an owner is still the rep's opportunity
        reply = self.http.call(
            "POST",
            "/crm/v3/objects/deals/batch/upsert",
            json={"inputs": [{"idProperty": "leadtui_op_id", "id": op_id, "properties": props}]},
        )
        results = (reply or {}).get("results") or []
        if not results or not isinstance(results[0], Mapping) or not results[0].get("id"):
            raise SyncError(f"HubSpot did not create the deal: {reply}")
        deal_id = str(results[0]["id"])
        self.http.call(
            "PUT", f"/crm/v4/objects/deals/{deal_id}/associations/default/contacts/{lead_crm_id}"
        )
        self.write_contact(lead_crm_id, contact_properties({"status": LeadStatus.CONVERTED}))
        return PushResult(deal_id)

    def archive_deal(self, op_id: str) -> PushResult:
        try:
            reply = self.http.call(
                "GET",
                f"/crm/v3/objects/deals/{op_id}",
                params={"idProperty": "leadtui_op_id", "properties": "dealname"},
            )
        except RequestError as exc:
            if exc.status == 404:
                return PushResult("")  # never made, or archived already
            raise
        deal_id = str((reply or {}).get("id") or "")
        if deal_id:
            self.archive("deals", deal_id)
        return PushResult(deal_id)

    # -- contacts and engagements -----------------------------------------------------------

    def update_contact(self, lead_crm_id: str, fields: Mapping[str, Any]) -> PushResult:
        props = contact_properties({k: v for k, v in fields.items() if k in CONTACT_FIELDS})
        if props:
            self.write_contact(lead_crm_id, props)
        return PushResult(lead_crm_id)

    def write_contact(self, lead_crm_id: str, props: dict[str, str]) -> None:
        """PATCH the contact; a backward lifecycle stage is cleared first, or HubSpot would
        ignore it."""
        target = props.get("lifecyclestage")
        if target and self._is_backward(lead_crm_id, target):
            self._patch(lead_crm_id, {"lifecyclestage": ""})
        self._patch(lead_crm_id, props)

    def _patch(self, lead_crm_id: str, props: Mapping[str, str]) -> None:
        self.http.call(
            "PATCH", f"/crm/v3/objects/contacts/{lead_crm_id}", json={"properties": dict(props)}
        )

    def _is_backward(self, lead_crm_id: str, target: str) -> bool:
        reply = self.http.call(
            "GET",
            f"/crm/v3/objects/contacts/{lead_crm_id}",
            params={"properties": "lifecyclestage"},
        )
        current = hm.text((reply or {}).get("properties") or {}, "lifecyclestage")
        order = self._lifecycle_order()
        if not current or current not in order or target not in order:
            return False
        return order.index(target) < order.index(current)

    def _lifecycle_order(self) -> list[str]:
        if self._lifecycle is None:
            reply = self.http.call("GET", "/crm/v3/properties/contacts/lifecyclestage") or {}
            options = [o for o in reply.get("options") or [] if isinstance(o, Mapping)]
            options.sort(key=_order)
            self._lifecycle = [str(o.get("value")) for o in options]
        return self._lifecycle

    def archive_touch(self, crm_id: str, channel: str) -> PushResult:
        return self.archive(ENGAGEMENT_OF_CHANNEL.get(channel, "calls"), crm_id)

    def archive_note(self, crm_id: str) -> PushResult:
        return self.archive("notes", crm_id)

    def archive(self, object_type: str, crm_id: str) -> PushResult:
        # DELETE of a record already archived answers 204 too: a retried undo is harmless.
        self.http.call("DELETE", f"/crm/v3/objects/{object_type}/{crm_id}")
        return PushResult(crm_id)


def _order(item: Mapping[str, Any]) -> int:
    value = item.get("displayOrder")
    return value if isinstance(value, int) else 0
