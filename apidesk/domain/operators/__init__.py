"""Operators of the deployment: accounts, their one-time links, sessions and sign-in."""
