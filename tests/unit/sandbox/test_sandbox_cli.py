"""The command line maps onto SandboxConfig."""

from local.sandbox.__main__ import options, parse_args
from local.sandbox.config import SandboxConfig


def test_command_line_options_build_a_config() -> None:
    args = parse_args(
        ["--port", "9000", "--time-scale", "60", "--seed", "4", "--redirect-uri", "https://app.example/cb"]
        + ["--published", "--fault", "throttle_share=0.25", "--aws-endpoint-url", "http://127.0.0.1:5000"]
    )

    config = SandboxConfig(seed=args.seed, time_scale=args.time_scale, **options(args))

    assert (args.port, config.time_scale, config.seed) == (9000, 60, 4)
    assert config.redirect_uris == ["https://app.example/cb"] and config.draft_app is False
    assert config.faults.throttle_share == 0.25
    assert config.aws_endpoint_url == "http://127.0.0.1:5000"
