"""The read side: projections of the event log and the storage they live in.

Projections are plain classes that fold decoded events into JSON documents;
the store keeps those documents beside the events (same SQLite file, same
PostgreSQL schema) together with how far each projection has read.
"""
