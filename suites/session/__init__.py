"""The session suite: cookie attributes, integrity, lifetime, fixation, logout, saving, size, concurrency."""
