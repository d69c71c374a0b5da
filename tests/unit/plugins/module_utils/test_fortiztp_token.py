"""FortiCloudAuth.token(min_valid=...): the shared token is renewed when it expires too soon."""
from __future__ import annotations

from ansible_collections.breakwater.ztp.plugins.module_utils import forticloud_auth


class FakeAuth(forticloud_auth.FortiCloudAuth):
    def __init__(self, now):
        super(FakeAuth, self).__init__(api_id="user", password="pw", clock=lambda: now)
        self.answers = []

    def _oauth(self, body):
        self.answers.append(body["grant_type"])
        return {"access_token": "token-%d" % len(self.answers), "refresh_token": "r", "expires_in": 3600}


def test_token_reused_while_valid_and_renewed_within_min_valid():
    auth = FakeAuth(now=1000.0)
    assert auth.token() == "token-1"
    assert auth.token() == "token-1"                 # valid for 3600 s: reused
    assert auth.token(min_valid=1800) == "token-1"   # still valid for 1800 s
    assert auth.token(min_valid=7200) == "token-2"   # expires sooner: refreshed
    assert auth.answers == ["password", "refresh_token"]


def test_min_valid_never_below_the_refresh_margin():
    auth = FakeAuth(now=1000.0)
    auth.cache.write({"access_token": "old", "refresh_token": "r", "expires_at": 1000.0 + forticloud_auth.REFRESH_MARGIN - 1})
    assert auth.token(min_valid=0) == "token-1"
