"""Load generators in their own processes, driven over a pipe: developers, blasters, idle holders, receivers.

The client side of a benchmark must not share a core's event loop with what it measures, so every client
lives in a worker process (``spawn``). The orchestrator calls a command on all workers at once
(:meth:`Pool.call`) and gets each worker's answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import random
import sys
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from typing import Any

import aiohttp
import orjson

from bench.realtime.edits import Developer, snapshot
from bench.realtime.rawws import RawLink
from tandem.loops import new_event_loop
from tandem.protocol import PROTOCOL_VERSION

ClientSpec = dict[str, Any]
"""``url`` (a full ws:// URL), ``token``, ``repository_id``, ``project_id``, ``hello`` (default true)."""


class Link:
    """One client connection: its reader counts frames; a blasting link sends an update for each reply."""

    __slots__ = ("blasting", "dev", "errors", "events", "ids", "pending", "reader", "replies", "sent", "ws")

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, seed: int) -> None:
        self.ws = ws
        self.dev = Developer(seed)
        self.pending: asyncio.Future[str] | None = None
        self.replies = self.events = self.errors = self.sent = 0
        self.ids = 100
        self.blasting = False
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        ws = self.ws
        while True:
            message = await ws.receive()
            if message.type is not aiohttp.WSMsgType.TEXT:
                return
            data: str = message.data
            if data.startswith('{"id"'):
                self.replies += 1
                if '"ok":false' in data[:40]:
                    self.errors += 1
                    if self.errors == 1:
                        print(f"load generator: first error reply on a connection: {data[:300]}", file=sys.stderr)
                pending = self.pending
                if pending is not None:
                    self.pending = None
                    if not pending.done():
                        pending.set_result(data)
                elif self.blasting:
                    await self.send_update()
            else:
                self.events += 1

    async def request(self, frame: dict[str, Any]) -> dict[str, Any]:
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self.pending = future
        await self.ws.send_bytes(orjson.dumps({"id": 1, **frame}))
        reply: dict[str, Any] = orjson.loads(await asyncio.wait_for(future, 60))
        if not reply.get("ok"):
            raise RuntimeError(f"{frame['type']} failed: {reply}")
        return reply

    async def send_update(self) -> None:
        self.ids += 1
        self.sent += 1
        await self.ws.send_bytes(self.dev.update_frame(self.ids))

    @property
    def closed(self) -> bool:
        return self.ws.closed

    async def close(self) -> None:
        with contextlib.suppress(aiohttp.ClientError, ConnectionError):
            await self.ws.close()
        self.reader.cancel()
        await asyncio.gather(self.reader, return_exceptions=True)


