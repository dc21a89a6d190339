"""Reproducible layer and stub-function zips: fixed timestamps, sorted entries, no compression."""

from __future__ import annotations

import hashlib
import io
import zipfile

_EPOCH = (1980, 1, 1, 0, 0, 0)


def deterministic_zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.external_attr = 0o644 << 16
            info.create_system = 3
            archive.writestr(info, files[name])
    return buffer.getvalue()


def layer_zip(layer: str, version: str) -> bytes:
    """The sandbox's build of layer `layer` at `version` (same inputs, same bytes)."""
    package = layer.replace("-", "_")
    return deterministic_zip({
        f"python/{package}/__init__.py": f'"""{layer} {version}"""\n__version__ = "{version}"\n'
        .encode(),
        f"python/{package}/VERSION": f"{version}\n".encode(),
    })


def function_zip(function: str) -> bytes:
    return deterministic_zip({
        "handler.py": (f'"""Stub of {function} in the sandbox; never invoked."""\n\n\n'
                       "def lambda_handler(event, context):\n    return {}\n").encode(),
    })


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
