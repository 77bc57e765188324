"""A function's settings from its environment, and its metrics aimed once per container: every metric it emits goes to
our namespace with the one `sync_type` dimension the alarms and widgets read (shared/metrics.py)."""

from aws_lambda_powertools import Metrics

from shared.settings import FunctionSettings, SyncSettings, load_settings
from shared.sync.metrics import SYNC_DIMENSION


def settings_with_metrics[S: FunctionSettings](model: type[S], metrics: Metrics, sync_type: str | None = None) -> S:
    """The settings (`load_settings`), with `metrics` set to their namespace and to the dimension
    `sync_type=<sync_type>` (default: a sync type's settings name their own)."""
    settings = load_settings(model)
    dimension = sync_type or (settings.sync_type if isinstance(settings, SyncSettings) else None)
    if dimension is None:
        raise ValueError(f"{model.__name__} names no sync type: give the metrics' sync_type")
    metrics.namespace = settings.metrics_namespace
    metrics.set_default_dimensions(**{SYNC_DIMENSION: dimension})
    return settings
