"""The admin console: operators manage the instances they may see, in a browser, at /console/."""

from pathlib import Path

TEMPLATES = Path(__file__).parent / "templates"
