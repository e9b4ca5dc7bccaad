"""Lossless conversion of every record to and from a JSON-able dict.

``from_dict(type(r), to_dict(r)) == r`` for every record ``r`` of :mod:`tidings.records`, also
after a trip through ``json.dumps`` / ``json.loads``. This is the storage form (the store keeps
briefs as this JSON); :func:`tidings.render.brief_dict` is the human form and loses detail.

The mapping is driven by the records' type annotations, so a field added to a record is
serialised without touching this module:

=========================  =================================================================
field type                 JSON form
=========================  =================================================================
``str``, ``int``, ``bool`` itself
``float``                  a number (must be finite: JSON has no NaN or infinity)
``bytes``                  a base64 string
``datetime``               ISO 8601 with its UTC offset (``"2019-02-01T10:00:00+01:00"``)
``tuple[X, ...]``          a list
``Mapping[str, X]``        an object (read back as a read-only mapping)
``X | None``               ``null`` or the form of ``X``
a record                   a nested object (without a ``"_type"`` tag)
=========================  =================================================================

The top-level dict carries ``"_type": "<RecordName>"`` so a stored blob says what it holds.

Two things are not kept, on purpose: the *name* of a datetime's zone (a ``ZoneInfo`` comes back
as a fixed offset: the same instant and offset, though aware datetimes in a DST gap or fold then
compare unequal to the original), and the container types inside ``Mapping[str, Any]`` values
(a tuple there comes back as a list); such values must be plain JSON values.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import math
import types
import typing
from collections.abc import Callable, Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any, TypeVar

from . import records
from .errors import FormatError, UsageError

__all__ = ["RECORD_TYPES", "from_dict", "to_dict"]

R = TypeVar("R")

#: Every record type that can be serialised, by the name used in ``"_type"``.
RECORD_TYPES: Mapping[str, type] = MappingProxyType(
    {
        name: obj
        for name in records.__all__
        if dataclasses.is_dataclass(obj := getattr(records, name)) and isinstance(obj, type)
    }
)

TYPE_KEY = "_type"

_Encode = Callable[[Any, str], Any]
_Decode = Callable[[Any, str], Any]


class _BadData(Exception):
    """Raised inside decoding with the path of the offending value; becomes a FormatError."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def to_dict(record: Any) -> dict[str, Any]:
    """Return the JSON-able dict of ``record``, tagged with ``"_type"``.

    Args:
        record: an instance of any record of :mod:`tidings.records`.

    Returns:
        A dict of JSON values only (str, int, float, bool, None, list, dict), ready for
        ``json.dumps``.

    Raises:
        UsageError: ``record`` is not a record, or one of its fields holds a value its type does
            not allow (a naive datetime, a NaN, a list where a tuple belongs, ...).
    """
    cls = type(record)
    name = cls.__name__
    if RECORD_TYPES.get(name) is not cls:
        known = ", ".join(sorted(RECORD_TYPES))
        raise UsageError(f"to_dict needs a tidings record ({known}), got {name}")
    encode, _ = _record_codec(cls)
    out: dict[str, Any] = {TYPE_KEY: name}
    out.update(encode(record, name))
    return out


def from_dict(cls: type[R], data: Mapping[str, Any]) -> R:
    """Rebuild a record of type ``cls`` from the dict :func:`to_dict` made.

    Args:
        cls: the record type, such as ``Brief``.
        data: the dict (parsed JSON). Its ``"_type"`` tag, when present, must name ``cls``;
            keys missing for fields that have a default take the default.

    Returns:
        The record, equal to the one that was serialised.

    Raises:
        UsageError: ``cls`` is not a record type.
        FormatError: ``data`` does not describe a ``cls`` (wrong tag, unknown or missing key, a
            value of the wrong type); the message gives the path of the bad value, such as
            ``Brief.sentences[2].citations[0].start``.
    """
    name = getattr(cls, "__name__", repr(cls))
    if RECORD_TYPES.get(name) is not cls:
        known = ", ".join(sorted(RECORD_TYPES))
        raise UsageError(
            f"the cls parameter of from_dict must be a record type ({known}), got {name}"
        )
    if not isinstance(data, Mapping):
        raise FormatError(
            f"{name} record",
            f"expected a JSON object, got {type(data).__name__}",
            reason="bad-record",
        )
    tag = data.get(TYPE_KEY, name)
    if tag != name:
        raise FormatError(
            f"{name} record",
            f"the data is tagged {TYPE_KEY}={tag!r}; read it with from_dict({tag}, ...)",
            reason="wrong-type",
        )
    _, decode = _record_codec(cls)
    try:
        return typing.cast(R, decode(data, name))
    except _BadData as exc:
        raise FormatError(f"{name} record", str(exc), reason="bad-record") from None


