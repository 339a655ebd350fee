"""Tests of the shared HTTP plumbing (backend/api/registry.py, middleware.py): regressions the fuzzer found."""