class Worker:
    """The commands a worker process answers; each returns something picklable."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.clients: list[ClientSpec] = spec["clients"]
        self.concurrency: int = spec.get("concurrency", 32)
        self.seed: int = spec.get("seed", 0)
        self.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
        self.raw: bool = spec.get("raw", False)
        """Hold connections with the minimal client of :mod:`bench.realtime.rawws` (no updates then)."""
        self.links: list[Link | RawLink] = []
        self.specs: list[ClientSpec] = []
        self.tasks: list[asyncio.Task[None]] = []

    async def connect(self, arg: dict[str, Any]) -> dict[str, Any]:
        """Open every client (upgrade + hello); with ``snapshot``, report an empty working copy too."""
        gate = asyncio.Semaphore(self.concurrency)
        failures: list[str] = []

        async def one(n: int, client: ClientSpec) -> None:
            async with gate:
                try:
                    link: Link | RawLink
                    if self.raw:
                        link = await RawLink.open(client["url"], client.get("token"))
                    else:
                        headers = {"Authorization": f"Bearer {client['token']}"} if client.get("token") else None
                        ws = await self.session.ws_connect(client["url"], headers=headers, max_msg_size=0)
                        link = Link(ws, self.seed * 100_000 + n)
                    if client.get("hello", True):
                        await link.request({"type": "hello", "protocol": PROTOCOL_VERSION, "client": "bench"})
                    if arg.get("snapshot"):
                        await link.request({"type": "activity.snapshot", **snapshot(client["repository_id"])})
                except (aiohttp.ClientError, OSError, RuntimeError, TimeoutError) as err:
                    failures.append(repr(err))
                    return
                self.links.append(link)
                self.specs.append(client)

        started = time.perf_counter()
        await asyncio.gather(*(one(n, c) for n, c in enumerate(self.clients)))
        return {"seconds": time.perf_counter() - started, "opened": len(self.links), "failures": failures[:3]}

    async def subscribe(self, _arg: object) -> dict[str, Any]:
        gate = asyncio.Semaphore(self.concurrency)

        async def one(link: Link | RawLink, client: ClientSpec) -> None:
            async with gate:
                await link.request({"type": "subscribe", "project_id": client["project_id"]})

        started = time.perf_counter()
        await asyncio.gather(*(one(link, c) for link, c in zip(self.links, self.specs, strict=True)))
        return {"seconds": time.perf_counter() - started}

    async def pace(self, arg: dict[str, Any]) -> None:
        """Each link sends updates at ``rate`` a second (jittered), without waiting for replies."""
        rate: float = arg["rate"]

        async def run(link: Link, rng: random.Random) -> None:
            await asyncio.sleep(rng.random() / rate)
            while True:
                await link.send_update()
                await asyncio.sleep(rng.uniform(0.5, 1.5) / rate)

        rng = random.Random(self.seed)
        self.tasks += [asyncio.create_task(run(link, random.Random(rng.random()))) for link in self._updaters()]

    async def blast(self, arg: dict[str, Any]) -> None:
        """Each link keeps ``window`` updates in flight, sending the next one as each reply arrives."""
        for link in self._updaters():
            link.blasting = True
            for _ in range(arg["window"]):
                await link.send_update()

    async def count(self, _arg: object) -> dict[str, int]:
        return {
            "replies": sum(link.replies for link in self.links),
            "events": sum(link.events for link in self.links),
            "errors": sum(link.errors for link in self.links),
            "sent": sum(link.sent for link in self.links),
            "open": sum(not link.closed for link in self.links),
        }

    def _updaters(self) -> list[Link]:
        return [link for link in self.links if isinstance(link, Link)]

    async def stop(self, _arg: object) -> None:
        for link in self._updaters():
            link.blasting = False
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        self.tasks.clear()

    async def close(self, _arg: object = None) -> None:
        await self.stop(None)
        await asyncio.gather(*(link.close() for link in self.links))
        self.links.clear()
        await self.session.close()


async def _serve(spec: dict[str, Any], pipe: Connection) -> None:
    loop = asyncio.get_running_loop()
    worker = Worker(spec)
    try:
        while True:
            command, arg = await loop.run_in_executor(None, pipe.recv)
            if command == "exit":
                return
            try:
                result = await getattr(worker, command)(arg)
            except Exception:  # noqa: BLE001 - a worker's failure is reported to the orchestrator, which stops
                pipe.send(("error", traceback.format_exc()))
            else:
                pipe.send(("ok", result))
    finally:
        await worker.close()


def _main(spec: dict[str, Any], pipe: Connection) -> None:
    # Load generators on uvloop too: the less CPU they take, the more of the two cores is left to the servers.
    with asyncio.Runner(loop_factory=new_event_loop) as runner:
        runner.run(_serve(spec, pipe))


class Pool:
    """Worker processes, one per spec; :meth:`call` runs a command on all of them at once."""

    def __init__(self, specs: list[dict[str, Any]]) -> None:
        context = multiprocessing.get_context("spawn")
        self._executor = ThreadPoolExecutor(max_workers=max(4, len(specs)))
        self.pipes: list[Connection] = []
        self.processes: list[Any] = []
        for spec in specs:
            parent, child = context.Pipe()
            process = context.Process(target=_main, args=(spec, child), daemon=True)
            process.start()
            self.pipes.append(parent)
            self.processes.append(process)

    async def call(self, command: str, arg: Any = None) -> list[Any]:
        loop = asyncio.get_running_loop()
        for pipe in self.pipes:
            pipe.send((command, arg))
        answers = await asyncio.gather(*(loop.run_in_executor(self._executor, pipe.recv) for pipe in self.pipes))
        for status, value in answers:
            if status == "error":
                raise RuntimeError(f"a load generator failed on {command}:\n{value}")
        return [value for _status, value in answers]

    async def total(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for counts in await self.call("count"):
            for key, value in counts.items():
                out[key] = out.get(key, 0) + value
        return out

    async def close(self) -> None:
        for pipe in self.pipes:
            with contextlib.suppress(OSError):
                pipe.send(("exit", None))
        loop = asyncio.get_running_loop()
        for process in self.processes:
            await loop.run_in_executor(self._executor, process.join, 15)
            if process.is_alive():
                process.terminate()
        self._executor.shutdown(wait=False)


def split(clients: list[ClientSpec], parts: int) -> list[list[ClientSpec]]:
    return [clients[n::parts] for n in range(parts)]
