"""Azure's own `azure-mgmt-apimanagement` client, pointed at a live Apidesk."""

from __future__ import annotations

import time
from typing import Any

from azure.core.credentials import AccessToken
from azure.mgmt.apimanagement import ApiManagementClient
from azure.mgmt.core.policies import ARMChallengeAuthenticationPolicy

SCOPE = "https://management.azure.com/.default"


class StaticTokenCredential:
    """A credential whose `get_token` returns an Apidesk admin token."""

    def __init__(self, token: str) -> None:
        self._token = token
        self.calls = 0

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        self.calls += 1
        return AccessToken(self._token, int(time.time()) + 3600)


class PlainHttpBearerPolicy(ARMChallengeAuthenticationPolicy):
    """The SDK's own bearer policy, allowed to send the token over loopback HTTP."""

    def on_request(self, request: Any) -> None:
        request.context["enforce_https"] = False
        super().on_request(request)


def client_for(base_url: str, token: str, subscription_id: str) -> ApiManagementClient:
    credential = StaticTokenCredential(token)
    return ApiManagementClient(
        credential,  # type: ignore[arg-type]
        subscription_id,
        base_url=base_url,
        authentication_policy=PlainHttpBearerPolicy(credential, SCOPE),  # type: ignore[arg-type]
        retry_total=0,
        polling_interval=0,
    )


def with_headers(pipeline_response: Any, deserialized: Any, headers: Any) -> tuple[Any, Any]:
    """`cls=` for an SDK call: its model and the response's headers."""
    return deserialized, headers


def with_status(pipeline_response: Any, deserialized: Any, headers: Any) -> tuple[Any, int]:
    """`cls=` for an SDK call: its model and the response's status code."""
    return deserialized, pipeline_response.http_response.status_code


class Statuses:
    """Pass as `cls=` or `raw_response_hook=`: records each response's status code in `seen`,
    and gives the call its model."""

    def __init__(self) -> None:
        self.seen: list[int] = []

    def __call__(
        self, pipeline_response: Any, deserialized: Any = None, headers: Any = None
    ) -> Any:
        self.seen.append(pipeline_response.http_response.status_code)
        return deserialized
