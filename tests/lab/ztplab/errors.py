"""Error types of the two APIs. Handlers raise them; app.py renders them."""
from __future__ import annotations


class BreakwaterError(Exception):
    """Breakwater envelope: {"error": {"code", "message", "details"}}."""

    def __init__(self, status: int, code: str, message: str, details: dict | None = None,
                 headers: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.details = details or {}
        self.headers = headers

    def body(self) -> dict:
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


class FortiError(Exception):
    """FortiCloud OAuth-style body: {"error", "error_description"}."""

    def __init__(self, status: int, error: str, description: str, headers: dict | None = None):
        super().__init__(description)
        self.status, self.error, self.description = status, error, description
        self.headers = headers

    def body(self) -> dict:
        return {"error": self.error, "error_description": self.description}


def manifest_not_found(manifest_id: str) -> BreakwaterError:
    return BreakwaterError(404, "MANIFEST_NOT_FOUND", f"Manifest {manifest_id} does not exist",
                           {"manifest_id": manifest_id})


def device_not_found(device_id: str) -> BreakwaterError:
    return BreakwaterError(404, "DEVICE_NOT_FOUND", f"Device {device_id} does not exist",
                           {"device_id": device_id})


def validation_error(message: str, **details) -> BreakwaterError:
    return BreakwaterError(400, "VALIDATION_ERROR", message, details)


def invalid_request(description: str) -> FortiError:
    return FortiError(400, "invalid_request", description)
