"""An AuditRecorder for the tests: keeps records and answers in lists, once per key like the table."""

from dataclasses import dataclass, field
from typing import Any

from shared.models.audit import AuditAnswer, AuditRecord


@dataclass
class ListRecorder:
    """Records in order; a second record with the same (connection, kind, ref, at) is ignored, as the table does."""

    records: list[AuditRecord] = field(default_factory=list)
    answers: list[dict[str, Any]] = field(default_factory=list)

    def record(self, record: AuditRecord) -> None:
        key = (record.connection_id, record.kind, record.ref, record.at)
        if all((r.connection_id, r.kind, r.ref, r.at) != key for r in self.records):
            self.records.append(record)

    def answer(self, answer: AuditAnswer) -> None:
        self.answers.append(
            answer.model_dump(include={"connection_id", "kind", "ref", "at", "outcome"})
            | {"counts": dict(answer.counts), "results": dict(answer.results)}
        )
