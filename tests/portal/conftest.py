"""The portal's browser modules share one chromium per module and axe-core's script."""

from support.browser import axe, browser  # noqa: F401 (fixtures)
