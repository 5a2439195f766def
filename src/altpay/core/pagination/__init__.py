"""Keyset pagination, used by every list: ``cursors`` (signed positions), ``keyset`` (the
queries), ``pages`` (the route's dependency and the envelope)."""
