"""moto in this process, without wiping the rest of this process's embedded AWS.

The shared local stack's moto server runs in the test process (local/aws.py), on the same global backends as moto's
in-process mock: `with mock_aws():` resets every backend when it starts and when it stops, which deletes the deployed
stack's tables, queues and key under the feet of the local-stack modules that run later in the same worker. Tests that
want moto in process use this instead and isolate themselves by resource names (tests/dynamodb.py create_table makes
them unique), as the moto-server tests do.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from moto import mock_aws


@contextmanager
def in_process_aws() -> Iterator[None]:
    """moto's in-process mock for the block, starting from and leaving behind whatever the backends hold."""
    mock = mock_aws()
    mock.start(reset=False)
    try:
        yield
    finally:
        mock.stop(remove_data=False)
