# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rules of the HTTP layer, shown against a real local HTTP server (no mock of requests).

Sleeps are recorded instead of slept (the ``sleep`` argument of HttpClient), so retries cost
nothing and their delays can be checked.
"""

from __future__ import annotations

import email.utils
import json
import os
import time
import traceback
import warnings

import pytest
import requests
import yaml

from ansible_collections.breakwater.ztp.plugins.module_utils import http_client, version
from ansible_collections.breakwater.ztp.plugins.module_utils.api_error import ApiError
from ansible_collections.breakwater.ztp.plugins.module_utils.breakwater import BreakwaterClient
from ansible_collections.breakwater.ztp.plugins.module_utils.forticloud_auth import FortiCloudAuth
from ansible_collections.breakwater.ztp.plugins.module_utils.fortiztp import FortiZTPClient
from ansible_collections.breakwater.ztp.plugins.module_utils.http_client import HttpClient
from ansible_collections.breakwater.ztp.plugins.module_utils.http_retry import (
    BACKOFF_BASE, MAX_BACKOFF, MAX_RETRY_AFTER, backoff_delay, parse_retry_after,
)
from ansible_collections.breakwater.ztp.tests.unit.helpers.server import (
    Reply, ScriptedServer, drop, free_port, self_signed_certificate, tls_context,
)

TOKEN = "bw-Sup3rSecretT0ken-6f1c2a"
BW = "/api/v1/ztp"


@pytest.fixture
def server():
    with ScriptedServer() as scripted:
        yield scripted


@pytest.fixture
def sleeps():
    return []


def make_client(server, sleeps, **options):
    options.setdefault("timeout", 2)
    options.setdefault("retries", 3)
    return HttpClient(server.url, sleep=sleeps.append, **options)


def breakwater(server, sleeps, **options):
    options.setdefault("timeout", 2)
    options.setdefault("retries", 3)
    return BreakwaterClient(server.url, TOKEN, sleep=sleeps.append, **options)


def bw_error(status, code, message, details=None):
    return Reply(status, {"error": {"code": code, "message": message, "details": details or {}}})


# ----------------------------------------------------------------------------- retries

@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_retryable_status_is_retried_until_success(server, sleeps, status):
    server.script("/thing", Reply(status), Reply(status), Reply(200, {"ok": True}))
    assert make_client(server, sleeps).get("/thing") == {"ok": True}
    assert len(server.requests_to("/thing")) == 3
    assert len(sleeps) == 2


@pytest.mark.parametrize("status", [429, 502, 503, 504])
@pytest.mark.parametrize("retries", [0, 1, 3])
def test_retries_are_bounded_then_api_error(server, sleeps, status, retries):
    server.default("/thing", Reply(status, {"error": "busy"}))
    with pytest.raises(ApiError) as caught:
        make_client(server, sleeps, retries=retries).get("/thing")
    assert caught.value.status == status
    assert len(server.requests_to("/thing")) == retries + 1
    assert len(sleeps) == retries


@pytest.mark.parametrize("status", [500, 501, 505])
def test_other_5xx_are_not_retried(server, sleeps, status):
    server.default("/thing", Reply(status))
    with pytest.raises(ApiError) as caught:
        make_client(server, sleeps).get("/thing")
    assert caught.value.status == status
    assert len(server.requests) == 1
    assert sleeps == []


def test_writes_count_the_requests_that_may_change_the_server_with_their_twins(server, sleeps):
    """A write is counted when sent, whatever the answer (a failed PUT may have changed something); reads are not."""
    server.script("/thing", Reply(200, {"ok": 1}), Reply(200, {"ok": 1}), bw_error(409, "CONFLICT", "no"),
                  Reply(200, {"ok": 1}))
    client = make_client(server, sleeps)
    client.get("/thing")
    client.request("PUT", "/thing", json={})
    with pytest.raises(ApiError):
        client.request("POST", "/thing", json={})
    assert (client.calls, client.writes) == (3, 2)
    twin = client.for_thread()
    assert (twin.calls, twin.writes) == (0, 0)
    twin.request("DELETE", "/thing")
    client.add_calls(twin)
    assert (client.calls, client.writes) == (4, 3)


def test_dropped_connection_is_retried_for_get(server, sleeps):
    server.script("/thing", drop(), drop(), Reply(200, {"ok": 1}))
    assert make_client(server, sleeps).get("/thing") == {"ok": 1}
    assert len(server.requests) == 3
    assert len(sleeps) == 2


def test_dropped_connection_retries_are_bounded(server, sleeps):
    server.default("/thing", drop())
    with pytest.raises(ApiError) as caught:
        make_client(server, sleeps, retries=2).get("/thing")
    assert caught.value.status is None
    assert caught.value.code == "CONNECTION_ERROR"
    assert (caught.value.method, caught.value.path) == ("GET", "/thing")
    assert len(server.requests) == 3
    assert len(sleeps) == 2


def test_connection_refused_retries_are_bounded(sleeps):
    client = HttpClient("http://127.0.0.1:%d" % free_port(), timeout=2, retries=2, sleep=sleeps.append)
    with pytest.raises(ApiError) as caught:
        client.get("/thing")
    assert caught.value.code == "CONNECTION_ERROR"
    assert caught.value.status is None
    assert len(sleeps) == 2


def test_read_timeout_is_retried_for_get_and_bounded(server, sleeps):
    server.default("/slow", Reply(200, {}, delay=0.6))
    with pytest.raises(ApiError) as caught:
        make_client(server, sleeps, timeout=0.2, retries=1).get("/slow")
    assert caught.value.code == "TIMEOUT"
    assert len(server.requests) == 2
    assert len(sleeps) == 1


# ----------------------------------------------------------------------------- backoff

def test_backoff_is_jittered_exponential_and_bounded(server, sleeps):
    retries = 6
    runs = 6
    for _run in range(runs):
        server.script("/thing", *([Reply(503)] * retries + [Reply(200, {})]))
        HttpClient(server.url, timeout=2, retries=retries, sleep=sleeps.append).get("/thing")
    assert len(sleeps) == retries * runs
    by_attempt = [sleeps[attempt::retries] for attempt in range(retries)]
    for attempt, delays in enumerate(by_attempt):
        bound = min(MAX_BACKOFF, BACKOFF_BASE * 2 ** attempt)
        assert all(0 <= d <= bound for d in delays), (attempt, delays)
    last = by_attempt[-1]  # uniform in [0, 16]: equal or all small only if jitter or growth is gone
    assert len(set(last)) > 1
    assert max(last) > BACKOFF_BASE * 2 ** 2


def test_backoff_delay_has_full_jitter_and_a_cap():
    samples = [backoff_delay(3) for _i in range(300)]
    assert min(samples) >= 0 and max(samples) <= BACKOFF_BASE * 8
    assert min(samples) < 1 and max(samples) > 3  # spread over the whole interval
    capped = [backoff_delay(40) for _i in range(300)]
    assert max(capped) <= MAX_BACKOFF
    assert max(capped) > MAX_BACKOFF / 2


# ----------------------------------------------------------------------------- Retry-After

def http_date(offset_seconds):
    return email.utils.formatdate(time.time() + offset_seconds, usegmt=True)


def test_retry_after_seconds_is_honoured(server, sleeps):
    server.script("/thing", Reply(503, headers={"Retry-After": "7"}), Reply(200, {}))
    make_client(server, sleeps).get("/thing")
    assert sleeps == [7.0]


def test_retry_after_http_date_is_honoured(server, sleeps):
    server.script("/thing", Reply(429, headers={"Retry-After": http_date(30)}), Reply(200, {}))
    make_client(server, sleeps).get("/thing")
    assert len(sleeps) == 1
    assert 27.5 <= sleeps[0] <= 30.5  # the date has a one-second resolution


@pytest.mark.parametrize("value", ["3600", "86400", "__date+1d__"])
def test_retry_after_is_capped(server, sleeps, value):
    value = http_date(86400) if value == "__date+1d__" else value
    server.script("/thing", Reply(503, headers={"Retry-After": value}), Reply(200, {}))
    make_client(server, sleeps).get("/thing")
    assert sleeps == [MAX_RETRY_AFTER]


def test_retry_after_in_the_past_means_now_and_garbage_means_backoff(server, sleeps):
    server.script("/thing", Reply(503, headers={"Retry-After": http_date(-120)}),
                  Reply(503, headers={"Retry-After": "soon-ish"}), Reply(200, {}))
    make_client(server, sleeps).get("/thing")
    assert sleeps[0] == 0
    assert 0 <= sleeps[1] <= BACKOFF_BASE * 2  # the second attempt's backoff bound


def test_parse_retry_after():
    now = 1_700_000_000.0
    assert parse_retry_after("12") == 12
    assert parse_retry_after(" 1.5 ") == 1.5
    assert parse_retry_after(email.utils.formatdate(now + 42, usegmt=True), now=now) == 42
    assert parse_retry_after(email.utils.formatdate(now + 4200, usegmt=True), now=now) == MAX_RETRY_AFTER
    assert parse_retry_after("-5") == 0
    assert parse_retry_after("") is None
    assert parse_retry_after(None) is None
    assert parse_retry_after("tomorrow") is None


# ----------------------------------------------------------------------------- the POST rule

# A bare POST is sent once; the read-back that makes a create safe to repeat is test_safe_posts.py's.
@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_post_is_never_retried_after_a_5xx(server, sleeps, status):
    server.default("/jobs", bw_error(status, "UPSTREAM", "try later"))
    with pytest.raises(ApiError) as caught:
        make_client(server, sleeps).request("POST", "/jobs", json={"name": "site-a"})
    assert caught.value.status == status
    assert len(server.requests_to("/jobs", "POST")) == 1
    assert sleeps == []


def test_post_is_never_retried_after_a_dropped_connection(server, sleeps):
    server.default("/jobs", drop())
    with pytest.raises(ApiError) as caught:
        make_client(server, sleeps).request("POST", "/jobs", json={"name": "site-a"}, resource="site-a")
    assert caught.value.status is None
    assert caught.value.code == "CONNECTION_ERROR"
    assert (caught.value.method, caught.value.path, caught.value.resource) == ("POST", "/jobs", "site-a")
    assert len(server.requests) == 1  # it reached the server: repeating it could create it twice
    assert server.requests[0].json() == {"name": "site-a"}
    assert sleeps == []


def test_post_is_never_retried_after_a_read_timeout(server, sleeps):
    server.default("/jobs", Reply(201, {}, delay=0.6))
    with pytest.raises(ApiError) as caught:
        make_client(server, sleeps, timeout=0.2).request("POST", "/jobs", json={})
    assert caught.value.code == "TIMEOUT"
    assert len(server.requests) == 1
    assert sleeps == []


def test_post_is_retried_after_a_429(server, sleeps):
    server.script(BW + "/manifests", Reply(429, headers={"Retry-After": "2"}), Reply(429),
                  Reply(201, {"id": "m-1", "name": "site-a"}))
    assert breakwater(server, sleeps).create_manifest({"name": "site-a"})["id"] == "m-1"
    assert len(server.requests_to(BW + "/manifests", "POST")) == 3
    assert sleeps[0] == 2.0 and len(sleeps) == 2


def test_post_429_retries_are_bounded(server, sleeps):
    server.default("/jobs", Reply(429))
    with pytest.raises(ApiError) as caught:
        make_client(server, sleeps, retries=2).request("POST", "/jobs", json={})
    assert caught.value.status == 429
    assert len(server.requests) == 3


def test_post_is_retried_after_connection_refused():
    """Refused means never sent, so even a POST may go again; the server comes up during the backoff."""
    port = free_port()
    started = []

    def sleep(delay):
        if len(started) == 0 and sleep.calls == 1:
            started.append(ScriptedServer(port=port))
            started[0].script("/jobs", Reply(201, {"id": 7}))
        sleep.calls += 1
    sleep.calls = 0

    client = HttpClient("http://127.0.0.1:%d" % port, timeout=2, retries=3, sleep=sleep)
    try:
        assert client.request("POST", "/jobs", json={"n": 1}).json() == {"id": 7}
        assert sleep.calls == 2
        assert [(r.method, r.path) for r in started[0].requests] == [("POST", "/jobs")]
    finally:
        for scripted in started:
            scripted.close()


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_idempotent_writes_are_retried_after_5xx_and_drops(server, sleeps, method):
    server.script("/things/1", Reply(503), drop(), Reply(200, {"id": 1}))
    assert make_client(server, sleeps).request(method, "/things/1", json={}).json() == {"id": 1}
    assert len(server.requests) == 3


# ----------------------------------------------------------------------------- error mapping

def test_breakwater_envelope_becomes_api_error(server, sleeps):
    server.script(BW + "/manifests/m-404", bw_error(404, "MANIFEST_NOT_FOUND", "No manifest m-404",
                                                    {"manifest_id": "m-404"}))
    with pytest.raises(ApiError) as caught:
        breakwater(server, sleeps).get_manifest("m-404")
    error = caught.value
    assert (error.status, error.code, error.message) == (404, "MANIFEST_NOT_FOUND", "No manifest m-404")
    assert error.details == {"manifest_id": "m-404"}
    assert (error.method, error.path, error.resource) == ("GET", "/manifests/m-404", "m-404")
    assert error.to_dict() == {
        "status": 404, "code": "MANIFEST_NOT_FOUND", "message": "No manifest m-404",
        "details": {"manifest_id": "m-404"}, "method": "GET", "path": "/manifests/m-404", "resource": "m-404",
    }
    text = str(error)
    for part in ("GET", "/manifests/m-404", "404", "MANIFEST_NOT_FOUND", "No manifest m-404", "m-404"):
        assert part in text


def test_breakwater_validation_error_on_post(server, sleeps):
    details = {"field": "site_id", "errors": [{"loc": ["body", "site_id"], "msg": "required"}]}
    server.script(BW + "/manifests", bw_error(422, "VALIDATION_ERROR", "site_id is required", details))
    with pytest.raises(ApiError) as caught:
        breakwater(server, sleeps).create_manifest({"name": "site-b"})
    error = caught.value
    assert (error.status, error.code, error.details) == (422, "VALIDATION_ERROR", details)
    assert (error.method, error.path, error.resource) == ("POST", "/manifests", "site-b")


def test_fortiztp_oauth_style_error_becomes_api_error(server, sleeps):
    server.script("/devices", Reply(400, {
        "error": "invalid_request", "error_description": "Device FGT60F0000000001 doesn't exist in this account",
        "status": 400,
    }))
    auth = FortiCloudAuth(server.url, access_token="given-Acc3ss-token", timeout=2, retries=0)
    client = FortiZTPClient(auth, server.url, timeout=2, retries=3, sleep=sleeps.append)
    with pytest.raises(ApiError) as caught:
        client.bulk_update_devices([{"deviceSN": "FGT60F0000000001", "deviceType": "FortiGate"}])
    error = caught.value
    assert (error.status, error.code) == (400, "invalid_request")
    assert error.message == "Device FGT60F0000000001 doesn't exist in this account"
    assert error.details == {"status": 400}
    assert (error.method, error.path, error.resource) == ("PUT", "/devices", "FGT60F0000000001")


@pytest.mark.parametrize("body, content_type, expected", [
    ("<html><body>502 Bad Gateway</body></html>", "text/html", "502 Bad Gateway"),
    ("", None, "no body"),
    ("{not json", "application/json", "{not json"),
])
def test_non_json_error_body(server, sleeps, body, content_type, expected):
    headers = {"Content-Type": content_type} if content_type else {}
    server.default(BW + "/status", Reply(502, body, headers=headers))
    with pytest.raises(ApiError) as caught:
        breakwater(server, sleeps, retries=0).get_status()
    error = caught.value
    assert (error.status, error.code, error.method, error.path) == (502, "HTTP_502", "GET", "/status")
    assert expected in error.message
    assert error.details == {}


@pytest.mark.parametrize("status", [300, 400, 401, 403, 404, 405, 409, 410, 422, 500, 501, 505])
def test_every_non_2xx_is_an_api_error(server, sleeps, status):
    server.default("/thing", Reply(status, {"error": {"code": "E%d" % status, "message": "m"}}))
    with pytest.raises(ApiError) as caught:
        make_client(server, sleeps, retries=0).get("/thing")
    assert caught.value.status == status
    assert isinstance(caught.value.message, str)


@pytest.mark.parametrize("status", [200, 201, 202, 204])
def test_2xx_is_success(server, sleeps, status):
    server.default("/thing", Reply(status, {"id": 1} if status != 204 else None))
    body = make_client(server, sleeps).request("GET", "/thing").json()
    assert body == ({"id": 1} if status != 204 else None)


def test_a_malformed_envelope_still_gives_an_api_error(server, sleeps):
    server.default(BW + "/status", Reply(400, {"error": ["not", "an", "object"]}))
    with pytest.raises(ApiError) as caught:
        breakwater(server, sleeps).get_status()
    assert caught.value.status == 400 and caught.value.code == "HTTP_400"


# ----------------------------------------------------------------------------- TLS

@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    return self_signed_certificate(str(tmp_path_factory.mktemp("tls")))


@pytest.fixture(params=["env-bundle", "no-env-bundle"])
def tls_server(request, certificate, monkeypatch):
    """Both with and without REQUESTS_CA_BUNDLE, which requests lets override a Session's verify."""
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    if request.param == "env-bundle":
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", requests.utils.DEFAULT_CA_BUNDLE_PATH)
    with ScriptedServer(ssl_context=tls_context(*certificate)) as scripted:
        scripted.default(BW + "/status", Reply(200, {"status": "healthy"}))
        yield scripted


