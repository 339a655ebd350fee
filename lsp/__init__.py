"""Tandem lsp package."""
