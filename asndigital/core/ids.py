"""Time-ordered UUIDs (version 7, RFC 9562) for rows created in bulk.

Random (version 4) keys scatter every insert across the primary-key index and every index on a
foreign key to it; version 7 keys start with the time in milliseconds, so a bulk load appends
to the right edge of those indexes. They keep 74 random bits: still impossible to guess.
"""

import os
import time
import uuid


def uuid7() -> uuid.UUID:
    value = bytearray((time.time_ns() // 1_000_000).to_bytes(6, "big") + os.urandom(10))
    value[6] = (value[6] & 0x0F) | 0x70  # version 7
    value[8] = (value[8] & 0x3F) | 0x80  # RFC 4122 variant
    return uuid.UUID(bytes=bytes(value))
