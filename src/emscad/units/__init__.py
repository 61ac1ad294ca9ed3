"""Units: ambulances and other resources, their statuses and positions."""
