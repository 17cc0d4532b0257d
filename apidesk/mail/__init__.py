"""Sending e-mail: the SMTP sender and the outbox dispatcher."""
