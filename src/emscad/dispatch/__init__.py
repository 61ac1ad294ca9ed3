"""Dispatch: the orchestration of incidents, units and the agency's set-up over storage."""
