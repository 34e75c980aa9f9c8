"""The bench behind scripts/bench.py, one module per concern.

figures (what is measured, the goals, the scales), processes and stack (the bench's own ports,
databases and honcho stacks), load (wrk), engine, markov, relay, market and footprint (the figures, by
what they measure), bars (made-up data), run (one run, in order) and report (table and JSON).
"""
