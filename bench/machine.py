"""What the numbers were measured on: the machine, its load, and the versions of everything involved."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import sqlite3
import subprocess

from federation.embedded import nats_server_binary

from . import ROOT

PACKAGES = {"strawberry": "strawberry-graphql", "sqlalchemy": "SQLAlchemy", "sqlmodel": "sqlmodel",
            "starlette": "starlette", "uvicorn": "uvicorn", "httpx": "httpx", "asyncpg": "asyncpg",
            "aiosqlite": "aiosqlite", "nats_py": "nats-py", "pydantic": "pydantic"}


def _first(path: str, key: str) -> str | None:
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(key):
                    return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return None


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def machine() -> dict:
    mem = _first("/proc/meminfo", "MemTotal")
    return {
        "cpu": _first("/proc/cpuinfo", "model name") or platform.processor(),
        "cores": os.cpu_count(),
        "ram_gb": round(int(mem.split()[0]) / 1024 / 1024, 1) if mem else None,
        "os": f"{platform.system()} {platform.release()}",
        "load_before": load(),
    }


def _git() -> str | None:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return head + ("+local changes" if dirty else "") if head else None


def _nats_server() -> str | None:
    try:
        out = subprocess.run([nats_server_binary(), "--version"], capture_output=True, text=True, timeout=10)
    except Exception:  # missing binary: say so in the results rather than fail the run
        return None
    return out.stdout.strip().removeprefix("nats-server: ") or None


def versions(postgresql: str | None) -> dict:
    out: dict[str, str | None] = {"python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
                                  "postgresql": postgresql, "nats_server": _nats_server()}
    for key, dist in PACKAGES.items():
        try:
            out[key] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            out[key] = None
    out["kopiena"] = _git()
    return out
