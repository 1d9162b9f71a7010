"""Dataclasses to JSON and back: one encoder and one checked decoder for every message shape.

A message shape is a dataclass whose fields are JSON scalars, `list[X]`,
`dict[str, X]`, other message dataclasses, `X | None`, or raw JSON
(`JSONValue`/`JSONDict`, for what really is arbitrary: outputs, metadata).
`decode(cls, value)` checks every field against its annotation and raises
`InvalidPayload` naming the first bad one (`runtime.kernel.pid must be an
integer`), so a malformed message from a peer is an error, never a crash.
Keys the shape does not know are ignored, or kept in a field named `extra`
(a `JSONDict`) when the class has one, so that a newer peer's additions
survive a round trip. A field with `metadata=OMIT_NONE` is left out of the JSON
while it is None (the wire form omits it rather than sending null).

Adding a field to a message: add it to the dataclass with a default (so that
an older peer's message, which lacks it, still decodes). Nothing else changes.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable, Mapping
from typing import TypeVar, Union, get_args, get_origin

from runt_tui.protocol.errors import InvalidPayload
from runt_tui.protocol.jsontypes import JSONDict, JSONValue

T = TypeVar("T")
K = TypeVar("K")
V = TypeVar("V")

_OMIT_NONE = "omit_none"
_EXTRA = "extra"


# Field metadata: the field is left out of the JSON while it is None,
# e.g. `message: str | None = field(default=None, metadata=OMIT_NONE)`.
OMIT_NONE: Mapping[str, bool] = types.MappingProxyType({_OMIT_NONE: True})


class _RawJSON:
    """Stands for `JSONValue` in a resolved annotation: any JSON, kept as it is."""


class _RawObject:
    """Stands for `JSONDict` in a resolved annotation: any JSON object, kept as it is."""


def _memo(fn: Callable[[K], V]) -> Callable[[K], V]:
    """`fn` computed once per argument (types and shapes: a fixed, small set)."""
    cache: dict[K, V] = {}

    def once(key: K) -> V:
        try:
            return cache[key]
        except KeyError:
            value = cache[key] = fn(key)
            return value

    return once


@_memo
def _hints(cls: type) -> dict[str, object]:
    # The JSON aliases are recursive: resolved as they are, they would unfold
    # into forward references. They are read as the markers above instead.
    return typing.get_type_hints(cls, localns={"JSONValue": _RawJSON, "JSONDict": _RawObject})


Decoder = Callable[[object], object]
Encoder = Callable[[object], JSONValue]


@_memo
def _fields(cls: type) -> tuple[tuple[str, object, bool, bool], ...]:
    """(name, type, omitted when None, has a default) of each field but `extra`."""
    hints = _hints(cls)
    out = []
    for f in dataclasses.fields(cls):
        if f.name == _EXTRA:
            continue
        has_default = f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING
        out.append((f.name, hints[f.name], bool(f.metadata.get(_OMIT_NONE)), has_default))
    return tuple(out)


@_memo
def _has_extra(cls: type) -> bool:
    return any(f.name == _EXTRA for f in dataclasses.fields(cls))


class Payload:
    """A message shape (a dataclass): `to_json()` gives its JSON object."""

    def to_json(self) -> JSONDict:
        """The JSON object sent on the wire."""
        return encode_fields(self)


# ---- encoding ----------------------------------------------------------------


def encode(value: object) -> JSONValue:
    """The JSON form of a message dataclass (or of a list, dict or scalar of them)."""
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, list | tuple):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {str(k): encode(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return encode_fields(value)
    raise TypeError(f"cannot encode {type(value).__name__} as JSON")


def encode_fields(value: object) -> JSONDict:
    """The JSON object of one message dataclass."""
    cls: type = type(value)
    out: JSONDict = {}
    for name, omit_none, enc in _encoders(cls):
        item = getattr(value, name)
        if item is None:
            if not omit_none:
                out[name] = None
            continue
        out[name] = enc(item)
    if _has_extra(cls):
        extra: JSONDict = getattr(value, _EXTRA)
        for key, raw in extra.items():
            out.setdefault(key, raw)
    return out


@_memo
def _encoders(cls: type) -> tuple[tuple[str, bool, Encoder], ...]:
    return tuple((name, omit, _encoder(tp)) for name, tp, omit, _ in _fields(cls))


def _same(value: object) -> JSONValue:
    return typing.cast(JSONValue, value)


def _encoder(tp: object) -> Encoder:
    """How to encode a non-None value of an annotated type (scalars and raw JSON as they are)."""
    if tp in _SCALARS or tp is _RawJSON or tp is _RawObject or tp is type(None):
        return _same
    origin = get_origin(tp)
    if origin is Union or origin is types.UnionType:
        options = [a for a in get_args(tp) if a is not type(None)]
        return _encoder(options[0]) if len(options) == 1 else encode
    if origin is list:
        item = _encoder(get_args(tp)[0])
        return lambda v: [item(x) if x is not None else None for x in typing.cast(list[object], v)]
    if origin is dict:
        value = _encoder(get_args(tp)[1])
        return lambda v: {k: value(x) if x is not None else None for k, x in typing.cast(dict[str, object], v).items()}
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return encode_fields
    return encode


# ---- decoding ----------------------------------------------------------------


def decode(cls: type[T], value: object, where: str = "message") -> T:
    """`value` (parsed JSON) as an instance of the message dataclass `cls`; InvalidPayload if it is not one."""
    try:
        result = _decoder(typing.cast(object, cls))(value)
    except _Bad as e:
        raise InvalidPayload(f"{where}{''.join(reversed(e.path))} {e.problem}") from None
    return typing.cast(T, result)


class _Bad(Exception):
    """A value that does not fit its type; the path is filled in on the way out."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem
        self.path: list[str] = []


