"""python -m local.sandbox --port P --time-scale X --seed S: the sandbox in the foreground."""

import argparse
from pathlib import Path
from typing import Any

from local.endpoints import read_lwa_credentials
from local.sandbox.config import DEFAULT_REDIRECT_URI, FaultConfig
from local.sandbox.server import DEFAULT_PORT, run


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line; every option maps to a SandboxConfig field."""
    parser = argparse.ArgumentParser(prog="python -m local.sandbox", description="Local Amazon SP-API sandbox")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--time-scale", type=float, default=1.0, help="sandbox seconds per real second")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--redirect-uri", action="append", help=f"registered OAuth redirect URI (default {DEFAULT_REDIRECT_URI})"
    )
    parser.add_argument(
        "--lwa-credentials",
        type=Path,
        help="JSON file with the app's application_id, client_id and client_secret (default: the fake local ones)",
    )
    parser.add_argument("--login-uri", help="Log-in URI: consent goes through the amazon_callback_uri hop")
    parser.add_argument("--published", action="store_true", help="the app is published: no version=beta needed")
    parser.add_argument("--orders-per-hour", type=float, default=2.0, help="new orders per seller per sandbox hour")
    parser.add_argument("--aws-endpoint-url", help="SQS endpoint for notifications (e.g. the local moto server)")
    parser.add_argument("--aws-region", default="eu-west-1")
    parser.add_argument("--validate-responses", action="store_true", help="check every response against its model")
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a FaultConfig field, e.g. throttle_share=0.1 (repeatable; also settable at /_sandbox/faults)",
    )
    return parser.parse_args(argv)


def options(args: argparse.Namespace) -> dict[str, Any]:
    """SandboxConfig fields from the parsed arguments (beyond port, time scale and seed)."""
    found: dict[str, Any] = {
        "draft_app": not args.published,
        "orders_per_hour": args.orders_per_hour,
        "aws_region": args.aws_region,
        "validate_responses": args.validate_responses,
    }
    if args.redirect_uri:
        found["redirect_uris"] = args.redirect_uri
    if args.lwa_credentials:
        credentials = read_lwa_credentials(args.lwa_credentials)
        found["client_id"], found["application_id"] = credentials.client_id, credentials.application_id
        found["client_secret"] = credentials.client_secret.get_secret_value()
    if args.login_uri:
        found["login_uri"] = args.login_uri
    if args.aws_endpoint_url:
        found["aws_endpoint_url"] = args.aws_endpoint_url
    if args.fault:
        found["faults"] = FaultConfig.model_validate(dict(item.split("=", 1) for item in args.fault))
    return found


def main(argv: list[str] | None = None) -> None:
    """Entry point."""
    args = parse_args(argv)
    run(port=args.port, time_scale=args.time_scale, seed=args.seed, host=args.host, **options(args))


if __name__ == "__main__":
    main()
