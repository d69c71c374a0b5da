"""python -m ztplab serve --port PORT [...] | python -m ztplab openapi"""
from __future__ import annotations

import argparse
import json
import sys


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="ztplab", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the lab")
    serve.add_argument("--port", type=int, required=True, help="0 picks a free port")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--url-file")
    serve.add_argument("--breakwater-token", default="bw-lab-token")
    serve.add_argument("--breakwater-readonly-token", default="bw-lab-readonly")
    serve.add_argument("--fortiztp-api-id", default="lab-api-user")
    serve.add_argument("--fortiztp-password", default="lab-api-password")
    serve.add_argument("--fixtures", choices=("default", "none"), default="default")
    serve.add_argument("--synthetic", type=int, default=None)
    serve.add_argument("--speed", type=float, default=60.0)
    serve.add_argument("--token-lifetime", type=int, default=3660)
    serve.add_argument("--fortiztp-put-body", choices=("empty", "json"), default="empty")
    serve.add_argument("--fortiztp-put-status", type=int, choices=(200, 204), default=200)
    serve.add_argument("--fortiztp-list-key", choices=("data", "devices"), default="data")
    serve.add_argument("--no-single-token", action="store_true")
    serve.add_argument("--rate-limit", type=int, default=2000)
    sub.add_parser("openapi", help="print the OpenAPI description")
    return parser.parse_args(argv)


def defaults_from(args=None) -> dict:
    """Lab settings from the command line (or the defaults, for `openapi`)."""
    args = args or parse_args(["serve", "--port", "0"])
    return {
        "breakwater_token": args.breakwater_token,
        "breakwater_readonly_token": args.breakwater_readonly_token,
        "api_id": args.fortiztp_api_id, "password": args.fortiztp_password,
        "fixtures": args.fixtures, "synthetic": args.synthetic,
        "speed": args.speed, "boot_seconds": 60, "config_seconds": 5,
        "fortiztp_waiting_seconds": 30, "fortiztp_provisioning_seconds": 30,
        "fortiztp_put_body": args.fortiztp_put_body,
        "fortiztp_put_status": args.fortiztp_put_status,
        "fortiztp_list_key": args.fortiztp_list_key,
        "single_token": not args.no_single_token, "token_lifetime": args.token_lifetime,
        "service_status": "Operational", "rate_limit_per_hour": args.rate_limit,
        "breakwater_system_status": "operational",
    }


def main(argv=None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.command == "openapi":
        from .app import create_app
        app, _asgi = create_app({**defaults_from(), "fixtures": "none"})
        json.dump(app.openapi(), sys.stdout, indent=2)
        print()
        return 0
    from .server import serve
    serve(defaults_from(args), args.host, args.port, args.url_file)
    return 0


if __name__ == "__main__":
    sys.exit(main())
