"""Secret rotations in the audit trail: each rotateApplicationClientSecret asked (REQUESTED or FAILED with Amazon's
message) and each new secret stored (ROTATED, keyed by the notification so a redelivery records the same key), and
never a secret value in a record."""

from datetime import timedelta

from shared.credentials.new_secret import Outcome, handle_credential_notification
from shared.credentials.rotation import CheckOutcome, check_rotation
from shared.models.audit import APPLICATION, AuditKind
from shared.spapi.errors import InvalidInputError
from tests.unit.credentials.conftest import NEW_SECRET, NOW, OLD_SECRET, World, new_secret_body
from tests.unit.credentials.test_rotation_check import set_age


def test_a_requested_rotation_is_recorded_for_the_application(world: World) -> None:
    set_age(world, 150)
    assert check_rotation(world.check_deps(), NOW).outcome is CheckOutcome.REQUESTED

    [record] = world.audited.records
    assert (record.connection_id, record.kind, record.outcome) == (APPLICATION, AuditKind.SECRET_ROTATION, "REQUESTED")
    assert record.operation == "rotateApplicationClientSecret"


def test_a_refused_rotation_is_recorded_with_amazons_message(world: World) -> None:
    set_age(world, 150)
    world.rotate_error = InvalidInputError(
        400, "InvalidInput", "Application is not enrolled for rotation notification", operation="rotate"
    )
    assert check_rotation(world.check_deps(), NOW).outcome is CheckOutcome.FAILED

    [record] = world.audited.records
    assert record.outcome == "FAILED" and "not enrolled" in (record.message or "")


def test_a_stored_secret_is_recorded_once_per_notification_and_never_its_value(world: World) -> None:
    assert handle_credential_notification(new_secret_body(), world.consumer_deps(), NOW) is Outcome.ROTATED
    again = handle_credential_notification(new_secret_body(), world.consumer_deps(), NOW + timedelta(minutes=5))
    assert again is Outcome.ALREADY_CURRENT

    first, redelivered = world.audited.records
    assert first.outcome == "ROTATED" and first.ref == "6f1b0c3e-0000-4000-8000-000000000001"
    # the same key (time and ref): the audit table's conditional put records it once
    assert (redelivered.at, redelivered.ref, redelivered.kind) == (first.at, first.ref, first.kind)
    dumped = first.model_dump_json()
    assert NEW_SECRET not in dumped and OLD_SECRET not in dumped
