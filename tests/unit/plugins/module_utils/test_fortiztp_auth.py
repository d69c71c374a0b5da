# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""FortiCloudAuth and TokenCache against a local fake of FortiCloud OAuth (one active token per user).

Shows: one login shared through the 0600 cache file, refresh before expiry (clock patched),
login when the refresh fails, bounded re-logins after a 401 with jitter (never a loop), a token another fork
got is reused, revoke clears the cache, the password is never written, secrets never reach
an error, and five processes on one cache dir log in exactly once.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import stat
import traceback
import warnings

import pytest

from ansible_collections.breakwater.ztp.plugins.module_utils.api_error import ApiError
from ansible_collections.breakwater.ztp.plugins.module_utils.forticloud_auth import MAX_RELOGINS, REFRESH_MARGIN, RELOGIN_DELAY, FortiCloudAuth
from ansible_collections.breakwater.ztp.plugins.module_utils.fortiztp import FortiZTPClient
from ansible_collections.breakwater.ztp.plugins.module_utils.token_cache import TokenCache
from ansible_collections.breakwater.ztp.tests.unit.helpers.server import (
    FakeForti, Reply, ScriptedServer, drop, fortiztp_worker,
)

START = 1_000_000.0


class Clock(object):
    def __init__(self, now=START):
        self.now = now

    def __call__(self):
        return self.now


@pytest.fixture
def server():
    with ScriptedServer() as scripted:
        yield scripted


@pytest.fixture
def forti(server):
    return FakeForti(server)


@pytest.fixture
def cache_dir(tmp_path):
    return str(tmp_path / "home" / ".cache" / "breakwater.ztp" / "fortiztp")  # does not exist yet


@pytest.fixture
def clock():
    return Clock()


def make_auth(server, forti, cache_dir, clock, **options):
    options.setdefault("timeout", 2)
    options.setdefault("retries", 0)
    cache = TokenCache(cache_dir, forti.api_id, server.url, "fortiztp")
    return FortiCloudAuth(server.url, "fortiztp", api_id=forti.api_id, password=forti.password,
                          cache=cache, clock=clock, **options)


def make_client(server, auth):
    return FortiZTPClient(auth, server.url, timeout=2, retries=0)


def api_bearers(server):
    return [r.bearer for r in server.requests_to(FakeForti.API_PATH)]


def files_in(directory):
    return [os.path.join(directory, name) for name in sorted(os.listdir(directory))]


# ----------------------------------------------------------------------------- login and the cache file

def test_login_once_then_reuse_from_the_cache_file(server, forti, cache_dir, clock):
    first = make_auth(server, forti, cache_dir, clock)
    client = make_client(server, first)
    assert client.get_system()["status"] == "ok"
    assert client.get_system()["status"] == "ok"
    second = make_auth(server, forti, cache_dir, clock)  # the next task of the play
    assert make_client(server, second).get_system()["status"] == "ok"

    assert len(forti.logins) == 1
    assert (first.logins, second.logins) == (1, 0)
    assert api_bearers(server) == [forti.active] * 3
    login = forti.logins[0].json()
    assert login == {"username": forti.api_id, "password": forti.password, "client_id": "fortiztp",
                     "grant_type": "password"}

    cache_file = first.cache.path
    assert stat.S_IMODE(os.stat(cache_dir).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(cache_file).st_mode) == 0o600
    with open(cache_file) as handle:
        entry = json.load(handle)
    assert entry["access_token"] == forti.active
    assert entry["refresh_token"] == forti.refresh_token
    assert entry["expires_at"] == START + forti.expires_in


def test_the_password_is_never_written(server, forti, cache_dir, clock):
    auth = make_auth(server, forti, cache_dir, clock)
    make_client(server, auth).get_system()
    clock.now += forti.expires_in  # and after a refresh
    make_client(server, auth).get_system()
    assert len(forti.refreshes) == 1
    for path in files_in(cache_dir):
        with open(path, "rb") as handle:
            content = handle.read()
        assert forti.password.encode() not in content, path
        assert stat.S_IMODE(os.stat(path).st_mode) & 0o077 == 0, path


def test_cache_is_keyed_by_api_id_auth_url_and_client_id(cache_dir):
    paths = set([
        TokenCache(cache_dir, "a", "https://auth/api/v1", "fortiztp").path,
        TokenCache(cache_dir, "b", "https://auth/api/v1", "fortiztp").path,
        TokenCache(cache_dir, "a", "https://other/api/v1", "fortiztp").path,
        TokenCache(cache_dir, "a", "https://auth/api/v1", "fortilancloud").path,
    ])
    assert len(paths) == 4
    assert TokenCache(cache_dir, "a", "https://auth/api/v1/", "fortiztp").path in paths


