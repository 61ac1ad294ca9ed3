"""Incidents: the calls for service, from intake to close, as a pure state machine."""
