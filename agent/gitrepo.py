"""One working copy: gitpython for its metadata, git subprocesses in a fixed environment for its contents.

Everything here blocks (subprocesses, file reads); the daemon calls it through ``asyncio.to_thread``.
"""

from __future__ import annotations

import os
import subprocess
from collections import OrderedDict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import git

EMPTY_TREES = {
    "sha1": "4b825dc642cb6eb9a060e54bf8d69288fbee4904",
    "sha256": "6ef19b41225c5369f1c104d45d8d85efa9b057b53b14b4b9b939dd74decc5321",
}
# Options that could change what diff prints, pinned whatever the user's or the repository's config says.
_PINNED_CONFIG = (
    "core.quotePath=false",
    "diff.noprefix=false",
    "diff.mnemonicPrefix=false",
    "diff.relative=false",
    "diff.interHunkContext=0",
    "diff.suppressBlankEmpty=false",
    "color.ui=never",
    "core.pager=cat",
)
# Variables kept from the environment: they say which config files are the user's (core.excludesFile etc.).
_KEPT_GIT_VARIABLES = frozenset({"GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM", "GIT_CONFIG_NOSYSTEM"})
_BASE_BLOB_CACHE = 64
_PATH_CACHE = 4096
CONTENT_ATTRIBUTES = ("filter", "diff", "text", "eol", "ident", "working-tree-encoding")
"""Attributes under which git transforms or classifies a file's content before diffing it."""


Signature = tuple[tuple[str, int, int], ...]


class GitError(RuntimeError):
    """A git command failed."""

    def __init__(self, args: Sequence[str], returncode: int, stderr: bytes) -> None:
        self.returncode = returncode
        self.stderr = stderr.decode("utf-8", "replace").strip()
        super().__init__(f"git {' '.join(args[:3])}... exited with {returncode}: {self.stderr[:500]}")


class NotARepository(GitError):
    """The path is not inside a git working copy."""

    def __init__(self, path: Path) -> None:
        super().__init__(["rev-parse"], 128, f"{path} is not inside a git working copy".encode())


