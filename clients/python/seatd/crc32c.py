"""CRC-32C (Castagnoli), table-driven: a session's slot is crc32c(session id) mod 1024 (protocol 1.2)."""

from __future__ import annotations

from typing import List

SLOTS = 1024
_POLY_REFLECTED = 0x82F63B78


def _table() -> List[int]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ _POLY_REFLECTED if crc & 1 else crc >> 1
        table.append(crc)
    return table


_TABLE = _table()


def crc32c(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for byte in data:
        crc = _TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def slot(session: str) -> int:
    return crc32c(session.encode()) % SLOTS