_SCALARS: dict[object, tuple[str, tuple[type, ...]]] = {
    str: ("must be a string", (str,)),
    bool: ("must be true or false", (bool,)),
    int: ("must be an integer", (int,)),
    float: ("must be a number", (int, float)),
}


@_memo
def _decoder(tp: object) -> Decoder:
    """A checking decoder for an annotated type, built once per type."""
    if tp is _RawJSON:
        return _same
    if tp is _RawObject:
        return _raw_object
    origin = get_origin(tp)
    if origin is Union or origin is types.UnionType:
        return _union_decoder(get_args(tp))
    if origin is list:
        return _list_decoder(_decoder(get_args(tp)[0]))
    if origin is dict:
        return _dict_decoder(_decoder(get_args(tp)[1]))
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _dataclass_decoder(tp)
    if tp is type(None):
        return _none
    if tp in _SCALARS:
        return _scalar_decoder(tp)
    raise TypeError(f"unsupported field type {tp!r}")


def _raw_object(value: object) -> object:
    if not isinstance(value, dict):
        raise _Bad("must be an object")
    return value


def _none(value: object) -> object:
    if value is not None:
        raise _Bad("must be null")
    return None


def _scalar_decoder(tp: object) -> Decoder:
    problem, accepted = _SCALARS[tp]
    exact_bool = tp is bool

    def check(value: object) -> object:
        if not isinstance(value, accepted) or (not exact_bool and isinstance(value, bool)):
            raise _Bad(problem)
        return float(value) if tp is float and isinstance(value, int) else value

    return check


def _union_decoder(args: tuple[object, ...]) -> Decoder:
    nullable = type(None) in args
    options = [_decoder(a) for a in args if a is not type(None)]

    def check(value: object) -> object:
        if value is None:
            if nullable:
                return None
            raise _Bad("must not be null")
        first: _Bad | None = None
        for option in options:
            try:
                return option(value)
            except _Bad as e:
                first = first or e
        assert first is not None
        raise first

    return check


def _list_decoder(item: Decoder) -> Decoder:
    def check(value: object) -> object:
        if not isinstance(value, list):
            raise _Bad("must be a list")
        out = []
        for i, v in enumerate(value):
            try:
                out.append(item(v))
            except _Bad as e:
                e.path.append(f"[{i}]")
                raise
        return out

    return check


def _dict_decoder(item: Decoder) -> Decoder:
    def check(value: object) -> object:
        if not isinstance(value, dict):
            raise _Bad("must be an object")
        out = {}
        for k, v in value.items():
            try:
                out[str(k)] = item(v)
            except _Bad as e:
                e.path.append(f"[{k!r}]")
                raise
        return out

    return check


def _dataclass_decoder(cls: type) -> Decoder:
    # Resolved on first use, so that a shape may name one defined after it.
    fields: list[tuple[str, Decoder, bool]] = []
    keep_extra = _has_extra(cls)

    def check(value: object) -> object:
        if not isinstance(value, dict):
            raise _Bad("must be an object")
        if not fields:
            fields.extend((name, _decoder(tp), has_default) for name, tp, _, has_default in _fields(cls))
        kwargs: dict[str, object] = {}
        for name, dec, has_default in fields:
            if name in value:
                try:
                    kwargs[name] = dec(value[name])
                except _Bad as e:
                    e.path.append(f".{name}")
                    raise
            elif not has_default:
                bad = _Bad("is missing")
                bad.path.append(f".{name}")
                raise bad
        if keep_extra:
            kwargs[_EXTRA] = {str(k): v for k, v in value.items() if k not in kwargs and k not in _names(cls)}
        return cls(**kwargs)

    return check


@_memo
def _names(cls: type) -> frozenset[str]:
    return frozenset(name for name, *_ in _fields(cls))


__all__ = ["OMIT_NONE", "Payload", "decode", "encode", "encode_fields"]
