"""The JSON Schema vocabulary of the document, and the schemas of the request bodies."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from queue_server.web import requests as rq

Json = dict[str, Any]

# The small builders below keep their leading underscore, though the package's other modules
# use them: bare, `object`, `map` and `nullable` would shadow builtins and `_string`'s keyword.


def _ref(name: str) -> Json:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: Json) -> Json:
    if "$ref" in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    out = dict(schema)
    out["type"] = [schema["type"], "null"]
    if "enum" in out:
        out["enum"] = [*out["enum"], None]
    return out


def _string(*, nullable: bool = False, **more: Any) -> Json:
    schema: Json = {"type": "string", **more}
    return _nullable(schema) if nullable else schema


def _when(*, nullable: bool = False) -> Json:
    return _string(format="date-time", nullable=nullable)


def _enum(values: Iterable[str]) -> Json:
    return {"type": "string", "enum": [str(v) for v in values]}


def _array(items: Json) -> Json:
    return {"type": "array", "items": items}


def _map(values: Json) -> Json:
    return {"type": "object", "additionalProperties": values}


def _object(
    properties: Mapping[str, Json],
    *,
    contract: Iterable[str] | None = None,
    optional: Iterable[str] = (),
    description: str | None = None,
) -> Json:
    """An answer object; fields outside `contract` are marked as hallq extensions."""
    props = dict(properties)
    if contract is not None:
        agreed = set(contract)
        props = {k: v if k in agreed else {**v, "x-extension": True} for k, v in props.items()}
    schema: Json = {"type": "object"}
    if description:
        schema["description"] = description
    schema["required"] = [k for k in props if k not in set(optional)]
    schema["properties"] = props
    return schema


# -- request bodies, from the Shapes of requests.py -------------------------------------------


def kind_schema(kind: rq.Kind) -> Json:
    """The JSON Schema of one field kind, with the limits `Shape.parse` enforces."""
    if isinstance(kind, rq.Integer):
        return {"type": "integer", "minimum": kind.minimum, "maximum": kind.maximum}
    if isinstance(kind, rq.TextList):
        return {"type": "array", "maxItems": kind.max_items, "items": kind_schema(kind.item)}
    if isinstance(kind, rq.Nested):
        return shape_schema(kind.shape)
    if isinstance(kind, rq.Boolean):
        return {"type": "boolean"}
    if kind.choices:
        return {"type": "string", "enum": list(kind.choices)}
    schema: Json = {"type": "string", "minLength": kind.min_length, "maxLength": kind.max_length}
    # Shape.parse matches the whole value, and refuses NUL characters in any text.
    schema["pattern"] = f"^(?:{kind.pattern})$" if kind.pattern else "^[^\\u0000]*$"
    return schema


def shape_schema(shape: rq.Shape) -> Json:
    """A body shape: its required fields, its optional ones (null means absent), nothing else."""
    properties = {name: kind_schema(kind) for name, kind in shape.required.items()}
    properties.update({name: _nullable(kind_schema(kind)) for name, kind in shape.optional.items()})
    schema: Json = {"type": "object"}
    if shape.required:
        schema["required"] = list(shape.required)
    schema["properties"] = properties
    schema["additionalProperties"] = False
    return schema


def shape_names() -> dict[str, str]:
    """Component name of every body shape requests.py declares, e.g. NO_SHOW -> NoShowBody."""
    return {
        name: "".join(part.title() for part in name.split("_")) + "Body"
        for name, value in vars(rq).items()
        if isinstance(value, rq.Shape) and name.isupper()
    }


def shape_ref(shape: rq.Shape) -> str:
    for name, component in shape_names().items():
        if getattr(rq, name) is shape:
            return f"#/components/schemas/{component}"
    raise ValueError(f"not a named shape of requests.py: {shape}")
