// Live updates from the WebSocket hub (docs/protocol.md): a ticket in hello, the open project subscribed,
// heartbeats, and reconnection with back-off. Pages listen with live.on(fn) and read live.presence.

import * as api from "./api.js";

const PROTOCOL = 1;

export class Live {
  constructor() {
    this.ws = null;
    this.state = "offline"; // offline | connecting | online | stopped
    this.project = null; // the project followed (subscribed) for presence and project events
    this.presence = new Map(); // user_id -> presence entry, for this.project
    this.listeners = new Set();
    this.pending = new Map();
    this.nextId = 1;
    this.heartbeat = null;
    this.retry = null;
    this.backoff = 1;
    this.stopped = true;
  }

  /** ``fn(event)`` for every hub event, and for the dashboard's own: live.state, live.subscribed. */
  on(fn) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  emit(event) {
    for (const fn of [...this.listeners]) {
      try {
        fn(event);
      } catch (err) {
        console.error("a live listener failed", err);
      }
    }
  }

  setState(state, detail = "") {
    this.state = state;
    this.emit({ type: "live.state", state, detail });
  }

  start() {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.retry);
    clearInterval(this.heartbeat);
    this.project = null;
    this.presence = new Map();
    if (this.ws) this.ws.close(1000, "signed out");
    this.ws = null;
    this.setState("stopped");
  }

  async connect() {
    this.setState("connecting");
    let ticket;
    try {
      ticket = (await api.post("/api/ws/ticket")).ticket;
    } catch (err) {
      if (err instanceof api.ApiError && err.status === 401) return this.stop();
      return this.reconnectLater();
    }
    if (this.stopped) return undefined;
    const url = new URL("/api/ws", window.location.href);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(url);
    this.ws = ws;
    ws.addEventListener("open", () => this.greet(ws, ticket));
    ws.addEventListener("message", (message) => this.receive(message));
    ws.addEventListener("close", (event) => this.closed(ws, event));
    return undefined;
  }

  async greet(ws, ticket) {
    try {
      const hello = await this.call("hello", { protocol: PROTOCOL, client: "dashboard", ticket });
      clearInterval(this.heartbeat);
      this.heartbeat = setInterval(() => this.call("ping").catch(() => {}), hello.heartbeat_interval * 1000);
      this.backoff = 1;
      if (this.project) await this.subscribe(this.project);
      this.setState("online");
    } catch (err) {
      console.warn("the live connection was refused", err);
      ws.close();
    }
  }

  receive(message) {
    let frame;
    try {
      frame = JSON.parse(message.data);
    } catch {
      return;
    }
    if ("ok" in frame) {
      const waiter = this.pending.get(frame.id);
      if (!waiter) return;
      this.pending.delete(frame.id);
      if (frame.ok) waiter.resolve(frame.result ?? {});
      else waiter.reject(new api.ApiError(0, frame.error?.code ?? "error", frame.error?.message ?? "refused"));
      return;
    }
    if (frame.type === "presence" && frame.project_id === this.project) {
      this.presence.set(frame.user_id, frame);
    }
    this.emit(frame);
  }

  closed(ws, event) {
    if (ws !== this.ws) return;
    clearInterval(this.heartbeat);
    for (const waiter of this.pending.values()) waiter.reject(new api.ApiError(0, "closed", "connection closed"));
    this.pending.clear();
    this.ws = null;
    if (this.stopped) return;
    if (event.code === 4010) {
      this.stopped = true;
      this.setState("offline", "this dashboard is older than the server: reload the page");
      return;
    }
    this.reconnectLater();
  }

  reconnectLater() {
    this.setState("offline");
    if (this.stopped) return;
    const delay = this.backoff * (0.5 + Math.random()) * 1000;
    this.backoff = Math.min(this.backoff * 2, 30);
    clearTimeout(this.retry);
    this.retry = setTimeout(() => this.connect(), delay);
  }

  call(type, fields = {}) {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return Promise.reject(new Error("not connected"));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      ws.send(JSON.stringify({ id, type, ...fields }));
    });
  }

  connected() {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  /** Follow ``projectId`` (null: none). Presence snapshots arrive as ``live.subscribed``. */
  async follow(projectId) {
    if (projectId === this.project) return;
    const previous = this.project;
    this.project = projectId;
    this.presence = new Map();
    if (!this.connected()) return;
    if (previous) await this.call("unsubscribe", { project_id: previous }).catch(() => {});
    if (projectId) await this.subscribe(projectId);
  }

  async subscribe(projectId) {
    try {
      const result = await this.call("subscribe", { project_id: projectId });
      if (projectId !== this.project) return;
      this.presence = new Map(result.presence.map((entry) => [entry.user_id, { project_id: projectId, ...entry }]));
      // Events may have been missed while disconnected: pages refetch what they show.
      this.emit({ type: "live.subscribed", project_id: projectId });
    } catch (err) {
      console.warn("could not follow the project", err);
    }
  }
}

export const live = new Live();
