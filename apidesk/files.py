"""Files only their owner may read: the SQLite database and the secret key file hold every
secret of a deployment."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

log = logging.getLogger("apidesk.files")


def create_private(path: Path) -> bool:
    """Create an empty file that only its owner may read and write, unless it exists; True
    when it was created. An existing file readable by others is named in the log."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        warn_if_shared(path)
        return False
    os.close(descriptor)
    return True


def warn_if_shared(path: Path) -> None:
    try:
        mode = path.stat().st_mode
    except OSError:
        return
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        log.warning("%s can be read by other users of this machine: chmod 600 it", path)
