"""The daily check: the age rule, the in-flight guard, failures recorded and counted."""

from datetime import timedelta

from shared.credentials.rotation import CheckOutcome, age_in_days, check_rotation
from shared.models.secret_rotation import RotationState
from shared.spapi.errors import InvalidInputError
from tests.unit.credentials.conftest import NOW, World, secret_json

NOT_ENROLLED = (
    "Application is not enrolled for rotation notification. Please update application notification preference in "
    "Developer console."
)


def set_age(world: World, days: float) -> None:
    world.secretsmanager.put_secret_value(SecretId=world.arn, SecretString=secret_json(NOW - timedelta(days=days)))


def test_age_counts_whole_days() -> None:
    assert age_in_days(NOW - timedelta(days=149, hours=23), NOW) == 149
    assert age_in_days(NOW - timedelta(days=150), NOW) == 150
    assert age_in_days(NOW + timedelta(hours=1), NOW) == 0


def test_a_secret_younger_than_the_limit_is_not_rotated_and_its_age_is_published(world: World) -> None:
    set_age(world, 149.5)
    result = check_rotation(world.check_deps(), NOW)
    assert result.outcome is CheckOutcome.NOT_DUE
    assert result.age_days == 149
    assert result.next_rotation_at == NOW - timedelta(days=149.5) + timedelta(days=150)
    assert world.rotations == []
    assert world.metrics.values("SecretAgeDays") == [149]
    status = world.status.get()
    assert status.secret_age_days == 149 and status.state is None


def test_at_the_limit_one_rotation_is_requested_and_not_repeated_while_in_flight(world: World) -> None:
    set_age(world, 150)
    assert check_rotation(world.check_deps(), NOW).outcome is CheckOutcome.REQUESTED
    assert world.status.get().state is RotationState.REQUESTED
    again = check_rotation(world.check_deps(), NOW + timedelta(hours=1))
    assert again.outcome is CheckOutcome.IN_FLIGHT
    assert len(world.rotations) == 1


def test_the_limit_is_configurable(world: World) -> None:
    set_age(world, 30)
    assert check_rotation(world.check_deps(rotate_after_days=31), NOW).outcome is CheckOutcome.NOT_DUE
    assert check_rotation(world.check_deps(rotate_after_days=30), NOW).outcome is CheckOutcome.REQUESTED


def test_a_request_whose_secret_never_came_is_a_failure_and_is_requested_again(world: World) -> None:
    set_age(world, 150)
    check_rotation(world.check_deps(), NOW)
    later = NOW + timedelta(hours=25)
    result = check_rotation(world.check_deps(), later)
    assert result.outcome is CheckOutcome.REQUESTED
    assert len(world.rotations) == 2
    assert world.metrics.values("SecretRotationFailures") == [1]
    status = world.status.get()
    assert status.last_error is not None and "no new client secret arrived within 24 hours" in status.last_error


def test_amazon_refusing_the_request_is_recorded_with_its_message(world: World) -> None:
    set_age(world, 160)
    world.rotate_error = InvalidInputError(400, "InvalidInput", NOT_ENROLLED, operation="rotateApplicationClientSecret")
    result = check_rotation(world.check_deps(), NOW)
    assert result.outcome is CheckOutcome.FAILED
    status = world.status.get()
    assert status.state is RotationState.FAILED
    assert status.last_error is not None and "not enrolled for rotation notification" in status.last_error
    assert world.metrics.values("SecretRotationFailures") == [1]
    # A failed request is not in flight: the next day's check asks again.
    world.rotate_error = None
    assert check_rotation(world.check_deps(), NOW + timedelta(days=1)).outcome is CheckOutcome.REQUESTED


def test_force_rotates_a_young_secret(world: World) -> None:
    set_age(world, 3)
    assert check_rotation(world.check_deps(), NOW, force=True).outcome is CheckOutcome.REQUESTED
    assert len(world.rotations) == 1


def test_a_hand_entered_secret_is_aged_from_its_version(world: World) -> None:
    world.secretsmanager.put_secret_value(SecretId=world.arn, SecretString=secret_json(created_at=None))
    created = world.secretsmanager.get_secret_value(SecretId=world.arn)["CreatedDate"]
    result = check_rotation(world.check_deps(), created + timedelta(days=151))
    assert result.outcome is CheckOutcome.REQUESTED
    assert result.age_days == 151


def test_the_previous_secret_is_dropped_once_expired_and_only_once(world: World) -> None:
    from shared.credentials.new_secret import handle_credential_notification
    from tests.unit.credentials.conftest import NEW_SECRET, new_secret_body

    handle_credential_notification(new_secret_body(), world.consumer_deps(), NOW)
    check_rotation(world.check_deps(), NOW + timedelta(days=6))
    assert "previous_client_secret" in world.stored()
    versions = world.versions()
    check_rotation(world.check_deps(), NOW + timedelta(days=7))
    stored = world.stored()
    assert "previous_client_secret" not in stored and "previous_client_secret_expires_at" not in stored
    assert stored["client_secret"] == NEW_SECRET
    assert world.versions() == versions + 1
    check_rotation(world.check_deps(), NOW + timedelta(days=8))
    assert world.versions() == versions + 1


def test_amazons_expiry_notice_brings_a_hand_entered_secrets_rotation_forward(world: World) -> None:
    from shared.models.secret_rotation import ExpiryNotice

    set_age(world, 10)  # as our records say; Amazon knows the secret is older
    notice = ExpiryNotice(expires_at=NOW + timedelta(days=29), reason="PERIODIC_ROTATION", received_at=NOW)
    world.status.record_expiry_notice(notice)
    result = check_rotation(world.check_deps(), NOW)
    assert result.outcome is CheckOutcome.REQUESTED
    assert result.next_rotation_at == NOW - timedelta(days=1)


def test_an_expiry_notice_older_than_the_secret_is_about_its_predecessor(world: World) -> None:
    from shared.models.secret_rotation import ExpiryNotice

    set_age(world, 10)
    old_notice = ExpiryNotice(
        expires_at=NOW - timedelta(days=5), reason="PERIODIC_ROTATION", received_at=NOW - timedelta(days=60)
    )
    world.status.record_expiry_notice(old_notice)
    assert check_rotation(world.check_deps(), NOW).outcome is CheckOutcome.NOT_DUE
