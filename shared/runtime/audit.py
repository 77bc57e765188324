"""The audit recorder the functions inject into the senders: the audit table behind a guard.

A failure to record never fails the send it records: the change already reached Amazon (a failed handler would send
it again, a second feed or patch, to record the first), so the error is logged (`audit record failed`, with the kind,
ref and connection, never the entries) and the send goes on; docs/operations.md, "Audit trail". Without an audit
table (a stack deployed before it existed) nothing is recorded.
"""

import logging

from shared import aws
from shared.models.audit import AuditAnswer, AuditKind, AuditRecord, AuditRecorder, NoAudit
from shared.repositories.audit import AuditRepository

logger = logging.getLogger(__name__)
FAILED = "audit record failed"


class GuardedRecorder:
    """Records through `inner`; any exception is logged and swallowed (see the module doc)."""

    def __init__(self, inner: AuditRecorder, log: logging.Logger | None = None) -> None:
        self._inner = inner
        self._log = log or logger

    def record(self, record: AuditRecord) -> None:
        """Records the send, or logs why it could not."""
        try:
            self._inner.record(record)
        except Exception as exc:  # never fails the send: see the module doc
            self._failed("record", record.connection_id, record.kind, record.ref, exc)

    def answer(self, answer: AuditAnswer) -> None:
        """Adds Amazon's answer, or logs why it could not."""
        try:
            self._inner.answer(answer)
        except Exception as exc:  # never fails the send: see the module doc
            self._failed("answer", answer.connection_id, answer.kind, answer.ref, exc)

    def _failed(self, step: str, connection_id: str, kind: AuditKind, ref: str, exc: Exception) -> None:
        self._log.error(
            FAILED,
            extra={
                "step": step,
                "connection_id": connection_id,
                "audit_kind": kind.value,
                "ref": ref,
                "error": type(exc).__name__,
            },
        )


def audit_recorder(table_name: str | None) -> AuditRecorder:
    """The guarded audit table, or NoAudit without one."""
    if table_name is None:
        return NoAudit()
    return GuardedRecorder(AuditRepository(table_name, aws.client("dynamodb")))
