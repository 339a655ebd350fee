"""Every project route of the issue is in the OpenAPI document with its error statuses, and so is /api/events."""

from __future__ import annotations

from tests.projects.helpers import Client, expect

ROUTES = {
    ("get", "/api/projects"): {"401", "422"},
    ("post", "/api/projects"): {"400", "401", "422"},
    ("get", "/api/projects/{project_id}"): {"401", "404"},
    ("patch", "/api/projects/{project_id}"): {"403", "404", "422"},
    ("delete", "/api/projects/{project_id}"): {"403", "404"},
    ("get", "/api/projects/{project_id}/members"): {"404"},
    ("patch", "/api/projects/{project_id}/members/{user_id}"): {"403", "404", "409", "422"},
    ("delete", "/api/projects/{project_id}/members/{user_id}"): {"403", "404", "409"},
    ("get", "/api/projects/{project_id}/invitations"): {"403", "404"},
    ("post", "/api/projects/{project_id}/invitations"): {"403", "404", "409", "422"},
    ("post", "/api/projects/{project_id}/invitations/{invitation_id}/resend"): {"404", "409"},
    ("delete", "/api/projects/{project_id}/invitations/{invitation_id}"): {"404", "409"},
    ("post", "/api/invitations/{token}/accept"): {"403", "404", "409"},
    ("post", "/api/invitations/{token}/decline"): {"403", "404", "409"},
    ("get", "/api/me/invitations"): {"401"},
    ("post", "/api/me/invitations/{invitation_id}/accept"): {"404", "409"},
    ("post", "/api/me/invitations/{invitation_id}/decline"): {"404", "409"},
    ("get", "/api/projects/{project_id}/settings"): {"404"},
    ("patch", "/api/projects/{project_id}/settings"): {"403", "404", "422"},
    ("get", "/api/events"): {"401"},
}


async def test_routes_and_their_errors_are_documented(client: Client) -> None:
    doc = await expect(await client.get("/api/openapi.json"), 200)
    for (method, path), statuses in ROUTES.items():
        operation = doc["paths"].get(path, {}).get(method)
        assert operation is not None, f"{method.upper()} {path} is not in the OpenAPI document"
        missing = statuses - set(operation["responses"])
        assert not missing, f"{method.upper()} {path} does not document {sorted(missing)}"
    assert "text/event-stream" in doc["paths"]["/api/events"]["get"]["responses"]["200"]["content"]
