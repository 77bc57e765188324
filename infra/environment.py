"""A function's environment, derived from its settings model: the one place env keys meet the values the stack has.

The stack offers values for some env keys (`supplied`); a function gets exactly those its settings model declares.
A declared key the stack cannot supply stops synthesis, unless it is one of the local-only overrides, which the
cloud deployment leaves unset on purpose so the settings' defaults (Amazon's real endpoints) apply.
"""

from collections.abc import Mapping

from pydantic import BaseModel

from infra.config import LOG_LEVEL
from shared.env import Env
from shared.settings import env_keys, required_env_keys

# Overrides for the embedded AWS and the local Amazon sandbox; a cloud deployment never sets them.
LOCAL_ONLY: frozenset[str] = frozenset(
    {
        Env.SPAPI_ENDPOINT_URL,
        Env.LWA_TOKEN_URL,
        Env.SELLER_CENTRAL_URL,
        Env.SPAPI_TIME_SCALE,
        Env.SPAPI_CLOCK_ORIGIN,
        Env.AWS_ENDPOINT_URL,
    }
)
# Read by Powertools itself rather than by a settings model, so every function gets them.
RUNTIME_ENV: Mapping[str, str] = {Env.LOG_LEVEL: LOG_LEVEL}


class UnsuppliedEnvError(ValueError):
    """A settings model needs an environment variable this stack cannot provide."""


def function_environment(owner: str, settings: type[BaseModel], supplied: Mapping[str, str]) -> dict[str, str]:
    """The env of a function: the supplied values its settings model declares, plus the Powertools runtime keys.

    Raises UnsuppliedEnvError naming each declared key the stack cannot supply (a required local-only key included).
    """
    declared = env_keys(settings)
    missing_required = sorted(required_env_keys(settings) - supplied.keys())
    unknown = sorted(declared - supplied.keys() - LOCAL_ONLY)
    if missing_required or unknown:
        problems = sorted(set(missing_required) | set(unknown))
        raise UnsuppliedEnvError(
            f"{owner}: {settings.__name__} reads {', '.join(problems)}, which the stack cannot supply "
            f"(it supplies {', '.join(sorted(supplied))}). Grant the table, set reads_lwa_secret/puts_events "
            "(publishes_events for a sync type), list the key in the spec's names_only, "
            "or drop the field from the settings model."
        )
    environment = {key: value for key, value in supplied.items() if key in declared}
    environment.update(RUNTIME_ENV)
    return environment