def test_self_signed_certificate_fails_by_default(tls_server, sleeps):
    with pytest.raises(ApiError) as caught:
        BreakwaterClient(tls_server.url, TOKEN, timeout=2, retries=3, sleep=sleeps.append).get_status()
    error = caught.value
    assert (error.status, error.code, error.method, error.path) == (None, "TLS_ERROR", "GET", "/status")
    assert tls_server.requests == []  # nothing was sent to an unverified server
    assert sleeps == []  # an untrusted certificate stays untrusted: no retries
    assert TOKEN not in str(error)


def test_ca_path_trusts_the_certificate(tls_server, certificate, sleeps):
    params = {"url": tls_server.url, "api_token": TOKEN, "validate_certs": True, "ca_path": certificate[0]}
    assert BreakwaterClient.from_params(params).get_status() == {"status": "healthy"}
    assert tls_server.requests[0].bearer == TOKEN


def test_validate_certs_false_accepts_the_certificate(tls_server, certificate):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        client = BreakwaterClient(tls_server.url, TOKEN, validate_certs=False)
        assert client.get_status() == {"status": "healthy"}
    assert all(TOKEN not in str(w.message) for w in caught)


def test_validate_certs_false_wins_over_ca_path(tls_server, tmp_path):
    other_ca, _key = self_signed_certificate(str(tmp_path))  # a CA that did not sign the server's certificate
    client = BreakwaterClient(tls_server.url, TOKEN, validate_certs=False, ca_path=other_ca)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert client.get_status() == {"status": "healthy"}
    with pytest.raises(ApiError) as caught:
        BreakwaterClient(tls_server.url, TOKEN, validate_certs=True, ca_path=other_ca, retries=0).get_status()
    assert caught.value.code == "TLS_ERROR"


