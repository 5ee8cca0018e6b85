"""Loading untrusted YAML safely, keeping the line of every key.

PyYAML's safe loader shares aliased nodes, so an alias bomb costs little memory to load but
explodes when the data is walked.  We compose the node graph ourselves, count every node as it
would be expanded, and stop at ``max_nodes``.  Merge keys (``<<: *base``) are supported because
compose files use them.  Only plain scalars, sequences and mappings are produced: tags that would
construct Python objects are refused by the safe resolver.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from dorgu.errors import LimitExceededError, ParseError
from dorgu.models.patterns import LazyPattern

Path = tuple[str | int, ...]

DEFAULT_MAX_NODES = 200_000
DEFAULT_MAX_DEPTH = 64
DEFAULT_MAX_BYTES = 4 * 1024 * 1024

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class YamlDocument:
    """Plain data plus the 1-based line of every mapping key and sequence item, by path."""

    data: Any
    lines: dict[Path, int] = field(default_factory=dict)
    file: str = "<yaml>"

    def line_of(self, path: Path) -> int | None:
        """The line of ``path``, or of its nearest ancestor that has one."""
        while True:
            if path in self.lines:
                return self.lines[path]
            if not path:
                return None
            path = path[:-1]


class _Builder:
    def __init__(self, *, file: str, max_nodes: int, max_depth: int) -> None:
        self.file = file
        self.max_nodes = max_nodes
        self.max_depth = max_depth
        self.count = 0
        self.lines: dict[Path, int] = {}
        self._scalar = yaml.SafeLoader.construct_scalar
        self._resolver = _Loader("")

    def _tick(self, node: yaml.Node) -> None:
        self.count += 1
        if self.count > self.max_nodes:
            raise LimitExceededError(
                f"{self.file}:{node.start_mark.line + 1}: YAML expands to more than "
                f"{self.max_nodes} nodes (alias bomb or huge document)",
                hint="simplify the file or remove recursive anchors",
            )

    def build(self, node: yaml.Node, path: Path, depth: int, record: bool = True) -> Any:
        self._tick(node)
        if depth > self.max_depth:
            raise LimitExceededError(
                f"{self.file}:{node.start_mark.line + 1}: YAML nested deeper than {self.max_depth} levels"
            )
        if record and path not in self.lines:
            self.lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.ScalarNode):
            return self._construct_scalar(node)
        if isinstance(node, yaml.SequenceNode):
            return [
                self.build(item, (*path, i), depth + 1, record) for i, item in enumerate(node.value)
            ]
        if isinstance(node, yaml.MappingNode):
            return self._build_mapping(node, path, depth, record)
        raise ParseError("unsupported YAML node", file=self.file, line=node.start_mark.line + 1)

    def _construct_scalar(self, node: yaml.ScalarNode) -> Any:
        tag = node.tag
        if not node.style and tag in _IMPLICIT_TAGS:  # plain style: None (py) or "" (libyaml)
            return resolve_plain_scalar(node.value)
        if tag == "tag:yaml.org,2002:str" or tag is None:
            return node.value
        if tag in _SCALAR_TAGS:
            try:
                return self._resolver.construct_object(node, deep=True)
            except (yaml.YAMLError, ValueError, OverflowError):
                return node.value
        if tag.startswith(("!", "tag:yaml.org,2002:")):
            # Unknown or custom tags (e.g. CloudFormation's !Ref): keep the text.
            return node.value
        return node.value

    def _build_mapping(
        self, node: yaml.MappingNode, path: Path, depth: int, record: bool
    ) -> dict[str, Any]:
        result: dict[str, Any] = {}
        merged: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                for source in _merge_sources(value_node, self.file):
                    data = self.build(source, path, depth + 1, record=False)
                    if isinstance(data, dict):
                        for k, v in data.items():
                            merged.setdefault(k, v)
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                raise ParseError(
                    "mapping keys must be plain scalars",
                    file=self.file,
                    line=key_node.start_mark.line + 1,
                )
            self._tick(key_node)
            key = self._construct_scalar(key_node)
            if key is None:
                raise ParseError(
                    "empty (null) mapping key", file=self.file, line=key_node.start_mark.line + 1
                )
            key_text = (
                key
                if isinstance(key, str)
                else str(key).lower()
                if isinstance(key, bool)
                else str(key)
            )
            if key_text in result:
                raise ParseError(
                    f"duplicate key {key_text!r}", file=self.file, line=key_node.start_mark.line + 1
                )
            child = (*path, key_text)
            if record:
                self.lines[child] = key_node.start_mark.line + 1
            result[key_text] = (
                self.build(value_node, child, depth + 1, record=False)
                if not record
                else self._build_child(value_node, child, depth)
            )
        for k, v in merged.items():
            result.setdefault(k, v)
        return result

    def _build_child(self, node: yaml.Node, path: Path, depth: int) -> Any:
        # The key's line is recorded already; record nested paths only.
        self._tick(node)
        if depth + 1 > self.max_depth:
            raise LimitExceededError(
                f"{self.file}:{node.start_mark.line + 1}: YAML nested deeper than {self.max_depth} levels"
            )
        if isinstance(node, yaml.ScalarNode):
            return self._construct_scalar(node)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i), depth + 2) for i, item in enumerate(node.value)]
        if isinstance(node, yaml.MappingNode):
            return self._build_mapping(node, path, depth + 1, True)
        raise ParseError("unsupported YAML node", file=self.file, line=node.start_mark.line + 1)


_IMPLICIT_TAGS = frozenset(
    {
        "tag:yaml.org,2002:str",
        "tag:yaml.org,2002:int",
        "tag:yaml.org,2002:float",
        "tag:yaml.org,2002:bool",
        "tag:yaml.org,2002:null",
        "tag:yaml.org,2002:timestamp",
    }
)
_NULL = LazyPattern(r"^(?:~|null|Null|NULL|)$")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT10 = LazyPattern(r"^[-+]?[0-9]+$")
_INT8 = LazyPattern(r"^0o[0-7]+$")
_INT16 = LazyPattern(r"^0x[0-9a-fA-F]+$")
_FLOAT = LazyPattern(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_INF = LazyPattern(r"^[-+]?\.(?:inf|Inf|INF)$")
_NAN = LazyPattern(r"^\.(?:nan|NaN|NAN)$")


def resolve_plain_scalar(text: str) -> Any:
    """Resolve an unquoted scalar with the YAML 1.2 core schema (what compose and Kubernetes
    use): ``22:22`` stays a string (no base-60), ``yes``/``on`` stay strings, no timestamps."""
    if _NULL.match(text):
        return None
    if text in _BOOL:
        return _BOOL[text]
    if _INT10.match(text):
        return int(text)
    if _INT8.match(text):
        return int(text[2:], 8)
    if _INT16.match(text):
        return int(text[2:], 16)
    if _FLOAT.match(text):
        return float(text)
    if _INF.match(text):
        return float("-inf") if text.startswith("-") else float("inf")
    if _NAN.match(text):
        return float("nan")
    return text


_SCALAR_TAGS = frozenset(
    {
        "tag:yaml.org,2002:int",
        "tag:yaml.org,2002:float",
        "tag:yaml.org,2002:bool",
        "tag:yaml.org,2002:null",
    }
)


def _merge_sources(node: yaml.Node, file: str) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [node]
    if isinstance(node, yaml.SequenceNode) and all(
        isinstance(n, yaml.MappingNode) for n in node.value
    ):
        return list(node.value)
    raise ParseError(
        "merge key '<<' needs a mapping or a list of mappings",
        file=file,
        line=node.start_mark.line + 1,
    )


def load_yaml_documents(
    text: str,
    *,
    file: str,
    max_nodes: int = DEFAULT_MAX_NODES,
    max_depth: int = DEFAULT_MAX_DEPTH,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> list[YamlDocument]:
    """Parse every document in ``text``.  Raises ``ParseError`` or ``LimitExceededError``."""
    if len(text) > max_bytes:
        raise LimitExceededError(f"{file}: YAML file larger than {max_bytes // 1024} KiB")
    documents: list[YamlDocument] = []
    builder = _Builder(file=file, max_nodes=max_nodes, max_depth=max_depth)
    try:
        for node in yaml.compose_all(text, Loader=_Loader):
            if node is None:
                continue
            builder.lines = {}
            data = builder.build(node, (), 0)
            documents.append(YamlDocument(data=data, lines=builder.lines, file=file))
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark is not None else None
        raise ParseError(f"invalid YAML: {e.problem or e.context}", file=file, line=line) from e
    except yaml.YAMLError as e:
        raise ParseError(f"invalid YAML: {e}", file=file) from e
    except RecursionError as e:
        raise LimitExceededError(f"{file}: YAML nested too deeply") from e
    return documents


def load_yaml(text: str, *, file: str, **limits: int) -> YamlDocument:
    """Parse a single-document YAML file; an empty file gives ``data=None``."""
    docs = load_yaml_documents(text, file=file, **limits)
    if len(docs) > 1:
        raise ParseError("expected one YAML document, found several", file=file)
    return docs[0] if docs else YamlDocument(data=None, file=file)
