"""Local fake vendor servers that speak the documented contracts, errors included.

Used by the contract tests, the end-to-end tests and ``claw demo``. They only ever
listen on 127.0.0.1.
"""