def test_from_params_uses_the_file_cache_unless_disabled(server, forti, tmp_path):
    params = {"api_id": forti.api_id, "password": forti.password, "base_url": server.url, "auth_url": server.url,
              "client_id": "fortiztp", "timeout": 2, "retries": 0, "validate_certs": True}
    cached = dict(params, token_cache=True, token_cache_dir=str(tmp_path / "on"))
    FortiZTPClient.from_params(cached).get_system()
    FortiZTPClient.from_params(cached).get_system()
    assert len(forti.logins) == 1
    uncached = dict(params, token_cache=False, token_cache_dir=str(tmp_path / "off"))
    FortiZTPClient.from_params(uncached).get_system()
    assert len(forti.logins) == 2
    assert not os.path.exists(str(tmp_path / "off"))


# ----------------------------------------------------------------------------- refresh

def test_refresh_before_expiry(server, forti, cache_dir, clock):
    auth = make_auth(server, forti, cache_dir, clock)
    client = make_client(server, auth)
    client.get_system()
    first_token, first_refresh = forti.active, forti.refresh_token

    clock.now = START + forti.expires_in - REFRESH_MARGIN - 1  # still fresh enough
    client.get_system()
    assert forti.refreshes == []

    clock.now = START + forti.expires_in - REFRESH_MARGIN + 1  # about to expire: refresh first
    client.get_system()
    assert len(forti.refreshes) == 1
    assert forti.refreshes[0].json() == {"client_id": "fortiztp", "grant_type": "refresh_token",
                                         "refresh_token": first_refresh}
    assert len(forti.logins) == 1
    assert api_bearers(server) == [first_token, first_token, forti.active]
    assert auth.cached_entry()["expires_at"] == clock.now + forti.expires_in


def test_a_refresh_without_a_new_refresh_token_keeps_the_old_one(server, forti, cache_dir, clock):
    auth = make_auth(server, forti, cache_dir, clock)
    auth.token()
    first_refresh = forti.refresh_token
    server.script(FakeForti.TOKEN_PATH, Reply(200, {"access_token": "access-no-refresh", "expires_in": 100}))
    clock.now += forti.expires_in
    assert auth.token() == "access-no-refresh"
    assert auth.cached_entry()["refresh_token"] == first_refresh
    assert auth.cached_entry()["expires_at"] == clock.now + 100


@pytest.mark.parametrize("refusal", ["server-forgot", "401"])
def test_failed_refresh_falls_back_to_login(server, forti, cache_dir, clock, refusal):
    auth = make_auth(server, forti, cache_dir, clock)
    client = make_client(server, auth)
    client.get_system()
    if refusal == "server-forgot":
        forti.refresh_token = "forgotten"  # answers 400 invalid_grant
    else:
        server.script(FakeForti.TOKEN_PATH, Reply(401, {"error": "invalid_token", "error_description": "expired"}))
    clock.now += forti.expires_in + 10
    assert client.get_system()["status"] == "ok"
    assert len(forti.refreshes) == 1
    assert len(forti.logins) == 2
    assert api_bearers(server)[-1] == forti.active


# ----------------------------------------------------------------------------- 401

def test_a_401_logs_in_again_once(server, forti, cache_dir, clock):
    auth = make_auth(server, forti, cache_dir, clock)
    client = make_client(server, auth)
    client.get_system()
    stale = forti.active
    forti.active = "revoked-elsewhere"  # e.g. a login from another tool invalidated ours
    assert client.get_system()["status"] == "ok"
    assert len(forti.logins) == 2
    assert api_bearers(server) == [stale, stale, forti.active]


def test_a_401_never_loops(server, forti, cache_dir, clock):
    """Log-ins after a refused token are bounded per task, and the last error says why."""
    server.default(FakeForti.API_PATH, Reply(401, {"error": "invalid_token", "error_description": "no"}))
    waits = []
    auth = make_auth(server, forti, cache_dir, clock, sleep=waits.append)
    client = make_client(server, auth)
    with pytest.raises(ApiError) as caught:
        client.get_system()
    assert (caught.value.status, caught.value.code) == (401, "invalid_token")
    assert len(server.requests_to(FakeForti.API_PATH)) == 1 + MAX_RELOGINS
    assert len(forti.logins) == 1 + MAX_RELOGINS
    assert "another client" in caught.value.message and forti.api_id in caught.value.message
    assert "one token per API user" in caught.value.message
    assert caught.value.details["relogins"] == MAX_RELOGINS
    # jittered, growing waits between the log-ins
    assert len(waits) == MAX_RELOGINS
    assert all(0 <= w <= RELOGIN_DELAY * 2 ** n for n, w in enumerate(waits))
    with pytest.raises(ApiError):
        client.get_system()  # same task: the budget is spent, no more log-ins
    assert len(forti.logins) == 1 + MAX_RELOGINS
    assert len(server.requests_to(FakeForti.API_PATH)) == 2 + MAX_RELOGINS


