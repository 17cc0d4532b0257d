"""Passwords, one-time tokens, secrets at rest and shared-access signatures."""
