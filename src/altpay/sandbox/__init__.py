"""The sandbox's controls: a tenant per test run (with a time to live), reset of a tenant's
data, and the log of its requests. Only while the sandbox is on (``Settings.sandbox_enabled``).
"""
