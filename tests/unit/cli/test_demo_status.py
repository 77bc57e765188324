"""The demo's last screen: one status view of every connection's syncs, the firing alarms under it."""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from cli.demo_status import print_final_screen, status_entries
from cli.render import console
from local.alarms import AlarmState
from shared.models.connection import Pause
from shared.models.sync import SyncState, SyncStatus
from tests.unit.sync.fakes import connection

NOW = datetime.now(UTC)


@dataclass
class Summary:
    """The parts of DemoSummary the final screen reads."""

    status: list[dict[str, Any]]
    alarms: list[AlarmState] = field(default_factory=list)
    stack_name: str = "SellerSync"


def _snapshot() -> list[dict[str, Any]]:
    ok = connection("A1", authorized_at=NOW - timedelta(days=1))
    paused = connection(
        "A2", authorized_at=NOW - timedelta(days=30), paused={"orders": Pause(by="ops", at=NOW, reason="audit")}
    )

    def status(cid: str, at: datetime) -> dict[str, Any]:
        item = SyncStatus(connection_id=cid, sync_type="orders", state=SyncState.OK, last_run_at=at, last_success_at=at)
        return item.model_dump(mode="json")

    return [
        {"connection": ok.model_dump(mode="json"), "enabled": ["orders"], "syncs": [status(ok.connection_id, NOW)]},
        {
            "connection": paused.model_dump(mode="json"),
            "enabled": ["orders"],
            "syncs": [status(paused.connection_id, NOW - timedelta(days=5))],
        },
    ]


def test_the_snapshot_goes_through_the_status_report() -> None:
    first, second = status_entries(_snapshot(), NOW)

    assert [s["stalled"] for s in first["syncs"]] == [False]
    assert second["syncs"][0]["stalled"] is False and second["syncs"][0]["paused"]["reason"] == "audit"


def test_the_final_screen_shows_every_connection_then_the_firing_alarms() -> None:
    alarm = AlarmState("SellerSync-OrdersDlq", "ALARM", "1 message", "ApproximateNumberOfMessagesVisible", "")

    with console.capture() as captured:
        print_final_screen(cast(Any, Summary(_snapshot(), [alarm])))
    text = captured.get()

    assert "Sync status: 2 connection(s)" in text and "eu-a1" in text and "eu-a2" in text
    assert "PAUSED" in text and "OrdersDlq" in text
    assert text.index("Sync status") < text.index("OrdersDlq")
    assert "counts" not in text and "last success" in text  # compact: one screen


def test_without_firing_alarms_the_screen_says_so_in_one_line() -> None:
    with console.capture() as captured:
        print_final_screen(cast(Any, Summary(_snapshot())))

    assert "Alarms: none in ALARM" in captured.get()
