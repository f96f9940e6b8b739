"""dalearn-data download against a local HTTP server: complete, resumed, corrupt and missing
archives. No case may exit 0 on failure or leave a half-extracted folder behind."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from local_http import LocalServer, ServerState

from dalearn.cli.data import main
from dalearn.data.benchmarks import get_benchmark
from dalearn.data.download import DownloadError, download_dataset

FOLDERS = ("image_list", "amazon", "dslr", "webcam")


def leftovers(root: Path) -> list[str]:
    """Staging directories and partial downloads left under ``root``."""
    return sorted(p.name for p in root.iterdir() if p.name.endswith((".tmp", ".part")))


def download_args(root, url: str, *extra: str) -> list[str]:
    """``dalearn-data download office31`` from the local server ``url`` into ``root``."""
    return ["download", "office31", "--root", str(root), "--mirror", url, *extra]


def run_cli(args: list[str], capsys: pytest.CaptureFixture) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_downloads_extracts_and_then_fetches_nothing(office31_archives, tmp_path, capsys):
    state = ServerState(files=dict(office31_archives))
    root = tmp_path / "office31"
    with LocalServer(state) as url:
        code, out, _ = run_cli(download_args(root, url), capsys)
        assert code == 0, out
        assert sorted(name for name, _ in state.requests) == sorted(office31_archives)
        assert all(rng is None for _, rng in state.requests)
        assert sorted(p.name for p in root.iterdir()) == sorted(FOLDERS)
        assert (root / "image_list" / "amazon.txt").is_file()
        assert len(list((root / "amazon" / "images").rglob("*.jpg"))) == 6
        state.requests.clear()
        code, out, err = run_cli(download_args(root, url), capsys)
    assert code == 0
    assert state.requests == []
    assert err.count("present, skipped") == 4  # progress messages: the [dalearn] lines on stderr
    code, out, _ = run_cli(["verify", "office31", "--root", str(root), "--ignore-counts"], capsys)
    assert code == 0, out


def test_interrupted_transfer_fails_then_resumes(office31_archives, tmp_path, capsys):
    state = ServerState(files=dict(office31_archives), interrupt_once={"amazon.tgz"})
    root = tmp_path / "office31"
    size = len(office31_archives["amazon.tgz"])
    with LocalServer(state) as url:
        args = download_args(root, url, "--retries", "0")
        code, _, err = run_cli(args, capsys)
        assert code == 1
        assert f"{url}/amazon.tgz" in err and "Manual alternative" in err
        assert f"{root / 'amazon'}/images/<class>/*.jpg" in err
        assert not (root / "amazon").exists()
        assert leftovers(root) == ["amazon.tgz.part"]
        kept = (root / "amazon.tgz.part").stat().st_size
        assert 0 < kept < size
        assert (root / "dslr").is_dir() and (root / "webcam").is_dir() and (root / "image_list").is_dir()

        state.requests.clear()
        code, out, err = run_cli(args, capsys)
    assert code == 0, out
    assert state.requests == [("amazon.tgz", f"bytes={kept}-")]
    assert "resuming" in err
    assert leftovers(root) == []
    assert len(list((root / "amazon" / "images").rglob("*.jpg"))) == 6


def test_retry_within_one_run_resumes(office31_archives, tmp_path):
    state = ServerState(files=dict(office31_archives), interrupt_once={"dslr.tgz"})
    with LocalServer(state) as url:
        download_dataset(
            get_benchmark("office31"), tmp_path, mirror=url, folders=["dslr"], retries=1, log=lambda _: None
        )
    ranges = [rng for name, rng in state.requests if name == "dslr.tgz"]
    assert ranges[0] is None and ranges[1].startswith("bytes=") and ranges[1] != "bytes=0-"
    assert (tmp_path / "dslr" / "images").is_dir()


def test_server_without_range_support_restarts_from_zero(office31_archives, tmp_path):
    state = ServerState(files=dict(office31_archives), ranges=False)
    (tmp_path / "webcam.tgz.part").write_bytes(b"stale bytes of an older attempt")
    with LocalServer(state) as url:
        download_dataset(get_benchmark("office31"), tmp_path, mirror=url, folders=["webcam"], log=lambda _: None)
    assert len(list((tmp_path / "webcam" / "images").rglob("*.jpg"))) == 6
    assert leftovers(tmp_path) == []


def test_a_partial_reply_from_another_offset_is_not_appended(office31_archives, tmp_path):
    """A 206 whose Content-Range does not start where the .part ends would splice two
    offsets into one file of the announced length; the downloader restarts from zero."""
    state = ServerState(files=dict(office31_archives), range_from_zero=True)
    (tmp_path / "webcam.tgz.part").write_bytes(office31_archives["webcam.tgz"][:100])
    messages = []
    with LocalServer(state) as url:
        download_dataset(
            get_benchmark("office31"), tmp_path, mirror=url, folders=["webcam"], retries=1, log=messages.append
        )
    assert [rng for _, rng in state.requests] == ["bytes=100-", None]
    assert any("sent bytes from 0 when asked for 100-" in m for m in messages)
    assert len(list((tmp_path / "webcam" / "images").rglob("*.jpg"))) == 6
    assert leftovers(tmp_path) == []


def test_checksum_mismatch_deletes_download_and_extracts_nothing(office31_archives, tmp_path, capsys):
    state = ServerState(files=dict(office31_archives))
    root = tmp_path / "office31"
    with LocalServer(state) as url:
        code, _, err = run_cli(
            download_args(root, url, "--only", "amazon", "--sha256", "amazon.tgz=" + "0" * 64), capsys
        )
    assert code == 1
    assert "checksum mismatch" in err and "0" * 64 in err and f"{url}/amazon.tgz" in err
    assert sorted(p.name for p in root.iterdir()) == []


def test_matching_checksum_is_accepted(office31_archives, tmp_path, capsys):
    import hashlib

    digest = hashlib.sha256(office31_archives["image_list.zip"]).hexdigest()
    with LocalServer(ServerState(files=dict(office31_archives))) as url:
        code, out, err = run_cli(
            download_args(tmp_path, url, "--only", "image_list", "--sha256", f"image_list.zip={digest}"), capsys
        )
    assert code == 0, out
    assert digest in err


@pytest.mark.slow
def test_404_exits_non_zero_with_url_and_manual_alternative(tmp_path):
    with LocalServer(ServerState()) as url:
        result = subprocess.run(
            [sys.executable, "-m", "dalearn.cli.data", *download_args(tmp_path, url, "--only", "image_list")],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode == 1
    assert "HTTP 404" in result.stderr
    assert f"{url}/image_list.zip" in result.stderr
    assert f"put the archive at {tmp_path / 'image_list.zip'}" in result.stderr
    assert str(tmp_path / "image_list" / "amazon.txt") in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_html_error_page_is_not_extracted(tmp_path):
    page = b"<!DOCTYPE html><html><body>quota exceeded</body></html>"
    with LocalServer(ServerState(files={"amazon.tgz": page})) as url:
        with pytest.raises(DownloadError, match="neither a zip nor a tar"):
            download_dataset(get_benchmark("office31"), tmp_path, mirror=url, folders=["amazon"], log=lambda _: None)
    assert list(tmp_path.iterdir()) == []


def test_truncated_archive_leaves_no_half_extracted_tree(office31_archives, tmp_path):
    whole = office31_archives["amazon.tgz"]
    with LocalServer(ServerState(files={"amazon.tgz": whole[: len(whole) * 2 // 3]})) as url:
        with pytest.raises(DownloadError, match="amazon.tgz"):
            download_dataset(get_benchmark("office31"), tmp_path, mirror=url, folders=["amazon"], log=lambda _: None)
    assert list(tmp_path.iterdir()) == []


def test_archive_placed_by_hand_is_extracted_without_network(office31_archives, tmp_path):
    (tmp_path / "image_list.zip").write_bytes(office31_archives["image_list.zip"])
    added = download_dataset(
        get_benchmark("office31"), tmp_path, mirror="http://127.0.0.1:9", folders=["image_list"], log=lambda _: None
    )
    assert added == ["image_list"]
    assert (tmp_path / "image_list" / "webcam.txt").is_file()
    assert (tmp_path / "image_list.zip").is_file(), "an archive dalearn did not download is not deleted"


def test_archive_without_the_expected_folder_is_refused(office31_archives, tmp_path):
    with LocalServer(ServerState(files={"dslr.tgz": office31_archives["webcam.tgz"]})) as url:
        with pytest.raises(DownloadError, match="top-level folder dslr/"):
            download_dataset(get_benchmark("office31"), tmp_path, mirror=url, folders=["dslr"], log=lambda _: None)
    assert list(tmp_path.iterdir()) == []
