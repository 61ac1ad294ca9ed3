"""Call intake by text and by device location: SMS webhooks, text threads, PIDF-LO, history."""
