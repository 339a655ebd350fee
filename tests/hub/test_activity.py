"""Activity through the hub: two people's reports meet in the engine and both hear about the finding."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from backend import keys
from tests.conftest import Connect
from tests.helpers import Account, make_team, signup
from tests.hub.wsclient import ProtocolClient

REMOTE = "git@github.com:acme/widgets.git"


def hunk(
    start: int, lines: int, new_lines: int | None = None, text_hash: str = "h", symbols: tuple[str, ...] = ()
) -> dict[str, Any]:
    return {
        "base_start": start,
        "base_lines": lines,
        "new_start": start,
        "new_lines": lines if new_lines is None else new_lines,
        "hash": text_hash,
        "symbols": list(symbols),
    }


def change(path: str, *hunks: dict[str, Any]) -> dict[str, Any]:
    return {"path": path, "status": "modified", "hunks": list(hunks)}


async def register_repo(client: TestClient[Any, Any], project_id: str, owner: Account) -> str:
    resp = await client.post(
        f"/api/projects/{project_id}/repositories",
        json={"remote_url": "https://github.com/acme/widgets"},
        headers=owner.headers,
    )
    body = await resp.json()
    assert resp.status == 201, body
    repository_id: str = body["id"]
    return repository_id


async def two_people(
    client: TestClient[Any, Any], connect: Connect
) -> tuple[str, str, tuple[Account, Account], tuple[ProtocolClient, ProtocolClient]]:
    """A project with a registered repository and two members, each connected to the hub."""
    project_id, (alice, bob) = await make_team(client)
    repository_id = await register_repo(client, project_id, alice)
    return project_id, repository_id, (alice, bob), (await connect(client, alice), await connect(client, bob))


async def report(
    proto: ProtocolClient, repository_id: str, *files: dict[str, Any], workcopy: str = "wc", seq: int = 1
) -> dict[str, Any]:
    return await proto.call(
        "activity.snapshot",
        workcopy=workcopy,
        seq=seq,
        state={"repository_id": repository_id, "branch": "feat", "head": "abc", "base": "base1"},
        files=list(files),
    )


async def test_resolve_by_any_spelling_of_the_remote(client: TestClient[Any, Any], connect: Connect) -> None:
    project_id, (alice,) = await make_team(client, 1)
    repository_id = await register_repo(client, project_id, alice)
    proto = await connect(client, alice)
    result = await proto.call("repo.resolve", remote_url=REMOTE)
    assert result["repository_id"] == repository_id
    assert result["project_id"] == project_id
    assert result["url"] == "github.com/acme/widgets"
    assert len(result["hash_key"]) >= 32

    reply = await proto.request("repo.resolve", remote_url="https://github.com/acme/other")
    assert reply["error"]["code"] == "unknown_repository"


async def test_overlapping_edits_open_a_conflict_for_both(client: TestClient[Any, Any], connect: Connect) -> None:
    _project_id, repository_id, (alice, bob), (a, b) = await two_people(client, connect)
    await a.call("repo.resolve", remote_url=REMOTE)
    await b.call("repo.resolve", remote_url=REMOTE)

    first = await report(a, repository_id, change("src/app.py", hunk(40, 5, text_hash="alice")))
    assert first["findings"] == []
    second = await report(b, repository_id, change("src/app.py", hunk(42, 3, text_hash="bob")))
    (finding,) = second["findings"]
    assert finding["severity"] == "conflict"
    assert finding["path"] == "src/app.py"

    for proto in (a, b):
        event = await proto.event(lambda e: e["type"] == "finding")
        assert event["change"] == "opened"
        assert event["finding"]["id"] == finding["id"]
        assert {event["finding"]["a"]["user_id"], event["finding"]["b"]["user_id"]} == {alice.user_id, bob.user_id}

    # Bob moves away to another region of the file: still the same file, no longer a conflict.
    await b.call(
        "activity.update", workcopy="wc", seq=2, changed=[change("src/app.py", hunk(200, 2, text_hash="bob2"))]
    )
    event = await a.event(lambda e: e["type"] == "finding")
    assert event["change"] == "updated"
    assert event["finding"]["severity"] == "nearby"

    # Bob reverts: the finding resolves.
    await b.call("activity.update", workcopy="wc", seq=3, removed=["src/app.py"])
    event = await a.event(lambda e: e["type"] == "finding")
    assert event["change"] == "resolved"


async def test_identical_changes_are_not_a_conflict(client: TestClient[Any, Any], connect: Connect) -> None:
    _project_id, repository_id, (_alice, _bob), (a, b) = await two_people(client, connect)
    await report(a, repository_id, change("x.py", hunk(10, 2, text_hash="same")))
    result = await report(b, repository_id, change("x.py", hunk(10, 2, text_hash="same")))
    assert result["findings"] == []


async def test_stale_and_unknown_updates(client: TestClient[Any, Any], connect: Connect) -> None:
    project_id, (alice,) = await make_team(client, 1)
    repository_id = await register_repo(client, project_id, alice)
    a = await connect(client, alice)
    reply = await a.request("activity.update", workcopy="nope", seq=1, changed=[])
    assert reply["error"]["code"] == "resync_needed"
    await report(a, repository_id, change("x.py", hunk(1, 1)), seq=5)
    assert (await a.call("activity.update", workcopy="wc", seq=4, changed=[]))["stale"] is True
    assert "stale" not in await a.call("activity.update", workcopy="wc", seq=6, changed=[])


async def test_reports_need_membership(client: TestClient[Any, Any], connect: Connect) -> None:
    project_id, (alice,) = await make_team(client, 1)
    repository_id = await register_repo(client, project_id, alice)
    stranger = await signup(client)
    s = await connect(client, stranger)
    reply = await s.request(
        "activity.snapshot",
        workcopy="wc",
        seq=1,
        state={"repository_id": repository_id, "branch": "x", "head": "", "base": ""},
        files=[],
    )
    assert reply["error"]["code"] == "not_found"


async def test_dismissed_finding_stays_quiet_until_it_gets_worse(
    client: TestClient[Any, Any], connect: Connect
) -> None:
    _project_id, repository_id, (_alice, _bob), (a, b) = await two_people(client, connect)
    await report(a, repository_id, change("x.py", hunk(10, 2, text_hash="a")))
    await report(b, repository_id, change("x.py", hunk(100, 2, text_hash="b")))
    opened = await a.event(lambda e: e["type"] == "finding")
    assert opened["finding"]["severity"] == "nearby"
    await a.call("finding.dismiss", finding_id=opened["finding"]["id"])
    await a.event(lambda e: e["type"] == "finding.muted")

    await b.call("activity.update", workcopy="wc", seq=2, changed=[change("x.py", hunk(100, 3, text_hash="b2"))])
    await b.event(lambda e: e["type"] == "finding" and e["change"] == "updated")  # bob still hears it
    await b.call("activity.update", workcopy="wc", seq=3, changed=[change("x.py", hunk(11, 1, text_hash="b3"))])
    worse = await a.event(lambda e: e["type"] == "finding")
    assert worse["finding"]["severity"] == "conflict"  # the nearby update in between never reached alice


async def test_findings_and_activity_are_kept(client: TestClient[Any, Any], connect: Connect) -> None:
    project_id, repository_id, (alice, bob), (a, b) = await two_people(client, connect)
    await report(a, repository_id, change("x.py", hunk(10, 2, text_hash="a")))
    await report(b, repository_id, change("x.py", hunk(11, 2, text_hash="b")))
    await client.app[keys.HUB].activity.recorder.flush()

    resp = await client.get(f"/api/projects/{project_id}/conflicts", headers=alice.headers)
    body = await resp.json()
    assert resp.status == 200, body
    (item,) = body["items"]
    assert item["severity"] == "conflict"
    assert item["path"] == "x.py"

    resp = await client.get(f"/api/projects/{project_id}/activity?path=x.py", headers=bob.headers)
    body = await resp.json()
    assert resp.status == 200, body
    assert {row["user_id"] for row in body["items"]} == {alice.user_id, bob.user_id}
    stranger = await signup(client)
    resp = await client.get(f"/api/projects/{project_id}/activity", headers=stranger.headers)
    assert resp.status == 404


async def test_a_findings_history_keeps_its_transitions_not_every_keystroke(
    client: TestClient[Any, Any], connect: Connect
) -> None:
    project_id, repository_id, (alice, _bob), (a, b) = await two_people(client, connect)
    await report(a, repository_id, change("x.py", hunk(10, 2, text_hash="a")))
    await report(b, repository_id, change("x.py", hunk(100, 2, text_hash="b")))
    opened = await a.event(lambda e: e["type"] == "finding" and e["change"] == "opened")
    finding_id = opened["finding"]["id"]
    seq = 2
    for start in (90, 80, 70):  # bob's edit moves, still apart from alice's: nearby each time
        await b.call("activity.update", workcopy="wc", seq=seq, changed=[change("x.py", hunk(start, 2, text_hash="b"))])
        seq += 1
    await b.call("activity.update", workcopy="wc", seq=seq, changed=[change("x.py", hunk(11, 1, text_hash="c"))])
    worse = await a.event(lambda e: e["type"] == "finding" and e["finding"]["severity"] == "conflict")
    assert worse["change"] == "updated"
    await b.call("activity.update", workcopy="wc", seq=seq + 1, removed=["x.py"])
    await a.event(lambda e: e["type"] == "finding" and e["change"] == "resolved")
    await client.app[keys.HUB].activity.recorder.flush()

    resp = await client.get(f"/api/projects/{project_id}/conflicts/{finding_id}", headers=alice.headers)
    body = await resp.json()
    assert resp.status == 200, body
    assert body["state"] == "resolved"
    assert body["resolved_at"] is not None
    assert body["finding"]["id"] == finding_id
    assert [(e["kind"], e["severity"]) for e in body["history"]] == [
        ("opened", "nearby"),
        ("updated", "conflict"),
        ("resolved", "conflict"),
    ]

    stranger = await signup(client)
    resp = await client.get(f"/api/projects/{project_id}/conflicts/{finding_id}", headers=stranger.headers)
    assert resp.status == 404
    resp = await client.get(f"/api/projects/{project_id}/conflicts/nope", headers=alice.headers)
    assert resp.status == 404
    assert (await resp.json())["error"]["code"] == "unknown_finding"


async def test_withdrawn_after_grace_when_the_agent_does_not_come_back(make_client: Any, connect: Connect) -> None:
    client = await make_client(workcopy_grace=0.05)
    _project_id, repository_id, (_alice, _bob), (a, b) = await two_people(client, connect)
    await report(a, repository_id, change("x.py", hunk(10, 2, text_hash="a")))
    await report(b, repository_id, change("x.py", hunk(11, 2, text_hash="b")))
    await a.event(lambda e: e["type"] == "finding" and e["change"] == "opened")
    await b.close()
    event = await a.event(lambda e: e["type"] == "finding" and e["change"] == "resolved")
    assert event["reason"] == "left"


@pytest.mark.parametrize("store_kind", ["postgres"], indirect=True)
async def test_two_processes_on_redis_both_see_the_finding(make_client: Any, redis_url: str, connect: Connect) -> None:
    first = await make_client(redis_url=redis_url)
    second = await make_client(redis_url=redis_url)
    project_id, (alice, bob) = await make_team(first)
    repository_id = await register_repo(first, project_id, alice)
    a = await connect(first, alice)
    b = await connect(second, bob)
    await report(a, repository_id, change("src/app.py", hunk(40, 5, text_hash="alice")))
    await report(b, repository_id, change("src/app.py", hunk(44, 3, text_hash="bob")))
    for proto in (a, b):
        event = await proto.event(lambda e: e["type"] == "finding")
        assert event["finding"]["severity"] == "conflict"


async def test_diff_text_is_shared_only_by_members_who_opted_in(client: TestClient[Any, Any], connect: Connect) -> None:
    project_id, (alice, bob) = await make_team(client)
    repository_id = await register_repo(client, project_id, alice)
    resp = await client.put("/api/me/preferences", json={"privacy": {"share_diffs": True}}, headers=bob.headers)
    assert resp.status == 200, await resp.json()
    a = await connect(client, alice)
    b = await connect(client, bob)
    secret = {**hunk(10, 2, text_hash="a"), "text": "alice's private line\n"}
    await report(a, repository_id, change("x.py", secret))
    shared = {**hunk(11, 2, text_hash="b"), "text": "bob's shared line\n"}
    result = await report(b, repository_id, change("x.py", shared))
    (finding,) = result["findings"]
    sides = {finding["a"]["user_id"]: finding["a"], finding["b"]["user_id"]: finding["b"]}
    assert sides[bob.user_id]["diff"][0]["text"] == "bob's shared line\n"
    assert "diff" not in sides[alice.user_id]
    held = client.app[keys.HUB].activity.workcopies
    assert all(
        h.text is None
        for wc in held.values()
        if wc.participant.user_id == alice.user_id
        for f in wc.files.values()
        for h in f.hunks or ()
    )


async def test_mention_reaches_a_teammate_only(client: TestClient[Any, Any], connect: Connect) -> None:
    project_id, (alice, bob) = await make_team(client)
    stranger = await signup(client)
    a = await connect(client, alice)
    b = await connect(client, bob)
    await a.call("mention.send", user_id=bob.user_id, project_id=project_id, text="I'm on login() too")
    event = await b.event(lambda e: e["type"] == "mention")
    assert event["from_user_id"] == alice.user_id
    assert event["text"] == "I'm on login() too"
    reply = await a.request("mention.send", user_id=stranger.user_id, project_id=project_id, text="hi")
    assert reply["error"]["code"] == "not_found"
