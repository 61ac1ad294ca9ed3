"""Safety commands: protective orders, watch feeds, staff SOS, check-ins, escorts, offboarding."""
