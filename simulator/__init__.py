"""Simulated smart meters: load profiles and CSV replay, published as batches to the broker."""
