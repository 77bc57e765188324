"""`sellersync secret status` and `rotate`: what they show (never a secret value) and that they are wired."""

import json
from datetime import timedelta

from typer.testing import CliRunner

from cli.commands.secret import app, status_view
from cli.main import SellerSyncGroup
from shared.credentials.new_secret import handle_credential_notification
from shared.credentials.rotation import check_rotation
from tests.unit.credentials.conftest import NEW_SECRET, NOW, OLD_SECRET, World, new_secret_body


def test_status_shows_age_outcome_and_dates_but_no_secret(world: World) -> None:
    check_rotation(world.check_deps(), NOW, force=True)
    handle_credential_notification(new_secret_body(), world.consumer_deps(), NOW)
    view = status_view(world.check_deps(), NOW + timedelta(days=3))
    assert view["age_days"] == 3
    assert view["state"] == "ROTATED"
    assert view["previous_secret_expires_at"].startswith((NOW + timedelta(days=7)).date().isoformat())
    assert view["next_rotation_at"].startswith((NOW + timedelta(days=150)).date().isoformat())
    shown = json.dumps(view)
    assert NEW_SECRET not in shown and OLD_SECRET not in shown


def test_the_secret_command_is_listed_with_both_subcommands() -> None:
    assert "secret" in SellerSyncGroup.lazy_commands
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "status" in result.stdout and "rotate" in result.stdout
