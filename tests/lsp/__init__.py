"""Tests of the Tandem language server."""
