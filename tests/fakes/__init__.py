"""Fakes only the tests use: the OpenAI and Slack servers and an in-memory venue.

The fakes the demo and ``claw serve``'s dry run need stay in ``claw_adapters.fakes``;
these import from there (the loopback server helper) but nothing in ``src`` imports
these. ``tests/`` is on the import path through its ``conftest.py``.
"""
