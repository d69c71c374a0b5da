"""Small response helpers shared by the routers."""
from __future__ import annotations

import json

from fastapi.responses import Response


def json_response(body, status: int = 200, headers: dict | None = None) -> Response:
    # json.dumps directly: FastAPI's encoder is far too slow for 10,000-device lists.
    return Response(json.dumps(body, separators=(",", ":")), status, headers,
                    media_type="application/json")
