"""Loaded by pytest (``-p tests.envdefaults``) before Django reads its settings."""

import os

os.environ["ASN_ENV"] = "test"
