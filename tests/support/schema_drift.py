"""The checks that keep a JSON model, its schema and the domain model from drifting apart.

Shared by the inspect, lint and plan report tests: each describes how its JSON model spells
the domain model (a :class:`JsonModel`), asserts with the walkers here, and runs the checks
every shipped schema passes by subclassing :class:`SchemaTests`.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable, Iterator, Mapping
from types import ModuleType
from typing import ClassVar

import jsonschema  # type: ignore[import-untyped]  # no stubs (types-jsonschema)
import pytest

from jettison.render.jsonout import NOTICE_SCHEMA

Json = typing.Any


def _as_is(value: object) -> object:
    return value


@dataclasses.dataclass(frozen=True)
class JsonModel:
    """How one encoder spells the domain model in JSON."""

    encoder: str
    """Where a new field is mapped (named in the failure message)."""
    renamed: Mapping[tuple[type, str], str] = dataclasses.field(default_factory=dict)
    """Domain field -> JSON key, where the JSON model deliberately names a field differently."""
    scalar: Callable[[object], object] = _as_is
    """How a domain scalar is spelled in JSON."""
    pairs_as_objects: bool = False
    """Whether (layer index, bytes) pairs are encoded as objects."""
    flattened: frozenset[tuple[type, str]] = frozenset()
    """Domain fields holding a dataclass whose fields the JSON model writes into the
    parent object itself (``verdict.ok`` as ``ok``)."""
    omitted: frozenset[tuple[type, str]] = frozenset()
    """Domain fields the JSON model deliberately leaves out (say why in the encoder)."""

    def walk(self, obj: object, node: Json, where: str, visited: set[type]) -> None:
        """Every field of ``obj`` (a dataclass) is in ``node`` with the same value, recursively;
        the dataclass types met are added to ``visited``."""
        cls = type(obj)
        visited.add(cls)
        assert isinstance(node, dict), f"{where}: expected a JSON object for {cls.__name__}"
        for name in _field_names(obj):
            if (cls, name) in self.flattened:
                self.walk(getattr(obj, name), node, where, visited)
                continue
            if (cls, name) in self.omitted:
                continue
            key = self.renamed.get((cls, name), name)
            assert key in node, (
                f"{cls.__name__}.{name} is not in the JSON model at {where}; "
                f"map it in {self.encoder} and the schema (and bump SCHEMA_VERSION)"
            )
            self._walk_value(getattr(obj, name), node[key], f"{where}.{key}", visited)

    def _walk_value(self, value: object, node: Json, where: str, visited: set[type]) -> None:
        if _is_record(value):
            self.walk(value, node, where, visited)
        elif self.pairs_as_objects and isinstance(value, tuple) and isinstance(node, dict):
            assert node == {"layer_index": value[0], "size_bytes": value[1]}, where
        elif isinstance(value, tuple):
            assert isinstance(node, list), f"{where}: expected a JSON array"
            assert len(node) == len(value), f"{where}: {len(node)} items, expected {len(value)}"
            for i, (item, item_node) in enumerate(zip(value, node, strict=True)):
                self._walk_value(item, item_node, f"{where}[{i}]", visited)
        else:
            expected = self.scalar(value)
            assert node == expected, f"{where}: JSON has {node!r}, the report {value!r}"

    def check_renames(self, reachable: set[type]) -> None:
        """Every rename names a field of a reachable dataclass."""
        for cls, field in {*self.renamed, *self.flattened, *self.omitted}:
            assert cls in reachable
            assert field in _field_names_of(cls), f"stale rename {field}"


def _is_record(value: object) -> bool:
    """A dataclass instance or a NamedTuple: walked field by field, as a JSON object."""
    if isinstance(value, type):
        return False
    return dataclasses.is_dataclass(value) or (
        isinstance(value, tuple) and hasattr(value, "_fields")
    )


def _field_names(obj: object) -> list[str]:
    if dataclasses.is_dataclass(obj):
        return [f.name for f in dataclasses.fields(obj)]
    return list(obj._fields)  # type: ignore[attr-defined]  # a NamedTuple


def _field_names_of(cls: type) -> list[str]:
    if dataclasses.is_dataclass(cls):
        return [f.name for f in dataclasses.fields(cls)]
    return list(getattr(cls, "_fields", ()))


def _is_record_type(cls: type) -> bool:
    return dataclasses.is_dataclass(cls) or (issubclass(cls, tuple) and hasattr(cls, "_fields"))


def dataclass_types(cls: type, seen: set[type] | None = None) -> set[type]:
    """Every dataclass type reachable from ``cls`` through its fields' annotations."""
    seen = set() if seen is None else seen
    if cls in seen:
        return seen
    seen.add(cls)
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)] if dataclasses.is_dataclass(cls) else []
    for name in names or list(getattr(cls, "_fields", ())):
        for inner in _annotation_types(hints[name]):
            if _is_record_type(inner):
                dataclass_types(inner, seen)
    return seen


def _annotation_types(annotation: object) -> Iterator[type]:
    """The classes named in an annotation: ``tuple[X, ...] | None`` gives tuple, X, NoneType."""
    if isinstance(annotation, type):
        yield annotation
    for arg in typing.get_args(annotation):
        yield from _annotation_types(arg)


