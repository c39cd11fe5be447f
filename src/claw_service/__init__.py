"""The service layer: claw's use cases on top of the eventsourcing library.

It loads aggregates, gathers facts, asks the pure policy, and saves the
resulting events atomically. It performs no vendor I/O itself: effects are
carried out by the dispatcher, which follows the event log.
"""
