"""Decoding an HTML page's bytes to text; see :mod:`tidings.html` for why UTF-8 comes first."""

from __future__ import annotations

import codecs
import re

__all__ = ["decode_html"]

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# <meta charset="x">, <meta http-equiv="Content-Type" content="text/html; charset=x"> and the XML
# declaration's encoding="x". Browsers look at the first 1024 bytes; real pages put the tag after
# long comment or script blocks, so a larger prefix is scanned.
_DECLARED = re.compile(
    rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)|<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9_.:\-]+)""",
    re.IGNORECASE,
)
_PRESCAN_BYTES = 65536
# WHATWG Encoding: these labels mean windows-1252 on the web (pages labelled latin-1 use its
# 0x80-0x9f punctuation); GB2312 and GBK are decoded as their superset GB18030.
_ALIASES = {
    "iso8859-1": "cp1252",
    "latin-1": "cp1252",
    "ascii": "cp1252",
    "gb2312": "gb18030",
    "gbk": "gb18030",
}


def decode_html(content: bytes, *, charset: str | None = None) -> str:
    """Decode an HTML page's bytes to text.

    Order: a byte-order mark; UTF-8 when the bytes are valid UTF-8 (whatever is declared); the
    page's ``<meta>`` / XML declaration; the HTTP header's ``charset``; charset_normalizer's
    guess; windows-1252, which decodes any byte sequence. A declared charset is used only if the
    bytes decode in it without error.

    Args:
        content: the raw page.
        charset: the HTTP ``Content-Type`` charset, if any (may be wrong).

    Returns:
        The decoded text (never raises on undecodable bytes: the last resort replaces them).
    """
    for bom, encoding in _BOMS:
        if content.startswith(bom):
            return content[len(bom) :].decode(encoding, "replace")
    try:
        # Valid UTF-8 is taken before any declaration: see the module docstring.
        return content.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = [m.group(1) or m.group(2) for m in _DECLARED.finditer(content[:_PRESCAN_BYTES])]
    labels: list[str | None] = [*(d.decode("ascii") for d in declared), charset]
    for label in labels:
        codec = _codec(label)
        # UTF-8 already failed above; a UTF-16 label inside an ASCII-compatible page is a lie.
        if codec is None or codec.startswith(("utf-8", "utf-16", "utf-32")):
            continue
        try:
            return content.decode(codec)
        except UnicodeDecodeError:
            continue
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(content[:200_000]).best()
    except ImportError:  # pragma: no cover - charset_normalizer comes with trafilatura
        best = None
    guessed = _codec(best.encoding) if best is not None else None
    return content.decode(guessed or "cp1252", "replace")


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().lower()).name
    except LookupError:
        return None
    return _ALIASES.get(name, name)
