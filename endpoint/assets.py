"""Install the query editor's third-party browser assets (CodeMirror 5) from the npm registry.

The files are unpacked into ``endpoint/static/vendor/`` (git-ignored, never committed) and served
under ``/-/static/vendor/``. The tarball is pinned by version and checked against its npm
``integrity`` (SHA-512) before anything is written; only the files listed in :data:`FILES` are
taken from it. Without these assets the editor still works: a plain text area, and results
rendered by the server or by ldcat's own script.

Standard library only, so a bare machine can run it before ldcat is installed::

    python3 endpoint/assets.py               # from registry.npmjs.org, or $NPM_CONFIG_REGISTRY
    python3 endpoint/assets.py --tarball codemirror-5.65.21.tgz   # offline, from `npm pack`
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import os
import shutil
import sys
import tarfile
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

VENDOR_DIR = Path(__file__).resolve().parent / "static" / "vendor"
DEFAULT_REGISTRY = "https://registry.npmjs.org"


@dataclass(frozen=True)
class NpmAsset:
    """One pinned npm package and the files ldcat serves from it."""

    name: str
    version: str
    integrity: str
    """npm's ``dist.integrity``: ``sha512-`` and the base64 digest of the tarball."""
    files: tuple[str, ...]
    """Paths inside the package (under the tarball's ``package/`` folder)."""

    @property
    def folder(self) -> Path:
        """Where the files go: ``vendor/NAME``, with a ``VERSION`` file beside them."""
        return VENDOR_DIR / self.name

    def tarball_url(self, registry: str) -> str:
        """The tarball's address in an npm registry."""
        return f"{registry.rstrip('/')}/{self.name}/-/{self.name}-{self.version}.tgz"


CODEMIRROR = NpmAsset(
    name="codemirror",
    version="5.65.21",
    integrity="sha512-6teYk0bA0nR3QP0ihGMoxuKzpl5W80FpnHpBJpgy66NK3cZv5b/d/HY8PnRvfSsCG1MTfr92u2WUl"
              "+wT0E40mQ==",
    files=(
        "LICENSE",
        "lib/codemirror.js",
        "lib/codemirror.css",
        "mode/sparql/sparql.js",
        "addon/edit/matchbrackets.js",
    ),
)


def installed(asset: NpmAsset = CODEMIRROR) -> bool:
    """Whether ``asset`` is unpacked at its pinned version with all its files."""
    version = asset.folder / "VERSION"
    return (version.is_file() and version.read_text().strip() == asset.version
            and all((asset.folder / name).is_file() for name in asset.files))


def check_integrity(data: bytes, integrity: str) -> None:
    """Raise ``ValueError`` unless ``data`` matches an npm ``sha512-`` integrity string."""
    algorithm, _, expected = integrity.partition("-")
    if algorithm != "sha512":
        raise ValueError(f"unsupported integrity algorithm {algorithm!r}")
    actual = base64.b64encode(hashlib.sha512(data).digest()).decode()
    if actual != expected:
        raise ValueError(f"tarball integrity mismatch: expected {integrity}, got sha512-{actual}")


def unpack(asset: NpmAsset, tarball: bytes) -> None:
    """Write ``asset``'s files from its checked tarball, replacing any earlier install whole."""
    check_integrity(tarball, asset.integrity)
    VENDOR_DIR.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{asset.name}-", dir=VENDOR_DIR))
    try:
        with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
            for name in asset.files:
                try:
                    member = archive.extractfile(f"package/{name}")
                except KeyError:
                    member = None
                if member is None:
                    raise ValueError(f"{name} is not a file in the tarball")
                target = staging / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(member.read())
        (staging / "VERSION").write_text(asset.version + "\n")
        if asset.folder.exists():
            shutil.rmtree(asset.folder)
        staging.rename(asset.folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def download(url: str, timeout: float = 60.0) -> bytes:
    """The bytes at ``url`` (proxies from the environment apply)."""
    with urllib.request.urlopen(url, timeout=timeout) as response:
        data: bytes = response.read()
        return data


def main(argv: list[str] | None = None) -> int:
    """Install the editor assets; exit status 0 when they are in place."""
    parser = argparse.ArgumentParser(
        description="Install the query editor's browser assets from the npm registry.")
    parser.add_argument("--registry", default=os.environ.get("NPM_CONFIG_REGISTRY",
                                                             DEFAULT_REGISTRY))
    parser.add_argument("--tarball", type=Path, help="use this `npm pack` tarball, offline")
    parser.add_argument("--force", action="store_true", help="reinstall even if present")
    args = parser.parse_args(argv)
    asset = CODEMIRROR
    if installed(asset) and not args.force:
        print(f"{asset.name} {asset.version} already in {asset.folder}")
        return 0
    try:
        data = (args.tarball.read_bytes() if args.tarball
                else download(asset.tarball_url(args.registry)))
        unpack(asset, data)
    except (OSError, ValueError, tarfile.TarError) as error:
        print(f"could not install {asset.name} {asset.version}: {error}", file=sys.stderr)
        return 1
    print(f"installed {asset.name} {asset.version} in {asset.folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
