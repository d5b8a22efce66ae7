"""WebSocket plumbing shared by the realtime consumers: socket credentials, tickets, limits.

Project-level and model-free on purpose: the realtime process opens only the chat database
and Redis (docs/realtime.md).
"""
