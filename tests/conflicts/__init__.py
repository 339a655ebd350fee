"""Tests of the conflict engine, with real git as the oracle for the conflict rule."""
