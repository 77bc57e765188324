"""An AuditRecorder for the tests: keeps records and answers in lists, once per key like the table."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shared.models.audit import AuditKind, AuditRecord


@dataclass
class ListRecorder:
    """Records in order; a second record with the same (connection, kind, ref, at) is ignored, as the table does."""

    records: list[AuditRecord] = field(default_factory=list)
    answers: list[dict[str, Any]] = field(default_factory=list)

    def record(self, record: AuditRecord) -> None:
        key = (record.connection_id, record.kind, record.ref, record.at)
        if all((r.connection_id, r.kind, r.ref, r.at) != key for r in self.records):
            self.records.append(record)

    def answer(
        self,
        connection_id: str,
        kind: AuditKind,
        ref: str,
        at: datetime,
        outcome: str,
        answered_at: datetime,
        counts: Mapping[str, int],
        results: Mapping[str, str],
    ) -> None:
        self.answers.append(
            {"connection_id": connection_id, "kind": kind, "ref": ref, "at": at, "outcome": outcome}
            | {"counts": dict(counts), "results": dict(results)}
        )