# ----------------------------------------------------------------------------- secrets

def all_texts(error):
    """Every way an ApiError can reach a user: str, repr, args, to_dict and the formatted traceback."""
    return [str(error), repr(error), json.dumps(error.to_dict()), repr(error.args),
            "".join(traceback.format_exception(type(error), error, error.__traceback__))]


def assert_secret_free(error, *secrets):
    for text in all_texts(error):
        for secret in secrets:
            assert secret not in text


def test_token_echoed_in_envelope_never_reaches_the_error(server, sleeps):
    server.default(BW + "/status", bw_error(401, "UNAUTHORIZED", "Token %s is not valid" % TOKEN, {
        "token": TOKEN, "header": "Bearer " + TOKEN, "seen": [{"authorization": "Bearer " + TOKEN}],
        "nested": {"deeper": {"value": TOKEN}},
    }))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(ApiError) as raised:
            breakwater(server, sleeps).get_status()
    assert server.requests[0].bearer == TOKEN  # the server did get it
    assert raised.value.code == "UNAUTHORIZED"
    assert "is not valid" in raised.value.message
    assert_secret_free(raised.value, TOKEN)
    assert all(TOKEN not in str(w.message) for w in caught)


@pytest.mark.parametrize("prefix_length", [0, 470, 490, 495, 499])
def test_token_echoed_in_a_plain_body_never_reaches_the_error(server, sleeps, prefix_length):
    """Also where the 500-character excerpt of the body would cut the token in two."""
    body = "x" * prefix_length + "Authorization: Bearer " + TOKEN + " rejected"
    server.default(BW + "/status", Reply(403, body, headers={"Content-Type": "text/plain"}))
    with pytest.raises(ApiError) as raised:
        breakwater(server, sleeps).get_status()
    assert_secret_free(raised.value, TOKEN, TOKEN[:8], TOKEN[-8:])


