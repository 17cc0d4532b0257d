"""Apidesk: self-hosted developer accounts for API programs."""

__version__ = "0.1.0"
