"""Adapters that implement the domain's ports against real infrastructure and vendors."""
