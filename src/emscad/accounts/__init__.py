"""Accounts: users, roles, permissions, machine tokens and sessions."""
