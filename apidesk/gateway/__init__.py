"""The gateway key check: the hot path that reverse proxies call on every API request."""
