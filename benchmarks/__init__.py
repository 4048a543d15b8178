"""Benchmarks: the seeded corpus generator (``corpus``) and the runner (``run``)."""
