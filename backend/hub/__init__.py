"""The real-time hub: WebSocket connections, their commands, and fan-out of events through the bus."""
