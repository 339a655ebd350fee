"""Tandem tandem package."""