def test_a_call_that_gets_through_gives_the_log_ins_their_budget_again(server, forti, cache_dir, clock):
    """One client serves a whole site's rollout: tokens voided now and then over many calls, each followed by
    one log-in that works, never exhaust the bound, which is on log-ins voided one after the other."""
    auth = make_auth(server, forti, cache_dir, clock, sleep=lambda s: None)
    client = make_client(server, auth)
    client.get_system()
    for voided in range(MAX_RELOGINS + 2):
        forti.active = "revoked-elsewhere-%d" % voided
        assert client.get_system()["status"] == "ok"
    assert len(forti.logins) == 1 + MAX_RELOGINS + 2 and auth.relogins == 0


def test_two_controllers_with_one_api_user_both_get_through(server, forti, tmp_path, clock):
    """Separate caches, one API user: each log-in voids the other's token, both tasks still finish."""
    auth_a = make_auth(server, forti, str(tmp_path / "a"), clock, sleep=lambda s: None)
    auth_b = make_auth(server, forti, str(tmp_path / "b"), clock, sleep=lambda s: None)
    client_a, client_b = make_client(server, auth_a), make_client(server, auth_b)
    client_a.get_system()
    client_b.get_system()  # voids A's token
    assert client_a.get_system()["status"] == "ok"  # A logs in again, voiding B's
    assert client_b.get_system()["status"] == "ok"
    assert (auth_a.logins, auth_b.logins) == (2, 2)


def test_a_given_access_token_is_not_renewed_on_401(server, forti):
    server.default(FakeForti.API_PATH, Reply(401, {"error": "invalid_token", "error_description": "no"}))
    auth = FortiCloudAuth(server.url, access_token="given-Acc3ss-token", timeout=2, retries=0)
    with pytest.raises(ApiError) as caught:
        make_client(server, auth).get_system()
    assert caught.value.status == 401
    assert len(server.requests) == 1
    assert forti.logins == []


def test_a_token_taken_by_a_parallel_fork_is_reused(server, forti, cache_dir, clock):
    """A sends its token; meanwhile fork B re-logs in (invalidating it); A's 401 reuses B's token."""
    fork_a = make_auth(server, forti, cache_dir, clock)
    fork_b = make_auth(server, forti, cache_dir, clock)
    client_a = make_client(server, fork_a)
    client_a.get_system()
    token_a = forti.active

    def relogin_in_fork_b_then_refuse(request):
        assert fork_b.handle_unauthorized({"Authorization": "Bearer " + request.bearer})
        return Reply(401, {"error": "invalid_token", "error_description": "superseded"})

    server.script(FakeForti.API_PATH, relogin_in_fork_b_then_refuse)
    assert client_a.get_system()["status"] == "ok"
    assert (fork_a.logins, fork_b.logins) == (1, 1)
    assert len(forti.logins) == 2
    assert api_bearers(server) == [token_a, token_a, forti.active]
    assert forti.active != token_a


# ----------------------------------------------------------------------------- revoke

def test_revoke_clears_the_cache(server, forti, cache_dir, clock):
    auth = make_auth(server, forti, cache_dir, clock)
    client = make_client(server, auth)
    client.get_system()
    token = forti.active
    assert auth.revoke() is True
    revokes = server.requests_to(FakeForti.REVOKE_PATH)
    assert [r.json() for r in revokes] == [{"client_id": "fortiztp", "token": token}]
    assert not os.path.exists(auth.cache.path)
    assert auth.cached_entry() is None
    assert forti.active is None
    assert make_auth(server, forti, cache_dir, clock).revoke() is False  # nothing left to revoke
    assert len(server.requests_to(FakeForti.REVOKE_PATH)) == 1
    client.get_system()  # the next task logs in again
    assert len(forti.logins) == 2


# ----------------------------------------------------------------------------- secrets

def texts_of(error):
    return [str(error), repr(error), repr(error.args), json.dumps(error.to_dict()),
            "".join(traceback.format_exception(type(error), error, error.__traceback__))]


def assert_secret_free(error, secrets):
    for text in texts_of(error):
        for secret in secrets:
            assert secret not in text, secret


def test_password_echoed_by_a_failed_login_is_masked(server, forti, cache_dir, clock):
    server.script(FakeForti.TOKEN_PATH, Reply(401, {
        "error": "invalid_grant",
        "error_description": "password %s is wrong for %s" % (forti.password, forti.api_id),
        "request": {"password": forti.password},
    }))
    auth = make_auth(server, forti, cache_dir, clock)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        with pytest.raises(ApiError) as caught:
            make_client(server, auth).get_system()
    assert (caught.value.status, caught.value.code, caught.value.path) == (401, "invalid_grant", "/oauth/token/")
    assert_secret_free(caught.value, [forti.password])
    assert all(forti.password not in str(w.message) for w in seen)