def git_environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for git subprocesses: no inherited ``GIT_DIR``-style redirections, literal pathspecs,
    no optional locks (reading never takes the index lock from under the developer's own git commands)."""
    source = os.environ if environ is None else environ
    env = {k: v for k, v in source.items() if not k.startswith("GIT_") or k in _KEPT_GIT_VARIABLES}
    env.update(GIT_OPTIONAL_LOCKS="0", GIT_LITERAL_PATHSPECS="1", GIT_TERMINAL_PROMPT="0", LC_ALL="C")
    return env


class GitRepo:
    """An opened working copy. Not thread-safe: use one per thread, or serialise calls."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        try:
            self.repo = git.Repo(path, search_parent_directories=True)
        except (git.InvalidGitRepositoryError, git.NoSuchPathError) as err:
            raise NotARepository(Path(path)) from err
        if self.repo.working_tree_dir is None:
            self.repo.close()
            raise NotARepository(Path(path))
        self.root = Path(self.repo.working_tree_dir).resolve()
        self.git_dir = Path(self.repo.git_dir).resolve()
        self.env = git_environment()
        object_format = self.repo.config_reader().get_value("extensions", "objectformat", "sha1")
        self.empty_tree = EMPTY_TREES.get(str(object_format).lower(), EMPTY_TREES["sha1"])
        self.common_dir = Path(self.repo.common_dir).resolve()
        self._attributes: dict[str, tuple[Signature, dict[str, str]]] = {}
        self._ignored: dict[str, tuple[Signature, bool]] = {}
        self._base_entries: OrderedDict[tuple[str, str, int], BaseEntry | None] = OrderedDict()
        self._merge_base: tuple[tuple[str, str], str] | None = None
        self.settings = self._read_settings()
        """core.autocrlf, core.eol, core.attributesfile and core.filemode as git resolves them, read once."""
        self.global_attributes = _user_file(self.settings.get("core.attributesfile"), "attributes", self.env)
        self.global_excludes = _user_file(self.settings.get("core.excludesfile"), "ignore", self.env)

    def close(self) -> None:
        self.repo.close()

    def cached_merge_base(self, key: tuple[str, str]) -> str | None:
        """The merge-base remembered for ``(head, tip)``, if it is the last one computed."""
        return self._merge_base[1] if self._merge_base and self._merge_base[0] == key else None

    def remember_merge_base(self, key: tuple[str, str], base: str) -> None:
        self._merge_base = (key, base)

    def __enter__(self) -> GitRepo:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()

    def run(
        self,
        *args: str,
        stdin: bytes | None = None,
        ok: Collection[int] = (0,),
        env: Mapping[str, str] | None = None,
    ) -> bytes:
        """``git <pinned config> <args>`` in the working copy's root; stdout as bytes."""
        proc = self.execute(*args, stdin=stdin, env=env)
        if proc.returncode not in ok:
            raise GitError(args, proc.returncode, proc.stderr)
        return proc.stdout

    def execute(
        self, *args: str, stdin: bytes | None = None, env: Mapping[str, str] | None = None
    ) -> subprocess.CompletedProcess[bytes]:
        """Like ``run`` but hands back the finished process whatever its exit status."""
        return subprocess.run(  # noqa: S603 - fixed executable, arguments are ours
            ["git", *_pinned(), *args],  # noqa: S607 - git from PATH, as gitpython does
            cwd=self.root,
            env={**self.env, **(env or {})},
            input=stdin,
            capture_output=True,
            check=False,
        )

    # -- contents ---------------------------------------------------------------------------------------

    def untracked(self, paths: Sequence[str] = ()) -> list[str]:
        """Untracked files that git does not ignore (.gitignore, .git/info/exclude, core.excludesFile)."""
        out = self.run("ls-files", "-z", "--others", "--exclude-standard", "--", *paths)
        # A nested repository is listed as "dir/": it is not a file of this one.
        return [p for p in _nul_split(out) if not p.endswith("/")]

    def is_ignored(self, path: str) -> bool:
        """Whether git ignores ``path`` (a tracked file never is); works for paths not on disk yet. Cached
        until the index or an ignore file that can apply changes."""
        sources = _signature(self._ignore_sources(path))
        cached = self._ignored.get(path)
        if cached is not None and cached[0] == sources:
            return cached[1]
        # check-ignore refuses the literal-pathspec magic the other commands run with.
        stdin = path.encode("utf-8", "surrogateescape") + b"\0"
        proc = self.execute("check-ignore", "-q", "-z", "--stdin", stdin=stdin, env={"GIT_LITERAL_PATHSPECS": "0"})
        if proc.returncode not in (0, 1):
            raise GitError(("check-ignore",), proc.returncode, proc.stderr)
        if len(self._ignored) >= _PATH_CACHE:
            self._ignored.clear()
        self._ignored[path] = (sources, proc.returncode == 0)
        return proc.returncode == 0

    def _ignore_sources(self, path: str) -> list[Path]:
        sources = [self.git_dir / "index", self.common_dir / "info" / "exclude", self.global_excludes]
        return sources + _per_directory(self.root, path, ".gitignore")

    def read_blobs(self, shas: Collection[str]) -> dict[str, bytes]:
        """Contents of the given blobs, in one ``git cat-file --batch``."""
        wanted = list(dict.fromkeys(shas))
        if not wanted:
            return {}
        out = self.run("cat-file", "--batch", stdin="".join(f"{sha}\n" for sha in wanted).encode())
        blobs: dict[str, bytes] = {}
        pos = 0
        for sha in wanted:
            end = out.index(b"\n", pos)
            header = out[pos:end].split(b" ")
            pos = end + 1
            if len(header) != 3:  # "<sha> missing"
                continue
            size = int(header[2])
            blobs[sha] = out[pos : pos + size]
            pos += size + 1
        return blobs

    def blob_sizes(self, shas: Collection[str]) -> dict[str, int]:
        """Sizes of the given blobs, in one ``git cat-file --batch-check``."""
        wanted = list(dict.fromkeys(shas))
        if not wanted:
            return {}
        out = self.run("cat-file", "--batch-check", stdin="".join(f"{sha}\n" for sha in wanted).encode())
        sizes: dict[str, int] = {}
        for sha, line in zip(wanted, out.decode("ascii").splitlines(), strict=True):
            fields = line.split(" ")
            if len(fields) == 3:
                sizes[sha] = int(fields[2])
        return sizes

    def blob_prefix(self, sha: str, size: int) -> bytes:
        """The first ``size`` bytes of a blob, without reading the rest of a large one."""
        with subprocess.Popen(  # noqa: S603 - fixed executable, arguments are ours
            ["git", *_pinned(), "cat-file", "blob", sha],  # noqa: S607 - git from PATH, like gitpython
            cwd=self.root,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        ) as proc:
            assert proc.stdout is not None
            head = proc.stdout.read(size)
            proc.kill()
        return head

    def base_entry(self, base: str, path: str, max_bytes: int) -> BaseEntry | None:
        """``path`` in commit (or tree) ``base``: None when it is no file there. Cached, as unsaved buffers and
        edits ask for the same few base files again and again; content over ``max_bytes`` is not kept."""
        key = (base, path, max_bytes)
        if key in self._base_entries:
            self._base_entries.move_to_end(key)
            return self._base_entries[key]
        listing = self.run("ls-tree", "-z", "-l", "--full-tree", base, "--", path)
        found: BaseEntry | None = None
        for item in _nul_split(listing):
            meta, _, name = item.partition("\t")
            mode, kind, sha, size = meta.split()
            if name == path and kind == "blob":
                content = self.read_blobs([sha]).get(sha) if int(size) <= max_bytes else None
                found = BaseEntry(mode, sha, int(size), content)
        self._base_entries[key] = found
        if len(self._base_entries) > _BASE_BLOB_CACHE:
            self._base_entries.popitem(last=False)
        return found

    # -- settings that decide whether git would transform a file before diffing it ----------------------

    def attributes(self, path: str) -> dict[str, str]:
        """The gitattributes that change how git reads ``path`` (``set``, ``unset``, ``unspecified`` or a
        value); empty without a single attributes file that could apply, so that costs no process."""
        sources = self._attribute_sources(path)
        if not sources:
            return {}
        cached = self._attributes.get(path)
        if cached is not None and cached[0] == sources:
            return cached[1]
        stdin = path.encode("utf-8", "surrogateescape") + b"\0"
        out = self.run(
            "check-attr", "-z", "--stdin", *CONTENT_ATTRIBUTES, stdin=stdin, env={"GIT_LITERAL_PATHSPECS": "0"}
        )
        fields = out.split(b"\0")
        found = {
            fields[i + 1].decode(): fields[i + 2].decode("utf-8", "replace")
            for i in range(0, len(fields) - 2, 3)
            if fields[i + 2] != b"unspecified"
        }
        if len(self._attributes) >= _PATH_CACHE:
            self._attributes.clear()
        self._attributes[path] = (sources, found)
        return found

    def undiffable(self, paths: Sequence[str]) -> set[str]:
        """Those of ``paths`` that gitattributes mark ``-diff`` (``binary``): one ``git check-attr``, none at
        all when no attributes file can apply to any of them."""
        folders = {p.rpartition("/")[0] for p in paths}
        if not paths or not any(self._attribute_sources(f + "/x" if f else "x") for f in folders):
            return set()
        stdin = b"".join(p.encode("utf-8", "surrogateescape") + b"\0" for p in paths)
        out = self.run("check-attr", "-z", "--stdin", "diff", stdin=stdin, env={"GIT_LITERAL_PATHSPECS": "0"})
        fields = out.split(b"\0")
        return {
            fields[i].decode("utf-8", "surrogateescape")
            for i in range(0, len(fields) - 2, 3)
            if fields[i + 2] == b"unset"
        }

    def _attribute_sources(self, path: str) -> tuple[tuple[str, int, int], ...]:
        """The attribute files that can apply to ``path``, with their modification times and sizes."""
        candidates = [self.common_dir / "info" / "attributes", self.global_attributes]
        return _signature(candidates + _per_directory(self.root, path, ".gitattributes"))

    def _read_settings(self) -> dict[str, str]:
        proc = self.execute(
            "config", "-z", "--get-regexp", r"^core\.(autocrlf|eol|attributesfile|excludesfile|filemode)$"
        )
        settings: dict[str, str] = {}
        for item in proc.stdout.split(b"\0"):
            name, _, value = item.decode("utf-8", "replace").partition("\n")
            if name:
                settings[name.lower()] = value
        return settings


@dataclass(frozen=True, slots=True)
class BaseEntry:
    """A file in the base tree: its mode, blob id, size, and content unless it is over the size limit."""

    mode: str
    sha: str
    size: int
    content: bytes | None


def _pinned() -> list[str]:
    return [item for setting in _PINNED_CONFIG for item in ("-c", setting)]


def _user_file(configured: str | None, name: str, env: Mapping[str, str]) -> Path:
    """The user's global attributes or ignore file: configured, else ``$XDG_CONFIG_HOME/git/<name>``."""
    if configured:
        return Path(configured).expanduser()
    xdg = env.get("XDG_CONFIG_HOME") or str(Path(env.get("HOME", "~")).expanduser() / ".config")
    return Path(xdg) / "git" / name


def _per_directory(root: Path, path: str, name: str) -> list[Path]:
    """``name`` in the root and in every directory above ``path``: where per-directory git files apply."""
    found = [root / name]
    for part in path.split("/")[:-1]:
        root = root / part
        found.append(root / name)
    return found


def _signature(paths: list[Path]) -> Signature:
    """The files that exist among ``paths``, with their modification times and sizes."""
    found = []
    for candidate in paths:
        try:
            st = candidate.stat()
        except OSError:
            continue
        found.append((str(candidate), st.st_mtime_ns, st.st_size))
    return tuple(found)


def _nul_split(out: bytes) -> list[str]:
    return [p.decode("utf-8", "surrogateescape") for p in out.split(b"\0") if p]
