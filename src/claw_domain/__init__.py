"""claw's pure domain: aggregates, values, the decision policy and the ports.

Nothing here performs I/O, reads a clock or draws randomness: time, ids and
model outputs are computed outside and passed in.
"""
