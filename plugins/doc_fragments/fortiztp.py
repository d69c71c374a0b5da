# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment(object):
    # Connection options of every FortiZTP module; the argument spec is
    # FORTIZTP_ARGUMENT_SPEC in module_utils/fortiztp.py.
    DOCUMENTATION = r"""
options:
  api_id:
    description:
      - FortiCloud IAM API user ID, logged in with the OAuth password grant.
      - Required with O(password) unless O(access_token) is given.
      - If not set, the value of the E(FORTIZTP_API_ID) environment variable is used.
    type: str
  password:
    description:
      - Password of the FortiCloud IAM API user; never logged and never written to disk.
      - If not set, the value of the E(FORTIZTP_PASSWORD) environment variable is used.
    type: str
  access_token:
    description:
      - An access token obtained elsewhere. When given it is used as is, and it wins over O(api_id).
      - If not set, the value of the E(FORTIZTP_ACCESS_TOKEN) environment variable is used.
    type: str
  base_url:
    description:
      - Root of the FortiZTP API v2.
      - If not set, the value of the E(FORTIZTP_BASE_URL) environment variable is used.
    type: str
    default: https://fortiztp.forticloud.com/public/api/v2
  auth_url:
    description:
      - Root of the FortiCloud OAuth API (C(/oauth/token/) and C(/oauth/revoke_token/) are below it).
      - If not set, the value of the E(FORTIZTP_AUTH_URL) environment variable is used.
    type: str
    default: https://customerapiauth.fortinet.com/api/v1
  client_id:
    description:
      - OAuth client ID of FortiZTP.
    type: str
    default: fortiztp
  token_cache:
    description:
      - Share one access token between all tasks and forks of a run (see O(token_cache_dir)).
      - FortiCloud keeps one active token per API user, so a task that logs in on its own
        invalidates the token of every other task running with the same API user.
      - With V(false) each task logs in for itself; use it only when tasks never overlap.
    type: bool
    default: true
  token_cache_dir:
    description:
      - Directory of the shared token cache. Each API user, auth URL and client ID gets one
        file there, mode 0600, under a 0700 directory, read and written under an exclusive lock.
        It holds the access and refresh tokens and their expiry, never the password.
      - A cached token is refreshed 5 minutes before it expires; after a 401 the task logs in
        again once. M(breakwater.ztp.fortiztp_token) with O(breakwater.ztp.fortiztp_token#module:state=absent)
        revokes the token and removes the file.
      - If not set, the value of the E(FORTIZTP_TOKEN_CACHE_DIR) environment variable is used.
    type: path
    default: ~/.cache/breakwater.ztp/fortiztp
notes:
  - FortiZTP allows 2,000 calls per hour; modules work in bulk and return RV(ignore:api_calls),
    the number of calls they made.
  - Give the connection options once per play with C(module_defaults) and the
    C(group/breakwater.ztp.fortiztp) action group.
attributes:
  action_group:
    description: Use C(group/breakwater.ztp.fortiztp) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - breakwater.ztp.fortiztp
"""

    # The same connection options for the inventory plugin, read from the inventory file or
    # the environment (plugins document environment variables with env entries).
    INVENTORY = r"""
options:
  api_id:
    description:
      - FortiCloud IAM API user ID, logged in with the OAuth password grant.
      - Required with O(password) unless O(access_token) is given.
    type: str
    env:
      - name: FORTIZTP_API_ID
  password:
    description:
      - Password of the FortiCloud IAM API user; never logged, cached or written to disk.
    type: str
    env:
      - name: FORTIZTP_PASSWORD
  access_token:
    description:
      - An access token obtained elsewhere. When given it is used as is, and it wins over O(api_id).
    type: str
    env:
      - name: FORTIZTP_ACCESS_TOKEN
  base_url:
    description:
      - Root of the FortiZTP API v2.
    type: str
    default: https://fortiztp.forticloud.com/public/api/v2
    env:
      - name: FORTIZTP_BASE_URL
  auth_url:
    description:
      - Root of the FortiCloud OAuth API (C(/oauth/token/) is below it).
    type: str
    default: https://customerapiauth.fortinet.com/api/v1
    env:
      - name: FORTIZTP_AUTH_URL
  client_id:
    description:
      - OAuth client ID of FortiZTP.
    type: str
    default: fortiztp
  token_cache:
    description:
      - Share one access token with every module task and fork of the run (see O(token_cache_dir)).
      - FortiCloud keeps one active token per API user, so an inventory that logs in on its own
        would invalidate the token the modules of the same run are using.
    type: bool
    default: true
  token_cache_dir:
    description:
      - Directory of the shared token cache, the same as the FortiZTP modules use. Each API user,
        auth URL and client ID gets one file there, mode 0600, under a 0700 directory, read and
        written under an exclusive lock. It never holds the password.
    type: path
    default: ~/.cache/breakwater.ztp/fortiztp
    env:
      - name: FORTIZTP_TOKEN_CACHE_DIR
"""
