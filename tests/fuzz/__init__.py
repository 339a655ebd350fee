"""Fuzz tests: every operation of the OpenAPI document and every hub command fed odd input; none may give a 500."""
