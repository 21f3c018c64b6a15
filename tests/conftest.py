"""Test-suite settings: hypothesis draws the same examples on every run (CI and here alike), so a
failure is reproducible and a green run means the same thing each time."""

from hypothesis import settings

settings.register_profile("repeatable", derandomize=True, print_blob=True)
settings.load_profile("repeatable")
