"""Markov-switching models (Hamilton 1989): fitted by maximum likelihood, filtered with no look-ahead.

- ``model``: what a model is (``MarkovSpec``) and its parameters (``MarkovParams``), the chain of
  joint regimes the filter runs on, and each observation's density under each joint regime.
- ``hamilton``: the Hamilton filter and the Kim smoother, as blocked NumPy scans;
  ``markov_filter`` is the filter alone, for parameters fitted earlier.
- ``estimate``: maximum likelihood (EM, then BFGS with the exact gradient): ``markov_fit``.
- ``bfgs``: the quasi-Newton minimiser ``estimate`` uses.
"""
