"""Tandem agent package."""
