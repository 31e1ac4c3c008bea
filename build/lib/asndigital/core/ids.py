"""Time-ordered UUIDs (version 7, RFC 9562) for rows created in bulk.

Random (version 4) keys scatter every insert across the primary-key index and every index on a
foreign key to it; version 7 keys start with the time in milliseconds, so a bulk load appends
to the right edge of those indexes. They keep 74 random bits: still impossible to guess.
"""

import os
import time
import uuid

_VERSION = 0x7 << 76
_VARIANT = 0x2 << 62
_RAND_A = 0xFFF << 64  # 12 random bits after the version
_RAND_B = (1 << 62) - 1  # 62 random bits after the variant


def uuid7_many(count: int) -> list[uuid.UUID]:
    """``count`` version-7 UUIDs from one clock reading and one read of the random source."""
    stamp = (time.time_ns() // 1_000_000) << 80
    pool = os.urandom(10 * count)
    result = []
    for i in range(count):
        bits = int.from_bytes(pool[10 * i : 10 * i + 10], "big")  # 80 random bits
        result.append(
            uuid.UUID(
                int=stamp | _VERSION | ((bits >> 62) << 64 & _RAND_A) | _VARIANT | bits & _RAND_B
            )
        )
    return result


def uuid7() -> uuid.UUID:
    return uuid7_many(1)[0]
