"""The fault suite of issue 10 (`make chaos`): real processes, faults, an independent recount.

Not collected by pytest (no test_*.py here): run it with `python -m tests.chaos`.
docs/reliability.md describes what it injects and what it compares.
"""
