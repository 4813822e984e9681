"""`GET /crm/v3/pipelines/deals`: the portal's deal pipelines and their stages, in display order.

Each stage's metadata carries `isClosed` and a `probability` (strings, as HubSpot sends them); a
closed stage with probability 1.0 is won. A convert reads this to open its deal in the default
pipeline's first open stage (developers.hubspot.com/docs/api-reference/crm-pipelines-v3/guide).
The stages themselves are schema.DEAL_PIPELINES, which also calculates a deal's hs_is_closed.
"""

from __future__ import annotations

from typing import Any

from sync.sandbox.schema import DEAL_PIPELINES, ms_to_iso

LABELS = {
    "default": "Sales Pipeline",
    "31415926": "Enterprise sales",
    "appointmentscheduled": "Appointment Scheduled",
    "qualifiedtobuy": "Qualified To Buy",
    "presentationscheduled": "Presentation Scheduled",
    "decisionmakerboughtin": "Decision Maker Bought-In",
    "contractsent": "Contract Sent",
    "closedwon": "Closed Won",
    "closedlost": "Closed Lost",
    "31415927": "Discovery",
    "31415928": "Proposal",
    "31415929": "Signed",
    "31415930": "Walked away",
}


def pipelines_json(created_ms: int) -> dict[str, Any]:
    stamp = ms_to_iso(created_ms)
    results = []
    for order, (pipeline, stages) in enumerate(DEAL_PIPELINES.items()):
        open_count = sum(1 for closed, _ in stages.values() if not closed)
        stage_json = []
        for index, (stage, (closed, won)) in enumerate(stages.items()):
            # Open stages climb towards 0.9; a won stage is 1.0, a lost one 0.0.
            probability = (
                (1.0 if won else 0.0)
                if closed
                else round(0.2 + 0.7 * index / max(open_count, 1), 1)
            )
            stage_json.append(
                {
                    "id": stage,
                    "label": LABELS.get(stage, stage),
                    "displayOrder": index,
                    "metadata": {
                        "isClosed": "true" if closed else "false",
                        "probability": str(probability),
                    },
                    "createdAt": stamp,
                    "updatedAt": stamp,
                    "archived": False,
                }
            )
        results.append(
            {
                "id": pipeline,
                "label": LABELS.get(pipeline, pipeline),
                "displayOrder": order,
                "stages": stage_json,
                "createdAt": stamp,
                "updatedAt": stamp,
                "archived": False,
            }
        )
    return {"results": results}
