# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The error of every failed API call, whatever the API: what modules return and users read."""

from __future__ import annotations


class ApiError(Exception):
    """Any failed API call: a non-2xx answer, or no answer at all (status None)."""

    def __init__(self, status, code, message, details=None, method=None, path=None, resource=None):
        self.status = status
        self.code = code
        self.message = message
        self.details = details if details is not None else {}
        self.method = method
        self.path = path
        self.resource = resource
        super(ApiError, self).__init__(self.__str__())

    def __str__(self):
        where = " ".join(p for p in (self.method, self.path) if p)
        status = "HTTP %s" % self.status if self.status is not None else "no response"
        text = "%s: %s %s: %s" % (where or "request", status, self.code, self.message)
        if self.resource:
            text += " (resource: %s)" % self.resource
        return text

    def to_dict(self):
        return {
            "status": self.status,
            "code": self.code,
            "message": self.message,
            "details": self.details,
            "method": self.method,
            "path": self.path,
            "resource": self.resource,
        }
