"""Archive members are checked before extraction on every Python: absolute paths, '..' and
links leading outside are refused for tar and zip alike (never re-rooted), nothing is written
outside the staging folder, and a ``tarfile`` without ``filter=`` (Python 3.10.0–3.10.11)
still extracts a good archive."""

from __future__ import annotations

import io
import stat
import tarfile
import zipfile
from pathlib import Path

import pytest

from dalearn.data import archives
from dalearn.data.archives import ArchiveError, extract, tar_has_filter


def tar_bytes(entries: list[tarfile.TarInfo | tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for entry in entries:
            if isinstance(entry, tarfile.TarInfo):
                archive.addfile(entry)
            else:
                name, data = entry
                info = tarfile.TarInfo(name)
                info.size = len(data)
                info.mode = 0o6777  # set-uid, set-gid, world-writable: must not survive
                archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def link(name: str, target: str, kind: bytes = tarfile.SYMTYPE) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    return info


def zip_bytes(names: list[str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(zipfile.ZipInfo(name), b"data")
    return buffer.getvalue()


@pytest.fixture(params=["native", "no_filter"])
def tar_flavour(request, monkeypatch) -> str:
    """Run each tar test with this Python's tarfile, and with one whose ``extractall`` rejects
    ``filter=`` as Python 3.10.0–3.10.11 does."""
    if request.param == "no_filter":
        original = tarfile.TarFile.extractall

        def extractall(self, path=".", members=None, *, numeric_owner=False, **kwargs):
            if "filter" in kwargs:
                raise TypeError("extractall() got an unexpected keyword argument 'filter'")
            return original(self, path, members, numeric_owner=numeric_owner)

        monkeypatch.setattr(tarfile.TarFile, "extractall", extractall)
        assert not tar_has_filter()
    return request.param


def everything_under(path: Path) -> list[str]:
    return sorted(str(p.relative_to(path)) for p in path.rglob("*"))


def test_good_tar_extracts_without_special_permission_bits(tar_flavour, tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    archive = tmp_path / "amazon.tgz"
    archive.write_bytes(tar_bytes([("amazon/images/a.jpg", b"jpeg"), link("amazon/alias.jpg", "images/a.jpg")]))
    extract(archive, root, "amazon")
    assert (root / "amazon" / "images" / "a.jpg").read_bytes() == b"jpeg"
    assert (root / "amazon" / "alias.jpg").read_bytes() == b"jpeg"
    mode = (root / "amazon" / "images" / "a.jpg").stat().st_mode
    assert not mode & (stat.S_ISUID | stat.S_ISGID | stat.S_IWOTH)
    assert everything_under(root) == ["amazon", "amazon/alias.jpg", "amazon/images", "amazon/images/a.jpg"]


@pytest.mark.parametrize(
    "entries, reason",
    [
        ([("amazon/ok.jpg", b"x"), ("{tmp}/evil", b"x")], "absolute path"),
        ([("amazon/../../evil", b"x")], "'..' component"),
        ([link("amazon/escape", "../../outside")], "outside the extraction folder"),
        ([link("amazon/escape", "/etc/passwd")], "absolute path"),
        ([link("amazon/hard", "../outside", tarfile.LNKTYPE)], "outside the extraction folder"),
        ([link("amazon/here", "."), link("amazon/here/up", "../../outside")], "inside a symlinked folder"),
        ([link("amazon/here", "."), link("amazon/up", "here/../../x")], "through another link"),
        ([link("amazon/loop", "."), ("amazon/loop/file", b"x")], "inside a symlinked folder"),
    ],
    ids=[
        "absolute",
        "dotdot",
        "symlink-out",
        "symlink-absolute",
        "hardlink-out",
        "link-in-link",
        "link-via-link",
        "file-via-link",
    ],
)
def test_unsafe_tar_members_are_refused_and_nothing_is_written(tar_flavour, entries, reason, tmp_path):
    root = tmp_path / "deep" / "root"
    root.mkdir(parents=True)
    archive = tmp_path / "amazon.tgz"
    entries = [(e[0].format(tmp=tmp_path), e[1]) if isinstance(e, tuple) else e for e in entries]
    archive.write_bytes(tar_bytes(entries))
    with pytest.raises(ArchiveError, match=reason) as caught:
        extract(archive, root, "amazon")
    assert str(archive) in str(caught.value) and "refusing to extract" in str(caught.value)
    assert everything_under(tmp_path) == ["amazon.tgz", "deep", "deep/root"]


@pytest.mark.parametrize(
    "name", ["image_list/../evil.txt", "../evil.txt", "{tmp}/evil.txt", "C:/evil.txt", "image_list\\..\\..\\evil.txt"]
)
def test_zip_members_that_leave_the_folder_are_refused_not_rerooted(name, tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    archive = tmp_path / "image_list.zip"
    archive.write_bytes(zip_bytes(["image_list/amazon.txt", name.format(tmp=tmp_path)]))
    with pytest.raises(ArchiveError, match=r"holds the member .* refusing to extract"):
        extract(archive, root, "image_list")
    assert everything_under(tmp_path) == ["image_list.zip", "root"]


def test_unsafe_member_reasons():
    assert archives.unsafe_reason("a/b.jpg") is None
    assert archives.unsafe_reason("a/..b/c") is None  # a name that merely starts with dots
    assert archives.unsafe_reason("a/../b") == "'..' component"
    assert archives.unsafe_reason("/a") == "absolute path"
