"""Tests of the real-time hub over real WebSockets."""
