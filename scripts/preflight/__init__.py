"""The checks scripts/doctor.py runs: verdicts, and the servers the stack talks to."""
