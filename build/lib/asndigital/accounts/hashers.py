"""Argon2id with parameters from the configuration (Django rehashes on login when they change)."""

from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher


class ConfiguredArgon2PasswordHasher(Argon2PasswordHasher):
    algorithm = "argon2"

    @property
    def memory_cost(self) -> int:  # KiB
        return settings.ARGON2_MEMORY_COST_KIB

    @property
    def time_cost(self) -> int:
        return settings.ARGON2_TIME_COST

    @property
    def parallelism(self) -> int:
        return settings.ARGON2_PARALLELISM
