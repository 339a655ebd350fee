"""The OpenAPI document generated from the declared endpoints, and the interactive page that renders it."""

from __future__ import annotations

from pathlib import Path

import swagger_ui
from aiohttp import web

from backend import keys
from backend.api.registry import json_response

SWAGGER_DIR = Path(swagger_ui.__file__).parent / "static"

_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Tandem API</title>
  <link rel="stylesheet" href="/api/docs/static/swagger-ui.css">
  <link rel="icon" href="/api/docs/static/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/api/docs/static/swagger-ui-bundle.js"></script>
  <script>
    window.ui = SwaggerUIBundle({
      url: "/api/openapi.json",
      dom_id: "#swagger-ui",
      persistAuthorization: true,
      tryItOutEnabled: true,
    });
  </script>
</body>
</html>
"""


async def openapi_json(request: web.Request) -> web.Response:
    return json_response(request.app[keys.OPENAPI])


async def docs_page(_request: web.Request) -> web.Response:
    return web.Response(text=_PAGE, content_type="text/html")


def register(app: web.Application) -> None:
    app.router.add_get("/api/openapi.json", openapi_json, name="openapi")
    app.router.add_get("/api/docs", docs_page, name="docs")
    app.router.add_static("/api/docs/static", SWAGGER_DIR, name="docs_static")
