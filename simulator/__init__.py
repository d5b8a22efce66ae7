"""Simulated smart meters: load profiles and CSV replay, handed in batches to monitoring's inbox."""
