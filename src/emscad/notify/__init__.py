"""Notifications: an outbox with retries, and the channels that deliver alerts."""