def walk_schema(schema: Json, instance: Json, root: Json, where: str, used: set[str]) -> None:
    """``instance`` has exactly the properties ``schema`` declares, recursively (arrays must be
    filled); the ``$defs`` met are added to ``used``."""
    ref = schema.get("$ref")
    if ref is not None:
        name = ref.removeprefix("#/$defs/")
        used.add(name)
        schema = root["$defs"][name]
    for option in schema.get("oneOf", []):
        if instance is not None and "$ref" in option:
            walk_schema(option, instance, root, where, used)
    if instance is None:
        return
    if "properties" in schema:
        assert set(instance) == set(schema["properties"]), (
            f"{where}: produced {sorted(set(instance) - set(schema['properties']))} not in the "
            f"schema; schema declares {sorted(set(schema['properties']) - set(instance))} "
            "not produced"
        )
        for key, sub in schema["properties"].items():
            walk_schema(sub, instance[key], root, f"{where}.{key}", used)
    elif "items" in schema:
        assert instance, f"{where}: the test report must fill this array to check its items"
        for i, item in enumerate(instance):
            walk_schema(schema["items"], item, root, f"{where}[{i}]", used)


def object_schemas(node: Json, where: str = "#") -> Iterator[tuple[str, Json]]:
    """Every object schema in ``node``, with its JSON pointer."""
    if isinstance(node, dict):
        if node.get("type") == "object" or "properties" in node:
            yield where, node
        for key, value in node.items():
            yield from object_schemas(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from object_schemas(value, f"{where}/{i}")


def check_schema_is_valid(schema: Json) -> None:
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


def check_schema_version(schema: Json, version: str, resource: str, file_name: str) -> None:
    """The schema's ``schema_version`` constant and ``$id`` carry the encoder's version."""
    assert schema["properties"]["schema_version"] == {
        "const": version,
        "description": "Version of this schema.",
    }
    assert schema["$id"].endswith(f":{version}")
    assert resource.endswith(file_name)


def check_objects_closed(objects: list[tuple[str, Json]]) -> None:
    """Every object schema forbids other properties and requires all of its own."""
    for where, node in objects:
        assert node.get("additionalProperties") is False, f"{where}: additionalProperties"
        assert sorted(node["required"]) == sorted(node["properties"]), f"{where}: required"


def check_every_def_produced(schema: Json, model: Json) -> None:
    """``model`` matches ``schema`` property for property and uses every ``$defs`` entry."""
    used: set[str] = set()
    walk_schema(schema, model, schema, "$", used)
    assert set(schema["$defs"]) - used == set(), "schema $defs the JSON model never produces"


class SchemaTests:
    """The tests every shipped JSON schema, its encoder and the domain model pass together.

    A test module subclasses this as ``TestSchema``, sets the class attributes and gives
    the ``full_report`` fixture: a report that fills every array of the model (the walks
    need an item to check an array's items). Its own tests (reports that must validate)
    go in the subclass too, where the ``schema`` fixture is.
    """

    encoder: ClassVar[ModuleType]
    """The encoder module: ``SCHEMA_VERSION``, ``SCHEMA_RESOURCE``, ``load_schema()`` and
    ``to_json_model(report)``."""
    model: ClassVar[JsonModel]
    file_name: ClassVar[str]
    """The schema's file name, as the repository ships it."""
    min_objects: ClassVar[int]
    """Object schemas there are at least (a schema that lost its definitions fails)."""
    reports_in: ClassVar[str]
    """Where the test reports are made (named when a type is left unchecked)."""
    not_reported: ClassVar[frozenset[type]] = frozenset()
    """Domain types the JSON model deliberately sums up instead of walking."""

    @pytest.fixture(scope="class")
    @classmethod
    def schema(cls) -> Json:
        """The schema as the package ships it."""
        return cls.encoder.load_schema()

    @pytest.fixture
    def full_report(self) -> object:
        raise NotImplementedError("TestSchema must give the full_report fixture")

    def test_schema_is_valid_draft_2020_12(self, schema: Json) -> None:
        check_schema_is_valid(schema)

    def test_schema_version_matches_the_encoder(self, schema: Json) -> None:
        version, resource = self.encoder.SCHEMA_VERSION, self.encoder.SCHEMA_RESOURCE
        check_schema_version(schema, version, resource, self.file_name)

    def test_every_object_is_closed_and_fully_required(self, schema: Json) -> None:
        objects = list(object_schemas(schema))
        assert len(objects) >= self.min_objects
        check_objects_closed(objects)

    def test_every_domain_field_is_in_the_json_model(self, full_report: object) -> None:
        visited: set[type] = set()
        self.model.walk(full_report, self.encoder.to_json_model(full_report), "$", visited)
        reachable = dataclass_types(type(full_report)) - self.not_reported
        assert reachable - visited == set(), (
            f"the test report leaves these types unchecked; give them a value in {self.reports_in}"
        )
        self.model.check_renames(reachable)

    def test_every_schema_property_is_produced(self, schema: Json, full_report: object) -> None:
        check_every_def_produced(schema, self.encoder.to_json_model(full_report))

    def test_notices_are_encoded_as_everywhere(self, schema: Json) -> None:
        """A report that carries notices declares them with the one shared definition."""
        if "notice" in schema.get("$defs", {}):
            assert schema["$defs"]["notice"] == NOTICE_SCHEMA

    def test_the_drift_check_catches_a_new_field(self) -> None:
        """A field added to the domain model without a JSON mapping must fail the walk."""

        @dataclasses.dataclass(frozen=True)
        class Grown:
            known: int
            new_field_bytes: int

        with pytest.raises(AssertionError, match="new_field_bytes"):
            self.model.walk(Grown(1, 2), {"known": 1}, "$", set())