def test_token_echoed_with_json_escaping_never_reaches_the_error(server, sleeps):
    token = "bw/Tok3n/with/slashes"
    escaped = json.dumps({"error": {"code": "E", "message": "bad " + token}}).replace("/", "\\/")
    server.default(BW + "/status", Reply(401, escaped, headers={"Content-Type": "application/json"}))
    with pytest.raises(ApiError) as raised:
        BreakwaterClient(server.url, token, retries=0).get_status()
    assert_secret_free(raised.value, token)


def test_connection_errors_carry_no_token(sleeps):
    client = BreakwaterClient("http://127.0.0.1:%d" % free_port(), TOKEN, retries=1, sleep=sleeps.append)
    with pytest.raises(ApiError) as raised:
        client.get_status()
    assert raised.value.code == "CONNECTION_ERROR"
    assert_secret_free(raised.value, TOKEN)


def test_redact_masks_every_known_secret():
    client = HttpClient("http://127.0.0.1:1", secrets=["pw-one", None, ""])
    assert client.redact("a pw-one b") == "a %s b" % http_client.REDACTED
    assert client.redact(None) is None


# ----------------------------------------------------------------------------- User-Agent and version

def collection_root():
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(version.__file__))))


def test_user_agent_carries_the_collection_version(server, sleeps):
    breakwater(server, sleeps).get_status()
    with open(os.path.join(collection_root(), "galaxy.yml")) as handle:
        galaxy_version = yaml.safe_load(handle)["version"]
    assert server.requests[0].headers["User-Agent"] == "breakwater.ztp/%s" % galaxy_version


