"""Ordered journal revisions."""
