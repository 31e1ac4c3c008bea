"""The token endpoint is throttled per client address (ASN_OIDC_TOKEN_RATE a minute): past the
limit it answers 429 with Retry-After, before any client or code is looked at."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

pytestmark = pytest.mark.django_db(transaction=True)  # like the live-server tests beside them


def test_past_the_rate_the_token_endpoint_answers_429(client, settings):
    settings.ASN_OIDC_TOKEN_RATE = 2
    cache.clear()
    token = reverse("oauth2_provider:token")
    answers = [client.post(token, {"grant_type": "authorization_code"}) for _ in range(3)]
    assert all(a.status_code in (400, 401) for a in answers[:2])  # refused, not throttled
    assert answers[2].status_code == 429
    assert answers[2].json()["error"] == "slow_down"
    assert answers[2]["Retry-After"] == "60"
