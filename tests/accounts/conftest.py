import time

import pytest


@pytest.fixture(autouse=True)
def away_from_a_step_boundary():
    """Codes are computed by the test, then checked by the server a moment later: start each
    test with at least 3 seconds left in the current 30-second step, so that the step cannot
    change in between (which would make a right code look one step old)."""
    remaining = 30 - time.time() % 30
    if remaining < 3:
        time.sleep(remaining + 0.05)
