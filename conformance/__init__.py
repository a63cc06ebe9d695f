"""Conformance kit for the Triport and TEOS invoice-cancellation APIs."""

__version__ = "0.1.0"
