"""The handlers' own last-receive dead-lettering matches the queues' redrive policy."""

from infra.config import MAX_RECEIVE_COUNT as INFRA_MAX_RECEIVE_COUNT
from shared.sync.queue import MAX_RECEIVE_COUNT


def test_the_last_receive_is_the_redrive_policys() -> None:
    assert MAX_RECEIVE_COUNT == INFRA_MAX_RECEIVE_COUNT