def test_collection_version_matches_galaxy_yml():
    with open(os.path.join(collection_root(), "galaxy.yml")) as handle:
        galaxy = yaml.safe_load(handle)
    assert (galaxy["namespace"], galaxy["name"]) == ("breakwater", "ztp")
    assert version.COLLECTION_VERSION == galaxy["version"]
    assert http_client.USER_AGENT == "breakwater.ztp/%s" % galaxy["version"]


# ----------------------------------------------------------------------------- pagination

def paged(items, key, max_limit=None, total=True):
    """A list endpoint that honours limit/offset (and caps limit at max_limit, as servers do)."""
    def reply(request):
        offset = int(request.query.get("offset", 0))
        limit = int(request.query.get("limit", max_limit or len(items)))
        limit = min(limit, max_limit) if max_limit else limit
        body = {key: items[offset:offset + limit]}
        if total:
            body["total"] = len(items)
        return Reply(200, body)
    return reply


ITEMS = [{"id": i} for i in range(7)]


def test_paginate_follows_total_with_limit_and_offset(server, sleeps):
    server.default("/items", paged(ITEMS, "items"))
    assert make_client(server, sleeps).paginate("/items", "items", {"site_id": "s1"}, page_size=3) == ITEMS
    assert [r.query for r in server.requests] == [
        {"site_id": "s1", "limit": "3"},
        {"site_id": "s1", "limit": "3", "offset": "3"},
        {"site_id": "s1", "limit": "3", "offset": "6"},
    ]


