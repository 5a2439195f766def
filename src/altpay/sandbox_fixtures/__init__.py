"""Sandbox fixtures: an account's customers, users and payment methods, out to a file and in."""
