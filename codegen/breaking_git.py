"""The registry's descriptor files as they are at a git ref, read from the object store with
``git ls-tree`` and ``git cat-file``: nothing is checked out, the working tree is untouched.

A missing ref (a shallow CI clone that did not fetch it, a typo) or a folder outside any git
repository is a :class:`RefError`, whose message says how to fetch the ref.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from llm_registry.codegen.registry_files import DESCRIPTOR_SUFFIX, MAX_FILE_BYTES

__all__ = ["RefError", "RefRegistry", "registry_at_ref"]

# A blob of a regular file (not a symbolic link, 120000, nor a submodule, 160000).
_REGULAR_FILE_MODES = ("100644", "100755")


class RefError(Exception):
    """The registry cannot be read at the ref (a usage error, status 2); the message says
    why and what to do."""


class RefRegistry:
    """Descriptor files of the registry at one commit: their bytes by file name, and the
    names of files too large to read."""

    def __init__(self, commit: str, files: dict[str, bytes], too_large: list[str]) -> None:
        self.commit = commit
        self.files = files
        self.too_large = too_large


def _git(registry: Path, *arguments: str, stdin: bytes | None = None) -> bytes:
    """stdout of one git command run in the registry folder; RefError when git fails."""
    try:
        completed = subprocess.run(
            ["git", *arguments],
            cwd=registry,
            input=stdin,
            capture_output=True,
            check=False,
            env={**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"},
        )
    except FileNotFoundError:
        raise RefError("git is not installed (breaking --against reads the ref with git)") from None
    except OSError as error:
        raise RefError(f"cannot run git: {error.strerror or error}") from None
    if completed.returncode != 0:
        detail = completed.stderr.decode("utf-8", errors="replace").strip().splitlines()
        raise RefError(f"git {arguments[0]} failed: {detail[-1] if detail else 'no message'}")
    return completed.stdout


def fetch_hint(ref: str) -> str:
    """How to make ``ref`` available in a clone that lacks it."""
    remote, _, branch = ref.partition("/")
    if branch and remote == "origin":
        return (
            f"fetch it first, e.g. `git fetch --depth=1 origin {branch}:refs/remotes/origin/"
            f"{branch}` (in GitHub Actions, actions/checkout with fetch-depth: 0 fetches every "
            "branch)"
        )
    return f"fetch it first, e.g. `git fetch --depth=N origin {ref}`, or pass a ref you have"


def _commit_of(registry: Path, ref: str) -> str:
    if not ref or ref.startswith("-"):
        raise RefError(f"--against {ref!r} is not a git ref")
    try:
        return _git(registry, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").decode()
    except RefError:
        shallow = _git(registry, "rev-parse", "--is-shallow-repository").strip() == b"true"
        where = "this shallow clone" if shallow else "this repository"
        raise RefError(f"git ref {ref!r} is not in {where}: {fetch_hint(ref)}") from None


def _prefix(registry: Path) -> str:
    """The registry folder relative to the repository root, as git names it ("" for the
    root); RefError outside a repository."""
    try:
        top = _git(registry, "rev-parse", "--show-toplevel").decode("utf-8").strip()
    except RefError:
        raise RefError(
            f"{registry} is not inside a git repository: --against compares with a git ref "
            "(use --against-dir DIR to compare with another registry folder)"
        ) from None
    relative = Path(os.path.relpath(registry.resolve(), Path(top).resolve())).as_posix()
    return "" if relative == "." else relative + "/"


def registry_at_ref(registry: Path, ref: str) -> RefRegistry:
    """The descriptor files of ``registry``'s providers/ at ``ref``; an absent folder at the
    ref is an empty registry (the registry is new)."""
    prefix = _prefix(registry)  # first: outside a repository, say so rather than "no ref"
    commit = _commit_of(registry, ref).strip()
    listing = _git(registry, "ls-tree", "-z", "--full-tree", commit, "--", prefix + "providers/")
    blobs: dict[str, str] = {}
    too_large: list[str] = []
    for entry in listing.split(b"\0"):
        if not entry:
            continue
        meta, _, path = entry.decode("utf-8", errors="surrogateescape").partition("\t")
        mode, kind, sha = meta.split(" ")
        name = path.rsplit("/", 1)[-1]
        if kind != "blob" or mode not in _REGULAR_FILE_MODES or name.startswith("."):
            continue
        if name.endswith(DESCRIPTOR_SUFFIX):
            blobs[name] = sha
    sizes = _read_blobs(registry, list(blobs.values()), sizes_only=True)
    for name, sha in list(blobs.items()):
        if int(sizes[sha]) > MAX_FILE_BYTES:
            too_large.append(name)
            del blobs[name]
    contents = _read_blobs(registry, list(blobs.values()))
    files = {name: contents[sha] for name, sha in sorted(blobs.items())}
    return RefRegistry(commit, files, sorted(too_large))


def _read_blobs(registry: Path, shas: list[str], *, sizes_only: bool = False) -> dict[str, bytes]:
    """Every blob's bytes (or, with sizes_only, its size as ASCII digits) in one git process."""
    if not shas:
        return {}
    option = "--batch-check" if sizes_only else "--batch"
    output = _git(registry, "cat-file", option, stdin="".join(f"{sha}\n" for sha in shas).encode())
    blobs: dict[str, bytes] = {}
    at = 0
    for sha in shas:
        header_end = output.index(b"\n", at)
        _, _, size = output[at:header_end].decode().split(" ")
        if sizes_only:
            blobs[sha] = size.encode()
            at = header_end + 1
            continue
        start = header_end + 1
        blobs[sha] = output[start : start + int(size)]
        at = start + int(size) + 1  # the data is followed by a line feed
    return blobs
