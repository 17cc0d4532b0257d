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
