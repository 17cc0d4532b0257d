"""Bulk import and export of users: files in, files out, the user rules in between."""
