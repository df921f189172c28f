"""The OpenAPI 3.1 reference of the HTTP API, built from the routes, request shapes and wire."""

from queue_server.web.openapi.document import CONTRACT, OPERATIONS, document, render
from queue_server.web.openapi.errors import ERRORS
from queue_server.web.openapi.operations import Op
from queue_server.web.openapi.schema import Json, kind_schema, shape_names, shape_schema
from queue_server.web.openapi_routes import PATH

__all__ = [
    "CONTRACT",
    "ERRORS",
    "OPERATIONS",
    "PATH",
    "Json",
    "Op",
    "document",
    "kind_schema",
    "render",
    "shape_names",
    "shape_schema",
]
