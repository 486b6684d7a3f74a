"""The CORS suite: actual requests, preflights, credentials, Vary, errors and misconfiguration
classes, judged the way a browser's Fetch implementation would judge the answers."""
