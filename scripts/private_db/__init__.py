"""The private database servers `scripts/local_db.py` provides: their programs, data under .var/,
how each is started, watched and restarted. A library for the scripts, not a script itself."""
