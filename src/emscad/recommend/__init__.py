"""Recommendation: which unit to send and which hospital, from response plans and road ETAs."""