def test_tokens_echoed_by_the_api_are_masked(server, forti, cache_dir, clock):
    def echo(request):
        return Reply(500, {"error": "server_error", "error_description": "token %s failed" % request.bearer,
                           "refresh": forti.refresh_token})
    server.default(FakeForti.API_PATH, echo)
    auth = make_auth(server, forti, cache_dir, clock)
    with pytest.raises(ApiError) as caught:
        make_client(server, auth).get_system()
    assert caught.value.code == "server_error"
    assert_secret_free(caught.value, [forti.active, forti.refresh_token, forti.password])


def test_every_token_echoed_across_a_re_login_is_masked(server, forti, cache_dir, clock):
    """The 401 echoes the token that was sent: the old one must be masked even after the re-login."""
    issued = []

    def echo(request):
        issued.append(request.bearer)
        return Reply(401, {"error": "invalid_token", "error_description": "rejected " + " ".join(issued)})
    server.default(FakeForti.API_PATH, echo)
    auth = make_auth(server, forti, cache_dir, clock, sleep=lambda s: None)
    with pytest.raises(ApiError) as caught:
        make_client(server, auth).get_system()
    assert len(set(issued)) == 1 + MAX_RELOGINS
    assert_secret_free(caught.value, issued)


def test_refresh_token_echoed_by_a_failed_refresh_is_masked(server, forti, cache_dir, clock):
    """The refreshing fork did not log in itself: it knows the tokens from the cache file only."""
    make_auth(server, forti, cache_dir, clock).token()
    auth = make_auth(server, forti, cache_dir, clock)
    refresh, access = forti.refresh_token, forti.active
    server.script(FakeForti.TOKEN_PATH, Reply(500, {"error": "server_error",
                                                    "error_description": "cannot refresh %s (%s)" % (refresh, access)}))
    clock.now += forti.expires_in
    with pytest.raises(ApiError) as caught:
        auth.token()
    assert caught.value.status == 500
    assert_secret_free(caught.value, [refresh, access, forti.password])


def test_token_echoed_by_a_failed_revoke_is_masked(server, forti, cache_dir, clock):
    make_auth(server, forti, cache_dir, clock).token()
    auth = make_auth(server, forti, cache_dir, clock)  # e.g. fortiztp_token state=absent in a later task
    token = forti.active
    server.script(FakeForti.REVOKE_PATH, Reply(400, {"error": "invalid_request", "error_description": "token " + token}))
    with pytest.raises(ApiError) as caught:
        auth.revoke()
    assert_secret_free(caught.value, [token])


def test_a_given_access_token_echoed_is_masked(server):
    token = "given-Acc3ss-token-9x"
    server.default("/setting/fortimanagers/1", Reply(404, "no FortiManager for token %s" % token, headers={"Content-Type": "text/plain"}))
    auth = FortiCloudAuth(server.url, access_token=token, timeout=2, retries=0)
    with pytest.raises(ApiError) as caught:
        make_client(server, auth).get_fortimanager(1)
    assert caught.value.status == 404
    assert_secret_free(caught.value, [token])


# ----------------------------------------------------------------------------- parallel processes

@pytest.mark.slow
def test_five_processes_sharing_a_cache_dir_log_in_once(server, cache_dir):
    forti = FakeForti(server, login_delay=0.3)  # a slow login widens the race a missing lock would lose
    context = multiprocessing.get_context("spawn")
    workers = 5
    barrier = context.Barrier(workers)
    results = context.Queue()
    processes = [context.Process(target=fortiztp_worker,
                                 args=(server.url, cache_dir, forti.api_id, forti.password, barrier, results))
                 for _i in range(workers)]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=60) for _i in range(workers)]
    for process in processes:
        process.join(30)
    assert [o[1] for o in outcomes] == ["ok"] * workers, outcomes
    assert sum(o[2] for o in outcomes) == 1
    assert len(forti.logins) == 1
    assert api_bearers(server) == [forti.active] * workers


def test_a_login_whose_connection_dropped_is_repeated(server, forti, cache_dir, clock):
    # The first password grant is lost on the way back; the second one's token is used.
    server.script(FakeForti.TOKEN_PATH, drop())
    auth = make_auth(server, forti, cache_dir, clock, retries=1, sleep=lambda seconds: None)
    token = auth.token()
    assert token == forti.active and forti.issued == 1
    assert len(server.requests_to(FakeForti.TOKEN_PATH)) == 2
