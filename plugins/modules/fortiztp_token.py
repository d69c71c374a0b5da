#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: fortiztp_token
short_description: Log in to FortiZTP once for a whole run, or revoke the shared token
version_added: 0.1.0
description:
  - FortiCloud IAM keeps one active access token per API user; a new login invalidates the
    previous token. Tasks and forks that log in on their own therefore knock each other out.
  - "Every FortiZTP module of this collection shares one token through a cache file
    (O(token_cache_dir)): one file per API user, auth URL and client ID, mode 0600, in a 0700
    directory, read and written under an exclusive lock. The first task that needs a token
    logs in and writes it there; the others, in any fork, wait for the lock and reuse it. A
    token that expires within 5 minutes is refreshed with the refresh token (or by a new
    login), and after a 401 a task first takes a token another task got meanwhile, and logs
    in again at most once. The password is never written anywhere; this module never
    returns the token."
  - With O(state=present) this module makes sure the cache holds a token valid for at least
    O(min_valid_for) seconds, logging in or refreshing only when needed. Run it once at the
    start of a play (C(run_once)) so the login happens before the forks start, and before a
    long unattended phase with a larger O(min_valid_for).
  - With O(state=absent) it revokes the shared token at FortiCloud and removes it from the
    cache, for example at the end of a run. With O(access_token) it revokes that token.
  - The design is described in C(docs/fortiztp-auth.md) of the collection.
options:
  state:
    description:
      - V(present) ensures a valid shared token; V(absent) revokes it and forgets it.
    type: str
    choices: [present, absent]
    default: present
  min_valid_for:
    description:
      - With O(state=present), renew the token when it expires within this many seconds
        (at least 300).
    type: int
    default: 300
  verify:
    description:
      - With O(state=present), make one cheap call (C(GET /system)) to prove the token is
        accepted; a token revoked elsewhere is replaced by one new login.
    type: bool
    default: true
extends_documentation_fragment:
  - breakwater.ztp.fortiztp
  - breakwater.ztp.transport
  - breakwater.ztp.attributes
attributes:
  check_mode:
    support: full
    details:
      - Reads the cache and predicts whether a login or a revocation would happen; it neither
        logs in nor revokes, nor calls FortiZTP.
  diff_mode:
    support: none
notes:
  - O(state=present) needs O(token_cache=true), since a token nobody else can find would only
    invalidate the token of the other tasks.
author:
  - breakwater.ztp maintainers (@breakwater)
"""

EXAMPLES = r"""
- name: FortiZTP play
  hosts: branch_firewalls
  gather_facts: false
  module_defaults:
    group/breakwater.ztp.fortiztp:
      api_id: "{{ vault_fortiztp_api_id }}"
      password: "{{ vault_fortiztp_password }}"
  tasks:
    - name: Log in once, before the forks start
      breakwater.ztp.fortiztp_token:
      run_once: true
      delegate_to: localhost

    - name: Provision each firewall (all forks share the token)
      breakwater.ztp.fortiztp_device:
        serial: "{{ serial }}"
        target: FortiManager
        fortimanager: FMG-VM0000000001
      delegate_to: localhost

    - name: Revoke the token at the end of the run
      breakwater.ztp.fortiztp_token:
        state: absent
      run_once: true
      delegate_to: localhost
"""

RETURN = r"""
action:
  description: What the task did (or would do in check mode) to the shared token.
  returned: always
  type: str
  choices: [reused, refreshed, logged_in, given, revoked, none]
  sample: logged_in
expires_at:
  description: When the shared token expires (UTC, ISO 8601); null for a given O(access_token) or after revocation.
  returned: always
  type: str
  sample: "2026-03-01T10:41:00Z"
expires_in:
  description: Seconds until the shared token expires; null when unknown.
  returned: always
  type: int
  sample: 3655
token_cache_file:
  description: The cache file that holds the shared token; null with O(token_cache=false) or O(access_token).
  returned: always
  type: str
api_calls:
  description: Number of API and OAuth calls the task made.
  returned: always
  type: int
"""

import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.breakwater.ztp.plugins.module_utils.api_error import ApiError
from ansible_collections.breakwater.ztp.plugins.module_utils.forticloud_auth import REFRESH_MARGIN
from ansible_collections.breakwater.ztp.plugins.module_utils.fortiztp import FortiZTPClient, fortiztp_module_kwargs
from ansible_collections.breakwater.ztp.plugins.module_utils.resource import InputError, run_task


def _expiry(entry, now):
    if not entry or not entry.get("expires_at"):
        return None, None
    expires_at = entry["expires_at"]
    return (time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(expires_at)), max(0, int(expires_at - now)))


def ensure_token(module, client):
    params, auth = module.params, client.auth
    if params["access_token"]:
        if params["verify"] and not module.check_mode:
            client.get_system()
        return {"changed": False, "action": "given"}
    if not params["token_cache"]:
        raise InputError("token_cache", False, "must be true with state=present: a token only this task knows "
                         "would just invalidate the token of the other tasks")
    margin = max(params["min_valid_for"], REFRESH_MARGIN)
    before = auth.cached_entry()
    valid = bool(before) and before.get("expires_at", 0) - margin > time.time()
    if module.check_mode:
        action = "reused" if valid else ("refreshed" if before and before.get("refresh_token") else "logged_in")
        return {"changed": not valid, "action": action, "entry": before if valid else None}
    auth.token(min_valid=margin)
    if params["verify"]:
        client.get_system()  # a 401 here makes the HTTP layer log in again, once
    after = auth.cached_entry()
    renewed = not before or (after or {}).get("access_token") != before.get("access_token")
    action = "logged_in" if auth.logins else ("refreshed" if renewed else "reused")
    return {"changed": renewed, "action": action, "entry": after}


def revoke_token(module, client):
    auth = client.auth
    if module.params["access_token"]:
        if not module.check_mode:
            auth.revoke()
        return {"changed": True, "action": "revoked"}
    if not auth.cached_entry():
        return {"changed": False, "action": "none"}
    if module.check_mode:
        return {"changed": True, "action": "revoked"}
    try:
        auth.revoke()
    except ApiError as exc:
        if exc.status not in (400, 401):
            raise
        # FortiCloud refuses to revoke a token that is no longer valid: forgetting it is enough.
        with auth.cache.locked():
            auth.cache.clear()
    return {"changed": True, "action": "revoked"}


def main():
    module = AnsibleModule(
        supports_check_mode=True,
        **fortiztp_module_kwargs(
            state=dict(type="str", choices=["present", "absent"], default="present"),
            min_valid_for=dict(type="int", default=REFRESH_MARGIN),
            verify=dict(type="bool", default=True),
        )
    )
    run_task(module, FortiZTPClient.from_params, lambda client, params: token_task(module, client))


def token_task(module, client):
    if module.params["state"] == "present":
        outcome = ensure_token(module, client)
    else:
        outcome = revoke_token(module, client)
    expires_at, expires_in = _expiry(outcome.pop("entry", None), time.time())
    cache_file = getattr(client.auth.cache, "path", None) if not module.params["access_token"] else None
    return dict(outcome, expires_at=expires_at, expires_in=expires_in, token_cache_file=cache_file)


if __name__ == "__main__":
    main()
