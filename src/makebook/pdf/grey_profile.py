"""The print edition's output profile: black ink on uncoated white book paper, as an ICC
monochrome output profile made here (so its licence is makebook's own).

Why a profile of our own: no registered printing condition (ICC's Characterization
Data Registry) is a one-ink grey condition, and Debian's free ICC packages hold no
printer profile for grey at all (Ghostscript's gray profiles are display class,
'mntr'; an output intent's profile is an output profile, 'prtr'). PDF/X-4 (ISO
15930-7) accepts "gray, RGB and CMYK printing characterizations", and when the
condition is not a registered one the output intent names it "Custom" and describes
it in /Info (ISO 32000-1, table 365).

The profile is the minimal monochrome output profile ICC.1 lists (description,
copyright, media white point, grayTRC). Its tone curve approximates a print-on-demand
black on uncoated paper: a solid black of density 1.4 (4 % reflectance) and a 20 %
tone value increase at 50 %, the mid-tone dot gain of uncoated stock.
"""

from __future__ import annotations

import functools
import struct

DESCRIPTION = "makebook Grey: black ink on uncoated paper, TVI 20% at 50%"
CONDITION = "Black ink only on uncoated white paper (one-colour print-on-demand interior)"
CONDITION_INFO = (
    "Custom condition: one ink (black) on uncoated white book paper, solid density 1.4, "
    "tone value increase 20% at 50%. Profile: makebook Grey (ICC v2 monochrome output)."
)
SOLID_REFLECTANCE = 10**-1.4
MID_TONE_GAIN = 0.20
D50 = (0.9642, 1.0, 0.8249)


def reflectance(device: float) -> float:
    """The relative luminance printed for a DeviceGray value (0 black, 1 paper)."""
    ink = 1.0 - device
    printed = ink + 4 * MID_TONE_GAIN * ink * (1 - ink)  # parabolic dot gain
    return 1.0 - printed * (1.0 - SOLID_REFLECTANCE)


def _s15(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def _padded(data: bytes) -> bytes:
    return data + b"\0" * (-len(data) % 4)


def _description(text: str) -> bytes:
    ascii_text = text.encode("ascii") + b"\0"
    return (
        b"desc\0\0\0\0"
        + struct.pack(">I", len(ascii_text))
        + ascii_text
        + struct.pack(">II", 0, 0)  # no Unicode description
        + struct.pack(">HB", 0, 0)
        + b"\0" * 67  # no ScriptCode description
    )


def _curve(points: int = 256) -> bytes:
    values = [reflectance(i / (points - 1)) for i in range(points)]
    return (
        b"curv\0\0\0\0"
        + struct.pack(">I", points)
        + b"".join(struct.pack(">H", round(v * 65535)) for v in values)
    )


@functools.cache
def grey_output_profile() -> bytes:
    """The ICC profile's bytes (the same bytes every time: no date, no random ID)."""
    tags = [
        (b"desc", _description(DESCRIPTION)),
        (b"cprt", b"text\0\0\0\0" + b"No copyright, use freely (made by makebook)\0"),
        (b"wtpt", b"XYZ \0\0\0\0" + b"".join(_s15(v) for v in D50)),
        (b"kTRC", _curve()),
    ]
    table_size = 4 + 12 * len(tags)
    offset = 128 + table_size
    table, data = struct.pack(">I", len(tags)), b""
    for signature, body in tags:
        table += signature + struct.pack(">II", offset + len(data), len(body))
        data += _padded(body)
    size = 128 + table_size + len(data)
    header = (
        struct.pack(">I", size)
        + b"\0\0\0\0"  # preferred CMM: none
        + bytes([2, 0x10, 0, 0])  # ICC version 2.1
        + b"prtr"  # output device class
        + b"GRAY"
        + b"XYZ "
        + struct.pack(">6H", 2026, 1, 1, 0, 0, 0)
        + b"acsp"
        + b"\0" * 16  # platform, flags, manufacturer, model
        + b"\0" * 8  # attributes: reflective, glossy
        + struct.pack(">I", 1)  # relative colorimetric
        + b"".join(_s15(v) for v in D50)
        + b"\0" * 4  # creator
        + b"\0" * 44  # profile ID (none in v2) and reserved
    )
    assert len(header) == 128
    return header + table + data