def test_paginate_takes_everything_at_once_when_the_server_gives_it(server, sleeps):
    server.default("/items", paged(ITEMS, "items"))
    assert make_client(server, sleeps).paginate("/items", "items") == ITEMS
    assert [r.query for r in server.requests] == [{}]


def test_paginate_follows_a_server_side_page_limit(server, sleeps):
    server.default("/items", paged(ITEMS, "items", max_limit=4))
    assert make_client(server, sleeps).paginate("/items", "items") == ITEMS
    assert [r.query for r in server.requests] == [{}, {"limit": "4", "offset": "4"}]


def test_paginate_without_total_or_with_a_bare_list(server, sleeps):
    server.script("/items", paged(ITEMS, "items", total=False), Reply(200, ITEMS))
    client = make_client(server, sleeps)
    assert client.paginate("/items", "items") == ITEMS
    assert client.paginate("/items", "items") == ITEMS
    assert len(server.requests) == 2


def test_paginate_stops_on_an_empty_page(server, sleeps):
    server.script("/items", Reply(200, {"items": ITEMS[:2], "total": 50}))
    server.default("/items", Reply(200, {"items": [], "total": 50}))
    assert make_client(server, sleeps).paginate("/items", "items") == ITEMS[:2]
    assert len(server.requests) == 2


