"""The scripts the site serves itself are the official releases, byte for byte.

The chain of evidence, from the registry to the built site:

1. package.json pins exact versions, and the lockfile, the hook and node_modules agree on them;
2. the registry publishes an integrity hash (sha512) for each release's tarball, and the
   lockfile holds that same hash (npm ci refuses a tarball that does not match it);
3. the tarball, fetched again with npm (from its cache when it can), has that hash;
4. every file the hook copied into the built site is byte-identical to the same file in that
   tarball, and the Subresource Integrity hash the CDN mode sends is the hash of its main script.

These tests need `npm ci` (and npm), not a browser.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import subprocess
import tarfile

import pytest

from .conftest import ROOT, hook, unavailable

PACKAGE_JSON = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))
LOCK = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))
ITEMS = {item.package: item for item in hook.VENDORED}


def npm(*args: str) -> str:
    executable = shutil.which("npm")
    if executable is None:
        unavailable("npm is not installed")
    result = subprocess.run(
        [executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    if result.returncode != 0:
        unavailable(
            f"`npm {' '.join(args)}` failed (no registry, no cache?): {result.stderr[-500:]}"
        )
    return result.stdout


@pytest.mark.parametrize("package", ITEMS)
def test_versions_are_pinned_exactly_and_agree(package):
    pinned = PACKAGE_JSON["dependencies"][package]
    assert re.fullmatch(r"\d+\.\d+\.\d+", pinned), (
        f"{package}: {pinned!r} is not an exact version"
    )
    assert LOCK["packages"][f"node_modules/{package}"]["version"] == pinned
    assert ITEMS[package].version == pinned, (
        "docs/hooks/vendored.py pins another version"
    )


def test_every_dependency_is_vendored_by_the_hook():
    assert set(PACKAGE_JSON["dependencies"]) == set(ITEMS)


@pytest.mark.parametrize("package", ITEMS)
def test_lockfile_holds_the_integrity_the_registry_publishes(package):
    version = ITEMS[package].version
    published = json.loads(
        npm(
            "view",
            f"{package}@{version}",
            "dist.integrity",
            "--json",
            "--prefer-offline",
        )
    )
    assert LOCK["packages"][f"node_modules/{package}"]["integrity"] == published


@pytest.fixture(scope="module")
def official(tmp_path_factory, node_modules):
    """Each package's release tarball from the registry, checked against the lockfile."""
    folder = tmp_path_factory.mktemp("official")
    tarballs = {}
    for package, item in ITEMS.items():
        packed = json.loads(
            npm(
                "pack",
                f"{package}@{item.version}",
                "--pack-destination",
                str(folder),
                "--json",
                "--prefer-offline",
            )
        )
        path = folder / packed[0]["filename"]
        digest = "sha512-" + base64.b64encode(
            hashlib.sha512(path.read_bytes()).digest()
        ).decode("ascii")
        assert digest == LOCK["packages"][f"node_modules/{package}"]["integrity"], (
            f"{package} tarball"
        )
        tarballs[package] = tarfile.open(path, "r:gz")
    yield tarballs
    for tarball in tarballs.values():
        tarball.close()


def member(tarball: tarfile.TarFile, name: str) -> bytes:
    return tarball.extractfile(f"package/{name}").read()


@pytest.mark.parametrize("package", ITEMS)
def test_site_copies_are_byte_identical_to_the_release(official, site, package):
    item = ITEMS[package]
    copied = site.directory / hook.SITE_DIR / package
    names = sorted(
        path.relative_to(copied).as_posix()
        for path in copied.rglob("*")
        if path.is_file()
    )
    assert names == item.files(), "the site holds other files than the hook's list"
    assert item.main in names
    for name in names:
        assert (copied / name).read_bytes() == member(official[package], name), name


@pytest.mark.parametrize("package", ITEMS)
def test_cdn_integrity_hash_is_that_of_the_release(official, package):
    item = ITEMS[package]
    assert hook.sri_hash(member(official[package], item.main)) == item.integrity


def test_only_the_files_pages_need_are_copied(site):
    """A small part of each package: its main script and what that script loads itself."""
    mathjax = site.directory / hook.SITE_DIR / "mathjax" / "es5"
    assert (
        not (mathjax / "tex-svg.js").exists()
        and not (mathjax / "output" / "svg").exists()
    )
    assert not (mathjax / "input/tex/extensions/all-packages.js").exists()
    assert (
        mathjax / "input/tex/extensions/boldsymbol.js"
    ).is_file()  # autoloaded by \boldsymbol
    assert len(list((mathjax / "output/chtml/fonts/woff-v2").glob("*.woff"))) > 20
    mermaid = site.directory / hook.SITE_DIR / "mermaid"
    assert [p.name for p in mermaid.rglob("*") if p.is_file()] == ["mermaid.min.js"]
