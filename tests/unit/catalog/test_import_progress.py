"""The import's progress (shared/catalog/progress.py, ListingsRepository.save_progress / import_progress): throttled
to every EVERY_SECONDS or EVERY_ENTRIES, never moved back for the same report, its total from the previous report or
from the first job of a continued import, and written by apply_report as its batches land."""

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from shared.catalog.progress import ProgressWriter, expected_entries
from shared.catalog.report import ReportListing, ReportProblem
from shared.catalog.report_import import apply_report
from shared.models.listings import CatalogSyncState
from shared.repositories.listings import ListingsRepository
from shared.repositories.listings_import import ImportProgress
from tests.dynamodb import create_table
from tests.moto_inprocess import in_process_aws
from tests.unit.catalog.listings_api import UK

T0 = datetime(2026, 12, 7, 3, 15, tzinfo=UTC)
CID = "conn-1"


class Recorder:
    """A progress store that records each write."""

    def __init__(self) -> None:
        self.saved: list[ImportProgress] = []

    def save_progress(self, progress: ImportProgress) -> bool:
        self.saved.append(progress)
        return True

    def import_progress(self, connection_id: str, marketplace_id: str) -> ImportProgress | None:
        return self.saved[-1] if self.saved else None


class Clock:
    def __init__(self) -> None:
        self.seconds = 0.0

    def __call__(self) -> float:
        return self.seconds


@pytest.fixture
def store() -> Iterator[ListingsRepository]:
    with in_process_aws():
        client = boto3.client(
            "dynamodb", region_name="eu-west-1", aws_access_key_id="testing", aws_secret_access_key="testing"
        )
        yield ListingsRepository(create_table(client, "listings", gsi1=True), client)


def writer(store: Any, monotonic: Clock, total: int | None = 5000) -> ProgressWriter:
    return ProgressWriter(store, CID, UK, "r1", total, lambda: T0, monotonic=monotonic)


def test_progress_is_written_at_most_every_ten_seconds_or_thousand_entries_and_at_the_end() -> None:
    recorder, monotonic = Recorder(), Clock()
    progress = writer(recorder, monotonic)
    for entries in range(20, 2001, 20):  # 100 batches within one second: only by the entries
        progress.note(entries)
    assert [p.entries for p in recorder.saved] == [20, 1020]
    monotonic.seconds = 9.9
    progress.note(2010)  # 990 entries and 9.9 s since the last write: not yet
    monotonic.seconds = 10.0
    progress.note(2015)  # ten seconds since the last write
    progress.note(2015)  # nothing new
    progress.note(2045, final=True)
    assert [p.entries for p in recorder.saved] == [20, 1020, 2015, 2045]
    assert [p.total for p in recorder.saved] == [5000, 5000, 5000, 2045]  # the end knows the true total
    assert progress.writes == 4


def test_a_report_larger_than_the_expected_total_shows_no_total() -> None:
    recorder = Recorder()
    progress = writer(recorder, Clock(), total=100)
    progress.note(120)
    assert recorder.saved[-1].total is None


def test_the_repository_never_moves_a_report_s_progress_back(store: ListingsRepository) -> None:
    assert store.import_progress(CID, UK) is None
    assert store.save_progress(ImportProgress(CID, UK, "r1", 1000, 5000, T0))
    assert not store.save_progress(ImportProgress(CID, UK, "r1", 400, 5000, T0))  # a late writer of the same report
    assert store.import_progress(CID, UK) == ImportProgress(CID, UK, "r1", 1000, 5000, T0)
    assert store.save_progress(ImportProgress(CID, UK, "r2", 20, None, T0))  # the next report starts again
    assert store.import_progress(CID, UK) == ImportProgress(CID, UK, "r2", 20, None, T0)
    assert [x.sku for x in store.list(CID, UK)] == [] and list(store.skus(CID, UK)) == []


def test_the_expected_total_comes_from_the_previous_report_or_the_continued_import_s_first_job(
    store: ListingsRepository,
) -> None:
    state = CatalogSyncState(connection_id=CID, marketplace_id=UK, report_id="r2", counts={"rows": 90, "problems": 2})
    assert expected_entries(store, state, resumed=False) == 92
    assert expected_entries(store, state.model_copy(update={"counts": {}}), resumed=False) is None
    store.save_progress(ImportProgress(CID, UK, "r2", 40, 92, T0))
    assert expected_entries(store, state.model_copy(update={"counts": {"rows": 40}}), resumed=True) == 92
    assert expected_entries(store, state.model_copy(update={"report_id": "r3"}), resumed=True) is None


def test_apply_report_notes_its_batches_and_ends_with_the_true_total(store: ListingsRepository) -> None:
    rows: list[ReportListing | ReportProblem] = [
        ReportListing(line=n + 2, seller_sku=f"SKU-{n:04}", quantity=1, status="Active") for n in range(130)
    ]
    rows.append(ReportProblem(line=132, reason="bad quantity"))
    recorder, monotonic = Recorder(), Clock()
    progress = ProgressWriter(recorder, CID, UK, "r1", 125, lambda: T0, monotonic=monotonic, every_entries=50)

    def publish(entries: Any) -> None:
        pass

    class Metrics:
        def add_metric(self, *args: Any) -> None:
            pass

    apply_report(CID, UK, rows, store, publish, "bus", T0, Metrics(), progress=progress)
    assert [(p.entries, p.total) for p in recorder.saved] == [(0, 125), (60, 125), (120, 125), (131, 131)]
