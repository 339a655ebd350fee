"""Windowed counters for rate limits: in-process for the embedded mode, Redis for scale-out."""
