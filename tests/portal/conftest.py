"""The portal's browser modules share one chromium per module."""

from support.browser import browser  # noqa: F401 (a fixture)
