"""The staff-safety layer: orders, call cautions, watch feeds, SOS, check-ins, escorts."""
