"""The agency's set-up: stations, hospitals and the unit roster."""