_CODECS: dict[type, tuple[_Encode, _Decode]] = {}


def _record_codec(cls: type) -> tuple[_Encode, _Decode]:
    """The encoder and decoder of a record type, built once per type."""
    codec = _CODECS.get(cls)
    if codec is None:
        codec = _CODECS[cls] = _build_record_codec(cls)
    return codec


def _build_record_codec(cls: type) -> tuple[_Encode, _Decode]:
    hints = typing.get_type_hints(cls)
    fields = [(f, _codec(hints[f.name])) for f in dataclasses.fields(cls)]
    required = {
        f.name
        for f in dataclasses.fields(cls)
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    }
    allowed = {f.name for f in dataclasses.fields(cls)} | {TYPE_KEY}
    name = cls.__name__

    def encode(record: Any, path: str) -> dict[str, Any]:
        if type(record) is not cls:
            raise UsageError(f"{path} must be a {name}, got {type(record).__name__}")
        return {f.name: enc(getattr(record, f.name), f"{path}.{f.name}") for f, (enc, _) in fields}

    def decode(data: Any, path: str) -> Any:
        if not isinstance(data, Mapping):
            raise _BadData(path, f"expected a JSON object for a {name}, got {_short(data)}")
        if data.get(TYPE_KEY, name) != name:
            raise _BadData(path, f"expected a {name}, got data tagged {data[TYPE_KEY]!r}")
        unknown = set(data) - allowed
        if unknown:
            raise _BadData(
                path,
                f"unknown key(s) {sorted(unknown)} for a {name} (made by a newer tidings?)",
            )
        missing = required - set(data)
        if missing:
            raise _BadData(path, f"missing key(s) {sorted(missing)} for a {name}")
        kwargs = {
            f.name: dec(data[f.name], f"{path}.{f.name}")
            for f, (_, dec) in fields
            if f.name in data
        }
        return cls(**kwargs)

    return encode, decode


