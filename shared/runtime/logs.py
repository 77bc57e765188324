"""The functions' loggers: Powertools' structured JSON lines, without the keys Lambda's log group already says.

Every line Powertools writes inside a handler carries the function's name, ARN and memory size (~230 of a line's
~650 bytes), the same on every line of the function's own log group, which names the function (Logs Insights shows it
as `@log`; the memory size is in Lambda's REPORT line). CloudWatch bills the bytes ingested, so they are left out;
the request id, cold start, service, sync type and connection keys stay.
"""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter
from aws_lambda_powertools.logging.types import LogRecord

# Keys of Powertools' Lambda context that repeat what the log group says.
REDUNDANT_KEYS = ("function_name", "function_arn", "function_memory_size")


class LogGroupFormatter(LambdaPowertoolsFormatter):
    """Powertools' JSON formatter without REDUNDANT_KEYS."""

    def serialize(self, log: LogRecord) -> str:
        """The line as JSON, the redundant keys left out."""
        for key in REDUNDANT_KEYS:
            log.pop(key, None)  # type: ignore[misc]
        return super().serialize(log)


def function_logger() -> Logger:
    """A function module's Powertools Logger (the service from POWERTOOLS_SERVICE_NAME, as Logger() does)."""
    return Logger(logger_formatter=LogGroupFormatter())
