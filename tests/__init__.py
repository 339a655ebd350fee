"""Tandem's test suite."""