def _codec(tp: Any) -> tuple[_Encode, _Decode]:
    """The encoder and decoder for one annotated type (see the table in the module docstring)."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp is str or tp is int or tp is bool:
        return _scalar(tp)
    if tp is float:
        return _encode_float, _decode_float
    if tp is bytes:
        return _encode_bytes, _decode_bytes
    if tp is datetime:
        return _encode_datetime, _decode_datetime
    if tp is Any:
        return _encode_json, _decode_json
    if isinstance(tp, type) and RECORD_TYPES.get(tp.__name__) is tp:
        # Resolved on first use rather than here: records may refer to each other in any order.
        return (lambda v, p: _record_codec(tp)[0](v, p)), (lambda v, p: _record_codec(tp)[1](v, p))
    if origin in (typing.Union, types.UnionType) and type(None) in args:
        inner = [a for a in args if a is not type(None)]
        if len(inner) == 1:
            return _optional(*_codec(inner[0]))
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return _tuple(*_codec(args[0]))
    if origin is Mapping and args and args[0] is str:
        return _mapping(*_codec(args[1]))
    raise TypeError(
        f"serialize has no JSON form for the annotated type {tp!r}; extend serialize._codec"
    )


def _scalar(tp: type) -> tuple[_Encode, _Decode]:
    label = {str: "a string", int: "an integer", bool: "true or false"}[tp]

    def check(value: Any) -> bool:
        # bool is an int subclass; an int field holding True is a bug, not a number.
        return type(value) is tp

    def encode(value: Any, path: str) -> Any:
        if not check(value):
            raise UsageError(f"{path} must be {label}, got {_short(value)}")
        return value

    def decode(value: Any, path: str) -> Any:
        if not check(value):
            raise _BadData(path, f"expected {label}, got {_short(value)}")
        return value

    return encode, decode


def _encode_float(value: Any, path: str) -> Any:
    if type(value) not in (float, int) or not math.isfinite(value):
        raise UsageError(f"{path} must be a finite number, got {_short(value)}")
    return value


def _decode_float(value: Any, path: str) -> Any:
    if type(value) not in (float, int) or not math.isfinite(value):
        raise _BadData(path, f"expected a finite number, got {_short(value)}")
    return float(value)


def _encode_bytes(value: Any, path: str) -> Any:
    if type(value) is not bytes:
        raise UsageError(f"{path} must be bytes, got {_short(value)}")
    return base64.b64encode(value).decode("ascii")


def _decode_bytes(value: Any, path: str) -> Any:
    if not isinstance(value, str):
        raise _BadData(path, f"expected a base64 string, got {_short(value)}")
    try:
        return base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise _BadData(path, f"expected a base64 string, got {_short(value)} ({exc})") from None


def _encode_datetime(value: Any, path: str) -> Any:
    if not isinstance(value, datetime):
        raise UsageError(f"{path} must be a datetime, got {_short(value)}")
    if value.utcoffset() is None:
        raise UsageError(
            f"{path} must be timezone-aware, got the naive {value.isoformat()}; "
            "tidings.dates.parse_date gives aware datetimes (a date without a zone is taken as UTC)"
        )
    return value.isoformat()


def _decode_datetime(value: Any, path: str) -> Any:
    if not isinstance(value, str):
        raise _BadData(path, f"expected an ISO 8601 string, got {_short(value)}")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise _BadData(path, f"expected an ISO 8601 datetime, got {_short(value)}") from None
    if parsed.utcoffset() is None:
        raise _BadData(path, f"expected a datetime with a UTC offset, got {_short(value)}")
    return parsed


def _encode_json(value: Any, path: str) -> Any:
    if value is None or type(value) in (str, bool, int):
        return value
    if type(value) is float:
        return _encode_float(value, path)
    if isinstance(value, list | tuple):
        return [_encode_json(v, f"{path}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise UsageError(f"{path} keys must be strings, got {_short(k)}")
            out[k] = _encode_json(v, f"{path}[{k!r}]")
        return out
    raise UsageError(
        f"{path} must hold JSON values (str, number, bool, None, list, dict), got {_short(value)}"
    )


def _decode_json(value: Any, path: str) -> Any:
    return value


def _optional(encode: _Encode, decode: _Decode) -> tuple[_Encode, _Decode]:
    return (
        lambda v, p: None if v is None else encode(v, p),
        lambda v, p: None if v is None else decode(v, p),
    )


def _tuple(encode: _Encode, decode: _Decode) -> tuple[_Encode, _Decode]:
    def enc(value: Any, path: str) -> Any:
        if type(value) is not tuple:
            raise UsageError(f"{path} must be a tuple, got {_short(value)}")
        return [encode(v, f"{path}[{i}]") for i, v in enumerate(value)]

    def dec(value: Any, path: str) -> Any:
        if not isinstance(value, list):
            raise _BadData(path, f"expected a list, got {_short(value)}")
        return tuple(decode(v, f"{path}[{i}]") for i, v in enumerate(value))

    return enc, dec


def _mapping(encode: _Encode, decode: _Decode) -> tuple[_Encode, _Decode]:
    def enc(value: Any, path: str) -> Any:
        if not isinstance(value, Mapping):
            raise UsageError(f"{path} must be a mapping, got {_short(value)}")
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise UsageError(f"{path} keys must be strings, got {_short(k)}")
            out[k] = encode(v, f"{path}[{k!r}]")
        return out

    def dec(value: Any, path: str) -> Any:
        if not isinstance(value, dict):
            raise _BadData(path, f"expected a JSON object, got {_short(value)}")
        # Read-only like the records' own default, so a decoded record stays immutable.
        return MappingProxyType({k: decode(v, f"{path}[{k!r}]") for k, v in value.items()})

    return enc, dec