def test_breakwater_list_manifests_pages_at_the_server_maximum(server, sleeps):
    manifests = [{"id": "m-%d" % i} for i in range(3)]
    server.default(BW + "/manifests", paged(manifests, "manifests", max_limit=2))
    assert breakwater(server, sleeps).list_manifests(site_id="s1") == manifests
    assert [r.query for r in server.requests] == [
        {"site_id": "s1", "limit": "500"},
        {"site_id": "s1", "limit": "500", "offset": "2"},
    ]


# ----------------------------------------------------------------------------- missing requests

def test_missing_requests_gives_ansibles_message(monkeypatch):
    failures = []

    class FakeModule(object):
        def fail_json(self, **kwargs):
            failures.append(kwargs)

    monkeypatch.setattr(http_client, "HAS_REQUESTS", False)
    http_client.fail_on_missing_requests(FakeModule())
    assert len(failures) == 1
    assert "requests" in failures[0]["msg"] and "Failed to import the required Python library" in failures[0]["msg"]
    with pytest.raises(RuntimeError):
        HttpClient("http://127.0.0.1:1")


# ----------------------------------------------------------------------------- environment

@pytest.fixture
def no_proxy_env(monkeypatch):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "all_proxy",
                 "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_a_proxy_from_the_environment_is_used(server, sleeps, no_proxy_env):
    """Read once when the client is made (not on every call), the environment's proxy still carries the calls."""
    server.default("/thing", Reply(200, {"ok": 1}))
    no_proxy_env.setenv("HTTP_PROXY", "http://127.0.0.1:%d" % free_port())
    client = make_client(server, sleeps, retries=0)
    with pytest.raises(ApiError) as caught:
        client.get("/thing")
    assert caught.value.code == "CONNECTION_ERROR" and "proxy" in str(caught.value).lower()
    assert server.requests == []  # it went to the (closed) proxy, not to the server


def test_no_proxy_in_the_environment_bypasses_the_proxy(server, sleeps, no_proxy_env):
    server.default("/thing", Reply(200, {"ok": 1}))
    no_proxy_env.setenv("HTTP_PROXY", "http://127.0.0.1:%d" % free_port())
    no_proxy_env.setenv("NO_PROXY", "127.0.0.1")
    assert make_client(server, sleeps, retries=0).get("/thing") == {"ok": 1}
    assert len(server.requests) == 1


def test_a_netrc_entry_never_replaces_the_api_token(server, sleeps, tmp_path, monkeypatch):
    """The credentials come from the options: a ~/.netrc for the same host is not read."""
    server.default(BW + "/status", Reply(200, {"status": "healthy"}))
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login someone password other-secret\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    assert breakwater(server, sleeps).get_status() == {"status": "healthy"}
    assert server.requests[0].bearer == TOKEN


def test_the_ca_bundle_of_the_environment_is_trusted(tls_server, certificate, monkeypatch):
    """REQUESTS_CA_BUNDLE (read once, as requests reads it on every call) trusts a private CA without ca_path."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certificate[0])
    assert BreakwaterClient(tls_server.url, TOKEN, timeout=2, retries=0).get_status() == {"status": "healthy"}
