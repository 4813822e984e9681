"""What kind of HubSpot account the sandbox plays: its subscription tier, what its token may do,
and which object types allow unique-value properties. Tests run both a plain portal (the default)
and an Enterprise one.

Each switch follows a HubSpot developer documentation page, named beside it.
"""

from __future__ import annotations

from dataclasses import dataclass

# Unique-value properties (`hasUniqueValue`) are documented for contacts, companies, deals,
# tickets and custom objects (developers.hubspot.com/docs/api/crm/properties, unique identifier
# properties; RESEARCH.md). Engagements are not listed, so the sandbox refuses them there unless
# told otherwise. HubSpot's exact error text for that refusal was not found: the sandbox's is its
# own (api.create_property).
UNIQUE_OBJECT_TYPES = frozenset({"contacts", "companies", "deals", "tickets"})


@dataclass(frozen=True, slots=True)
class Portal:
    # The events API (web activity) "requires ... Marketing/Sales/Service/Content Hub Enterprise"
    # (developers.hubspot.com/docs/guides/api/analytics-and-events/event-analytics); elsewhere
    # it answers 403.
    enterprise: bool = False
    # Allow unique-value properties on calls, emails, meetings, notes and communications too,
    # so the adapter's batch-upsert path is tested as well as its search path.
    unique_on_engagements: bool = False
    # Private app scopes (developers.hubspot.com/docs/apps/legacy-apps/private-apps/overview):
    # creating properties needs crm.schemas.{object}.write; a token without it gets 403
    # MISSING_SCOPES.
    schema_write: bool = True
    # Reading web events needs an analytics scope; owners need crm.objects.owners.read.
    owners_read: bool = True
    # Object types the token has no read scope for (e.g. "emails": sales-email-read missing):
    # their endpoints and associations answer 403 MISSING_SCOPES.
    unscoped: frozenset[str] = frozenset()
    # How many associations one v4 batch-read result holds before it pages (per record).
    association_page: int = 500
    # Seeded history: this many contacts carry more notes than one association page holds, and
    # this many owners are deactivated users (developers.hubspot.com/docs/api/crm/owners:
    # `archived=true`) who wrote those notes.
    busy_contacts: int = 0
    former_owners: int = 0

    def allows_unique(self, object_type: str) -> bool:
        return object_type in UNIQUE_OBJECT_TYPES or self.unique_on_engagements
