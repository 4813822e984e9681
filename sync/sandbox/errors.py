"""HubSpot's error bodies, so an adapter's error handling meets the real shapes.

Every error is `{"status": "error", "message", "correlationId", "category", ...}`; rate limits say
`errorType` and `policyName` instead of `category`.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

AUTH_MESSAGE = (
    "Authentication credentials not found. This API supports OAuth 2.0 authentication and you "
    "can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"
)
TEN_SECONDLY_MESSAGE = "You have reached your ten_secondly_rolling limit."
SECONDLY_MESSAGE = "You have reached your secondly limit."
# HubSpot answers a search that pages past its cap with a 400; the wording is the sandbox's own.
SEARCH_CAP_MESSAGE = (
    "Search results are limited to 10000 records per query and `after` may not go past that. "
    "Narrow the query, for example restart it from the last modified date seen."
)


def correlation_id() -> str:
    return str(uuid.uuid4())


class ApiError(Exception):
    """An error reply: HTTP status and HubSpot's body."""

    def __init__(
        self,
        status: int,
        category: str,
        message: str,
        *,
        context: dict[str, list[str]] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.category = category
        self.message = message
        self.context = context
        self.extra = extra

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "status": "error",
            "message": self.message,
            "correlationId": correlation_id(),
        }
        if self.context:
            body["context"] = self.context
        body["category"] = self.category
        body.update(self.extra)
        return body

    def batch_error(self) -> dict[str, Any]:
        """The same error as one entry of a batch reply's `errors`."""
        entry: dict[str, Any] = {
            "status": "error",
            "category": self.category,
            "message": self.message,
            "context": self.context or {},
        }
        entry.update(self.extra)
        return entry


def not_found(object_id: str) -> ApiError:
    return ApiError(
        404,
        "OBJECT_NOT_FOUND",
        "Object not found.  objectId are usually numeric.",
        context={"id": [object_id]},
    )


def invalid_json(detail: str) -> ApiError:
    return ApiError(400, "VALIDATION_ERROR", f"Invalid input JSON: {detail}")


def validation(message: str) -> ApiError:
    return ApiError(400, "VALIDATION_ERROR", message)


def property_errors(problems: list[tuple[str, str, str]]) -> ApiError:
    """HubSpot's "Property values were not valid" error; problems are (name, code, message)."""
    details = [
        {
            "isValid": False,
            "message": message,
            "error": code,
            "name": name,
            "localizedErrorMessage": message,
        }
        for name, code, message in problems
    ]
    return ApiError(
        400,
        "VALIDATION_ERROR",
        "Property values were not valid: " + json.dumps(details, separators=(",", ":")),
    )


def rate_limited(search: bool) -> dict[str, Any]:
    """The 429 body; search has its own, per-second policy."""
    return {
        "status": "error",
        "message": SECONDLY_MESSAGE if search else TEN_SECONDLY_MESSAGE,
        "errorType": "RATE_LIMIT",
        "correlationId": correlation_id(),
        "policyName": "SECONDLY" if search else "TEN_SECONDLY_ROLLING",
    }


def unauthorized() -> dict[str, Any]:
    return ApiError(401, "INVALID_AUTHENTICATION", AUTH_MESSAGE).body()


def server_error(status: int) -> dict[str, Any]:
    messages = {
        500: "internal error",
        502: "Bad Gateway",
        503: "Service temporarily unavailable",
        504: "Gateway Timeout",
    }
    return {
        "status": "error",
        "message": messages.get(status, "internal error"),
        "correlationId": correlation_id(),
        "category": "INTERNAL_ERROR" if status == 500 else "SERVICE_UNAVAILABLE",
    }


SCOPES_MESSAGE = (
    "This app hasn't been granted all required scopes to make this call. Read more about "
    "required scopes here: https://developers.hubspot.com/scopes."
)
DAILY_MESSAGE = "You have reached your daily limit."


def missing_scopes(*scopes: str) -> ApiError:
    """HubSpot's 403 for a token without a scope: the shape quoted in HubSpot's own SDK issues
    (github.com/HubSpot/hubspot-api-nodejs/issues/268), with the scopes that would do."""
    return ApiError(
        403,
        "MISSING_SCOPES",
        SCOPES_MESSAGE,
        errors=[
            {
                "message": "One or more of the following scopes are required.",
                "context": {"requiredGranularScopes": list(scopes)},
            }
        ],
        links={"scopes": "https://developers.hubspot.com/scopes"},
    )


def tier_required(api: str) -> ApiError:
    """A 403 for an API the account's subscription does not include. HubSpot documents the tier
    (developers.hubspot.com/docs/guides/api/analytics-and-events/event-analytics: Enterprise);
    the wording of its refusal is not published, so this message is the sandbox's own."""
    return ApiError(
        403,
        "MISSING_SCOPES",
        f"This account does not have access to the {api}: it needs a Marketing, Sales, Service "
        "or Content Hub Enterprise subscription.",
    )


def daily_limited() -> dict[str, Any]:
    """The daily quota's 429 (developers.hubspot.com/docs/guides/apps/api-usage/usage-details):
    policyName DAILY; retrying before midnight in the account's time zone cannot help."""
    return {
        "status": "error",
        "message": DAILY_MESSAGE,
        "errorType": "RATE_LIMIT",
        "correlationId": correlation_id(),
        "policyName": "DAILY",
    }
