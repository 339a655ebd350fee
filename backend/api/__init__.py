"""HTTP edge of the backend: route declarations, middleware and thin views over the services."""
