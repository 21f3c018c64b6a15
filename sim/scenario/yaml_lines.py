"""Safe YAML reading that remembers the line of every value, for error messages.

Only plain data is built (mappings, lists, strings, numbers, booleans, null, dates): the safe loader
never runs anything named in the file. Sexagesimal numbers (YAML 1.1 reads `12:30` as 750) are turned
off so that times of day stay strings.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

__all__ = ["LineMap", "load_with_lines"]


class LineMap(dict[tuple[Any, ...], int]):
    """Field path -> line number; `bare_flow_keys` holds the paths of keys written without a value inside
    a flow mapping (`{name: Lima, Peru, lat: 1}` reads `Peru` as a key of its own: a comma that was
    meant to be part of an unquoted value)."""

    def __init__(self) -> None:
        super().__init__()
        self.bare_flow_keys: set[tuple[Any, ...]] = set()


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """SafeLoader without YAML 1.1's base-60 numbers; its parser in C (libyaml, which PyYAML's wheels
    include) where available: the same nodes with the same line marks, several times faster."""


_Loader.yaml_implicit_resolvers = {
    first: [
        (tag, rx) for tag, rx in resolvers if tag not in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_INT = re.compile(r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$", re.X)
_FLOAT = re.compile(
    r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)|[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+)$",
    re.X,
)
_Loader.add_implicit_resolver("tag:yaml.org,2002:int", _INT, list("-+0123456789"))
_Loader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT, list("-+0123456789."))


_PLAIN = {
    f"tag:yaml.org,2002:{t}" for t in ("map", "seq", "str", "int", "float", "bool", "null", "timestamp")
}
_STR = "tag:yaml.org,2002:str"
_SCALARS = {f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "timestamp")}
_MAX_VALUES = 1_000_000  # far beyond any scenario; stops aliases expanding without end


class DuplicateKey(yaml.YAMLError):
    """A mapping names the same key twice (YAML would silently keep the last)."""

    def __init__(self, key: object, line: int) -> None:
        self.key, self.line = key, line
        super().__init__(f"duplicate key {key!r}")


def _scalar(node: yaml.Node, loader: _Loader) -> Any:
    """The value of a node: a plain scalar straight from its tag's constructor (what `construct_object`
    calls too, without its bookkeeping for nodes that can contain themselves), anything else as PyYAML
    builds it."""
    if type(node) is yaml.ScalarNode:
        if node.tag == _STR:  # most of a scenario: names, keys, times of day
            return node.value
        if node.tag in _SCALARS:
            return loader.yaml_constructors[node.tag](loader, node)
    return loader.construct_object(node, deep=True)


def _key(key_node: yaml.Node, loader: _Loader) -> Any:
    key = _scalar(key_node, loader)
    if isinstance(key, list | dict):
        raise yaml.constructor.ConstructorError(
            None, None, "a mapping key must be a plain value", key_node.start_mark
        )
    return key


def _check_keys(root: yaml.Node, loader: _Loader) -> None:
    """Refuse a key written twice in one mapping; keys merged in by `<<` may be overridden."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:  # an alias: checked already (and it may contain itself)
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            keys = set()
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = _key(key_node, loader)
                if key in keys:
                    raise DuplicateKey(key, key_node.start_mark.line + 1)
                keys.add(key)
            stack.extend(value for _, value in reversed(node.value))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(reversed(node.value))


def _build(node: yaml.Node, loader: _Loader, path: tuple[Any, ...], lines: LineMap) -> Any:
    lines[path] = node.start_mark.line + 1
    if node.tag not in _PLAIN:  # `!!python/object:...` and the like: refused, never constructed
        refused = f"tag {node.tag!r} is not allowed: a scenario is plain data"
        raise yaml.constructor.ConstructorError(None, None, refused, node.start_mark)
    if len(lines) > _MAX_VALUES:
        raise yaml.constructor.ConstructorError(
            None, None, f"more than {_MAX_VALUES:,} values (aliases expanding?)", node.start_mark
        )
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)  # `<<: *base` merges come first, so the file's own keys win
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _key(key_node, loader)
            out[key] = _build(value_node, loader, (*path, key), lines)
            if node.flow_style and _bare(value_node):
                lines.bare_flow_keys.add((*path, key))
            # Point a field's errors at its key's line: that is where a reader looks.
            lines[(*path, key)] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(n, loader, (*path, i), lines) for i, n in enumerate(node.value)]
    return _scalar(node, loader)


def _bare(node: yaml.Node) -> bool:
    """A value that the file does not spell at all (a flow-mapping key with no `: value`)."""
    return (
        isinstance(node, yaml.ScalarNode)
        and node.tag == "tag:yaml.org,2002:null"
        and node.value == ""
        and node.start_mark.index == node.end_mark.index
    )


def load_with_lines(text: str) -> tuple[Any, LineMap]:
    """Parse one YAML document into plain data and a map from field path to line number."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, LineMap()
        _check_keys(node, loader)
        lines = LineMap()
        return _build(node, loader, (), lines), lines
    finally:
        loader.dispose()
