#!/usr/bin/env python3
"""Writes OUT = the 4 KiB file header of IN followed by IN's 64 KiB chunks repeated N times.

usage: python3 benches/repeat_evtx_chunks.py IN.evtx OUT.evtx N
Chunks are self-contained (own string and template tables); the evtx crate counts chunks
from the file size, so the result reads as one log N times as long: a file large enough that
process start-up does not dominate a comparison with evtx_dump."""
import sys
src, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
b = open(src, "rb").read()
head, chunks = b[:4096], b[4096:]
chunks = chunks[: len(chunks) // 65536 * 65536]
open(out, "wb").write(head + chunks * n)
