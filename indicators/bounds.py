"""The bounds every file that comes in is held to (leads' returns, DfE and NHS releases, plan spreadsheets), in one
place: what a zip may unpack to and hold, rows and line length checked while a file is streamed (never after reading
it all), how long a name taken from a file may be, and which files are checked in the worker process.

A reader calls, in this order: `open_zip` (a zip's members, counted and bounded by what they declare), then for each
file it reads `read_member` (a zip member), `read_gzip` (a .gz file) or `check_lines` (bytes already in memory), and `name_problem` for every
text that becomes a stored name. The Upload page asks `offload_wanted` where to check a file."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import struct
import zipfile
import zlib
from collections.abc import Iterable

from indicators.problems import Problem, short

MAX_NAME_CHARS = 200  # an area, provider or indicator name taken from a file; the longest real LA name is 40
MAX_LINE_CHARS = 100_000  # far beyond any real row; stops a single-line bomb early
MAX_ZIP_MEMBERS = 1_000  # a DfE "Download all data" zip holds 15 files
MAX_RELEASE_ROWS = 500_000  # rows in one DfE or NHS file; the largest real one (SEN2 caseload.csv) has 25,340
MAX_RELEASE_FILE_BYTES = 150 * 1000 * 1000  # one file unpacked from a release (the largest real one: 6.4 MB)
# Files that unpack to more than this are read and checked in a worker process, so one person's big file never
# holds up the pages other people are reading. Decided on what the file unpacks to, not its size as sent.
OFFLOAD_BYTES = 512 * 1024
CHUNK = 1 << 20
# What unpacking a damaged or lying zip member raises (zipfile's own CRC and size checks, the decompressors,
# encrypted members, compression methods Python does not have).
ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, NotImplementedError, RuntimeError, ValueError, OSError)


def unpacked_size(data: bytes) -> int:
    """What a file comes to unpacked: a zip (a release, an .xlsx) by the sizes its directory declares, which bound
    what Python will unpack (zipfile stops at the declared size and reports a damaged member); anything else as sent."""
    if data[:4] != b"PK\x03\x04":
        return len(data)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return max(len(data), sum(i.file_size for i in z.infolist()))
    except ZIP_ERRORS:
        return len(data)


def offload_wanted(data: bytes) -> bool:
    """Whether a file should be checked in the worker process: it unpacks to more than OFFLOAD_BYTES, or it is
    gzip-compressed (a gzip file does not say reliably what it unpacks to)."""
    return data[:2] == GZIP_MAGIC or unpacked_size(data) > OFFLOAD_BYTES


GZIP_MAGIC = b"\x1f\x8b"


def read_gzip(
    data: bytes, file_name: str, *, max_bytes: int, max_rows: int = MAX_RELEASE_ROWS, max_line: int = MAX_LINE_CHARS
) -> tuple[bytes | None, list[Problem]]:
    """A .gz file (as NHS England publishes some of its CSVs) unpacked a megabyte at a time within the same bounds
    as a zip member (bytes, rows, line length), or a problem if it is damaged."""
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as fh:
            return _streamed(iter(lambda: fh.read(CHUNK), b""), file_name, None, max_bytes, max_rows, max_line, keep=True)
    except (OSError, EOFError, zlib.error) as e:
        return None, [Problem.of("gzip_damaged", name=file_name, detail=str(e) or type(e).__name__)]


def open_zip(
    data: bytes, file_name: str, *, max_unpacked: int, max_members: int = MAX_ZIP_MEMBERS
) -> tuple[zipfile.ZipFile | None, list[zipfile.ZipInfo], list[Problem]]:
    """A zip's files (not folders), refused whole (one short problem) when it is not a zip, holds more than
    `max_members` files or declares more than `max_unpacked` bytes. Nothing is unpacked."""
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        infos = [i for i in z.infolist() if not i.is_dir()]
    except ZIP_ERRORS:
        return None, [], [Problem.of("bad_zip", name=file_name)]
    if len(infos) > max_members:
        return None, [], [Problem.of("zip_too_many_members", name=file_name, count=len(infos), limit=max_members)]
    unpacked = sum(i.file_size for i in infos)
    if unpacked > max_unpacked:
        return None, [], [Problem.of("zip_too_big", name=file_name, size=unpacked / 1e6, limit=max_unpacked // (1024 * 1024))]
    return z, infos, []


def member_chunks(data: bytes, info: zipfile.ZipInfo, chunk: int = CHUNK):
    """A zip member unpacked a chunk at a time, never more than `chunk` bytes at once whatever the compression
    (Python's zipfile unpacks an LZMA or bzip2 member whole on the first read: 390 MB from 58 KB). Checked against
    the size and CRC its directory declares: a member that holds more, or other bytes, raises BadZipFile."""
    if info.flag_bits & 0x1:
        raise zipfile.BadZipFile("it is encrypted")
    head = data[info.header_offset : info.header_offset + 30]
    if len(head) < 30 or head[:4] != b"PK\x03\x04":
        raise zipfile.BadZipFile("its local header is missing")
    name_len, extra_len = struct.unpack("<HH", head[26:30])
    start = info.header_offset + 30 + name_len + extra_len
    raw = memoryview(data)[start : start + info.compress_size]
    method = info.compress_type
    if method == zipfile.ZIP_STORED:
        dec = None
    elif method == zipfile.ZIP_DEFLATED:
        dec = zlib.decompressobj(-15)
    elif method == zipfile.ZIP_BZIP2:
        dec = bz2.BZ2Decompressor()
    elif method == zipfile.ZIP_LZMA:
        (size,) = struct.unpack("<H", raw[2:4])
        props = bytes(raw[4 : 4 + size])
        dec = lzma.LZMADecompressor(lzma.FORMAT_RAW, filters=[lzma._decode_filter_properties(lzma.FILTER_LZMA1, props)])
        raw = raw[4 + size :]
    else:
        raise zipfile.BadZipFile(f"it uses compression method {method}, which is not read")
    total, crc = 0, 0

    def out(piece: bytes) -> bytes:
        nonlocal total, crc
        total += len(piece)
        if total > info.file_size:
            raise zipfile.BadZipFile(f"it unpacks to more than the {info.file_size:,} bytes its directory says")
        crc = zlib.crc32(piece, crc)
        return piece

    feed = (bytes(raw[i : i + chunk]) for i in range(0, len(raw), chunk))
    if dec is None:
        for piece in feed:
            yield out(piece)
    elif method == zipfile.ZIP_DEFLATED:  # zlib keeps what it has not unpacked yet in unconsumed_tail
        pending = b""
        while not dec.eof:
            pending = pending or next(feed, b"")
            if not pending:
                yield out(dec.flush())
                break
            piece = dec.decompress(pending, chunk)
            pending = dec.unconsumed_tail
            if piece:
                yield out(piece)
    else:  # bzip2 and LZMA keep it inside, and say whether they need more input
        while not dec.eof:
            pending = b""
            if dec.needs_input:
                pending = next(feed, None)
                if pending is None:
                    break
            piece = dec.decompress(pending, chunk)
            if piece:
                yield out(piece)
    if total != info.file_size or crc != info.CRC:
        raise zipfile.BadZipFile(
            f"it unpacks to {total:,} bytes, not the {info.file_size:,} its directory says, or to other bytes"
        )


def unusual_compression(infos: list[zipfile.ZipInfo]) -> list[str]:
    """Members compressed other than stored or deflated (what Excel and every spreadsheet program write). A library
    that reads a zip through Python's zipfile (openpyxl) unpacks an LZMA or bzip2 member whole on its first read,
    whatever size it declares, so such a file is refused before it is opened."""
    return [i.filename for i in infos if i.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)]


def read_member(
    data: bytes,
    info: zipfile.ZipInfo,
    file_name: str,
    *,
    max_bytes: int,
    max_rows: int = MAX_RELEASE_ROWS,
    max_line: int = MAX_LINE_CHARS,
) -> tuple[bytes | None, list[Problem]]:
    """One zip member's bytes, streamed a megabyte at a time and refused as soon as it passes a bound (bytes, rows,
    line length), or is damaged, so a small zip never unpacks to more than the bounds in memory."""
    where = f"{info.filename} in {file_name}"
    try:
        return _streamed(member_chunks(data, info), where, info.filename, max_bytes, max_rows, max_line, keep=True)
    except ZIP_ERRORS as e:
        return None, [Problem.of("zip_member_damaged", file=info.filename, where=where, detail=str(e) or type(e).__name__)]


def read_member_head(data: bytes, info: zipfile.ZipInfo, file_name: str, limit: int) -> tuple[bytes | None, list[Problem]]:
    """The first line of a zip member (at most `limit` bytes), or a problem if the member cannot be unpacked."""
    head = b""
    try:
        for piece in member_chunks(data, info, chunk=min(limit, 64 * 1024)):
            head += piece
            if b"\n" in head or len(head) >= limit:
                break
        return head[:limit].split(b"\n", 1)[0], []
    except ZIP_ERRORS as e:
        where = f"{info.filename} in {file_name}"
        return None, [Problem.of("zip_member_damaged", file=info.filename, where=where, detail=str(e) or type(e).__name__)]


def check_lines(
    data: bytes, name: str, *, file: str | None = None, max_rows: int = MAX_RELEASE_ROWS, max_line: int = MAX_LINE_CHARS
) -> list[Problem]:
    """Rows and line length of a file already in memory, with the same bounds and messages as a streamed member."""
    view = memoryview(data)
    chunks = (bytes(view[i : i + CHUNK]) for i in range(0, len(data), CHUNK))
    return _streamed(chunks, name, file, len(data), max_rows, max_line, keep=False)[1]


def _streamed(
    chunks: Iterable[bytes], where: str, file: str | None, max_bytes: int, max_rows: int, max_line: int, *, keep: bool
) -> tuple[bytes | None, list[Problem]]:
    kept = bytearray()
    total = newlines = 0
    partial = 0  # length of the line running on from the previous chunk
    for chunk in chunks:
        total += len(chunk)
        if total > max_bytes:
            return None, [Problem.of("member_too_big", file=file, where=where, limit=max_bytes / 1e6)]
        parts = chunk.split(b"\n")
        if len(parts) == 1:
            partial += len(chunk)
        else:
            lengths = [partial + len(parts[0]), *map(len, parts[1:-1])]
            longest = max(lengths)
            if longest > max_line:
                row = newlines + next(i for i, n in enumerate(lengths) if n > max_line) + 1
                return None, [Problem.of("line_too_long_streamed", file=file, row=row, limit=max_line)]
            partial = len(parts[-1])
        if partial > max_line:
            return None, [Problem.of("line_too_long_streamed", file=file, row=newlines + len(parts), limit=max_line)]
        newlines += len(parts) - 1
        if newlines - 1 > max_rows:  # the header is a line, not a row of figures
            return None, [Problem.of("release_too_many_rows", file=file, where=where, limit=max_rows)]
        if keep:
            kept += chunk
    return (bytes(kept) if keep else None), []


def name_problem(name: str, *, what: str, row: int | None, column: str | None, file: str | None, example: str) -> Problem | None:
    """A name taken from a file (an area's, a provider's, an indicator's) that is too long to store and show."""
    if len(name) <= MAX_NAME_CHARS:
        return None
    return Problem.of(
        "name_too_long",
        row=row,
        column=column,
        file=file,
        what=what,
        length=len(name),
        value=short(name),
        limit=MAX_NAME_CHARS,
        example=example,
    )
