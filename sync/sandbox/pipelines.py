"""Deal pipelines and the contact lifecycle stage as HubSpot rules them.

- The portal starts with one deal pipeline, id "default", whose stages carry `isClosed` and a
  probability in their metadata; `GET /crm/v3/pipelines/deals` lists them
  (https://developers.hubspot.com/docs/api-reference/crm-pipelines-v3/guide).
- A deal's `hs_is_closed` and `hs_is_closed_won` are calculated from its stage, in any pipeline:
  a closed stage with probability 1 is won (HubSpot's default deal properties,
  https://knowledge.hubspot.com/properties/hubspots-default-deal-properties).
- An API write moving `lifecyclestage` backwards is ignored without an error; clearing it to ""
  first lets the next write set any stage
  (https://knowledge.hubspot.com/object-settings/create-and-customize-lifecycle-stages and
  RESEARCH.md, "Lifecycle stage moves forward only").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sync.sandbox.schema import LIFECYCLE_STAGES, ms_to_iso

DEFAULT_PIPELINE = "default"
# (stage id, label, probability, closed): HubSpot's default sales pipeline.
DEAL_STAGES: tuple[tuple[str, str, float, bool], ...] = (
    ("appointmentscheduled", "Appointment Scheduled", 0.2, False),
    ("qualifiedtobuy", "Qualified To Buy", 0.4, False),
    ("presentationscheduled", "Presentation Scheduled", 0.6, False),
    ("decisionmakerboughtin", "Decision Maker Bought-In", 0.8, False),
    ("contractsent", "Contract Sent", 0.9, False),
    ("closedwon", "Closed Won", 1.0, True),
    ("closedlost", "Closed Lost", 0.0, True),
)
_BY_ID = {stage: (probability, closed) for stage, _, probability, closed in DEAL_STAGES}


def pipelines_json(created_ms: int) -> dict[str, Any]:
    """`GET /crm/v3/pipelines/deals`: metadata values are strings, as HubSpot sends them."""
    stamp = ms_to_iso(created_ms)
    stages = [
        {
            "id": stage,
            "label": label,
            "displayOrder": order,
            "metadata": {"isClosed": "true" if closed else "false", "probability": str(p)},
            "createdAt": stamp,
            "updatedAt": stamp,
            "archived": False,
        }
        for order, (stage, label, p, closed) in enumerate(DEAL_STAGES)
    ]
    pipeline = {
        "id": DEFAULT_PIPELINE,
        "label": "Sales Pipeline",
        "displayOrder": 0,
        "stages": stages,
        "createdAt": stamp,
        "updatedAt": stamp,
        "archived": False,
    }
    return {"results": [pipeline]}


def deal_calculated(props: Mapping[str, str | None]) -> dict[str, str]:
    """hs_is_closed and hs_is_closed_won for a deal's stage (unknown stages are open)."""
    probability, closed = _BY_ID.get(props.get("dealstage") or "", (0.0, False))
    won = closed and probability >= 1.0
    return {"hs_is_closed": str(closed).lower(), "hs_is_closed_won": str(won).lower()}


def lifecycle_allowed(current: str | None, new: str | None) -> bool:
    """Whether an API write of `new` over `current` takes effect (forward or a clear)."""
    if not new or not current or current not in LIFECYCLE_STAGES or new not in LIFECYCLE_STAGES:
        return True
    return LIFECYCLE_STAGES.index(new) >= LIFECYCLE_STAGES.index(current)
