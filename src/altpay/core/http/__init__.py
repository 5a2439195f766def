"""What every domain's routes share over HTTP.

``errors`` (the one mapping of errors to responses), ``middleware`` (request id, access
line, metrics), ``body`` and ``params`` (parsing), ``connections`` (the read and the write
transaction a route gets, as dependencies).
"""
