"""Benchmarks of the real-time core (latency, ingest, connections, fan-out), each beside a bare relay's floor."""
