"""Checks on free text that people type (a decree's number, a rejection's reason)."""

from __future__ import annotations

import re

# Control characters (C0, DEL, C1) and the bidirectional overrides and isolates that make text
# show in another order than it is stored ("Trojan Source"): never part of a decree's number or
# a reason.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
