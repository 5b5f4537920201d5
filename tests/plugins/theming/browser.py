"""Headless Chromium for the preview tests: plain subprocesses, bounded in time, plus a tiny PNG reader.

Each run gets its own profile directory and process group; a run that outlives
its timeout is killed with every process it started.
"""

from __future__ import annotations

import os
import signal
import struct
import subprocess
import zlib
from pathlib import Path

import attrs

CHROMIUM = os.environ.get("ZHONGTAI_TEST_CHROMIUM", "/usr/bin/chromium")
TIMEOUT_SECONDS = 90
WINDOW = (500, 900)  # Chromium's headless window is at least 500 px wide

_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars", "--force-device-scale-factor=1", "--force-color-profile=srgb",
    f"--window-size={WINDOW[0]},{WINDOW[1]}",
)


class ChromiumFailed(AssertionError):
    pass


def run_chromium(profile: Path, *args: str) -> str:
    """Run headless Chromium with *args*; its stdout, or ``ChromiumFailed`` with its stderr."""
    command = [CHROMIUM, *_FLAGS, f"--user-data-dir={profile}", *args]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    try:
        out, err = process.communicate(timeout=TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise ChromiumFailed(f"chromium did not finish within {TIMEOUT_SECONDS}s: {' '.join(args)}") from None
    finally:
        try:  # renderer or zygote processes left behind by a finished browser
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    if process.returncode != 0:
        raise ChromiumFailed(f"chromium exited {process.returncode}: {err.strip()[-2000:]}")
    return out


def dump_dom(profile: Path, page: Path) -> str:
    """The DOM after the page's scripts ran, serialised."""
    return run_chromium(profile, "--dump-dom", page.as_uri())


def screenshot(profile: Path, page: Path, png: Path) -> Path:
    run_chromium(profile, f"--screenshot={png}", page.as_uri())
    if not png.is_file() or png.stat().st_size == 0:
        raise ChromiumFailed(f"chromium wrote no screenshot at {png}")
    return png


@attrs.frozen
class Image:
    """Decoded 8-bit RGB(A) pixels."""

    width: int
    height: int
    channels: int
    rows: tuple[bytes, ...]

    def pixel(self, x: int, y: int) -> tuple[int, int, int]:
        start = x * self.channels
        r, g, b = self.rows[y][start : start + 3]
        return r, g, b


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def read_png(path: Path, rows: int | None = None) -> Image:
    """Decode a non-interlaced 8-bit RGB or RGBA PNG (what Chromium writes), its first *rows* rows only if given."""
    data = path.read_bytes()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path} is not a PNG")
    offset, idat, header = 8, b"", b""
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        body = data[offset + 8 : offset + 8 + length]
        offset += 12 + length
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    if depth != 8 or colour not in (2, 6) or interlace:
        raise ValueError(f"unsupported PNG: depth {depth}, colour type {colour}, interlace {interlace}")
    channels = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * channels
    decoded: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height if rows is None else min(rows, height)):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            upper_left = previous[i - channels] if i >= channels else 0
            predictor = (0, left, up, (left + up) // 2, _paeth(left, up, upper_left))[kind]
            line[i] = (line[i] + predictor) & 0xFF
        decoded.append(bytes(line))
        previous = line
    return Image(width, len(decoded), channels, tuple(decoded))
