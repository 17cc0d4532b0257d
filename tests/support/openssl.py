"""HMAC-SHA512 computed by the `openssl` command line: an implementation independent of the
one under test."""

from __future__ import annotations

import base64
import subprocess


def hmac_sha512_base64(key: bytes, message: str) -> str:
    done = subprocess.run(
        ["openssl", "dgst", "-sha512", "-mac", "HMAC", "-macopt", f"hexkey:{key.hex()}"],
        input=message.encode("utf-8"),
        capture_output=True,
        check=True,
        timeout=30,
    )
    hex_digest = done.stdout.decode().strip().split()[-1]
    return base64.b64encode(bytes.fromhex(hex_digest)).decode("ascii")
