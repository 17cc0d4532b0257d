"""The `apidesk` command line."""
