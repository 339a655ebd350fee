"""Application services: the use cases, free of HTTP, called by the views and the WebSocket hub."""
