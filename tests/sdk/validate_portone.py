"""Validates PortOne V2 answers against PortOne's published OpenAPI document.

    python validate_portone.py <v2.openapi.json> <answers.jsonl>

Each line of answers.jsonl is one answer the fake gave: {"method", "path", "status", "body"}.
The answer's operation is found by method and path template, its schema by the HTTP status (an
undocumented status is a failure), and the body is validated with `jsonschema`. The document is
OpenAPI 3.0, whose `oneOf` + `discriminator` unions overlap (a PAID payment also satisfies the
READY schema, every error variant requires only `type`), so each such union is rewritten to
dispatch on its discriminator's mapping: the value must be a mapped one, and the body must
satisfy that one schema. `date-time` is checked as RFC 3339 with an offset. Prints a line per
failure and a tally; exits 1 on any failure or when there was nothing to validate.
"""
import datetime
import json
import re
import sys
from collections import Counter

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7


def dispatching(node):
    """The document with every discriminated oneOf rewritten to dispatch on its mapping."""
    if isinstance(node, list):
        return [dispatching(x) for x in node]
    if not isinstance(node, dict):
        return node
    node = {k: dispatching(v) for k, v in node.items()}
    disc = node.get("discriminator")
    if disc and "oneOf" in node:
        prop, mapping = disc["propertyName"], disc.get("mapping", {})
        if not mapping:  # implicit mapping: the schema names
            mapping = {ref["$ref"].rsplit("/", 1)[-1]: ref["$ref"] for ref in node["oneOf"]}
        del node["oneOf"]
        del node["discriminator"]
        node["required"] = sorted(set(node.get("required", [])) | {prop})
        node.setdefault("properties", {})[prop] = {"enum": sorted(mapping)}
        node["allOf"] = node.get("allOf", []) + [
            {"if": {"properties": {prop: {"const": value}}}, "then": {"$ref": ref}} for value, ref in mapping.items()
        ]
    return node


RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
formats = jsonschema.FormatChecker()


@formats.checks("date-time")
def is_date_time(value):
    if not isinstance(value, str):
        return True
    if not RFC3339.match(value):
        return False
    datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


def operations(doc):
    """(method, compiled path regex, template, operation) for every operation."""
    found = []
    for template, item in doc["paths"].items():
        pattern = re.compile("^" + re.sub(r"\{[^/]+\}", "[^/]+", template) + "$")
        for method, op in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                found.append((method.upper(), pattern, template, op))
    # Literal paths before templated ones (`/payments/x/cancel` never reads as `/payments/{id}`).
    found.sort(key=lambda f: f[2].count("{"))
    return found


def main(doc_path, answers_path):
    doc = dispatching(json.load(open(doc_path)))
    resource = Resource(contents=doc, specification=DRAFT7)
    registry = Registry().with_resource("urn:portone", resource)
    ops = operations(doc)
    tally, failures = Counter(), 0
    for n, line in enumerate(open(answers_path), 1):
        answer = json.loads(line)
        path = answer["path"].split("?")[0]
        match = next((o for o in ops if o[0] == answer["method"] and o[1].match(path)), None)
        where = f"answer {n}: {answer['method']} {path} -> {answer['status']}"
        if match is None:
            print(f"FAIL {where}: no such operation in the document")
            failures += 1
            continue
        op = match[3]
        response = op["responses"].get(str(answer["status"])) or op["responses"].get("default")
        if response is None:
            print(f"FAIL {where}: status {answer['status']} is not documented for {op['operationId']}")
            failures += 1
            continue
        schema = response.get("content", {}).get("application/json", {}).get("schema")
        try:
            body = json.loads(answer["body"])
        except ValueError:
            print(f"FAIL {where}: the body is not JSON: {answer['body'][:120]!r}")
            failures += 1
            continue
        if schema is not None:
            validator = jsonschema.Draft7Validator(
                {"$ref": "urn:portone" + schema["$ref"]} if "$ref" in schema else schema,
                registry=registry,
                format_checker=formats,
            )
            errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
            if errors:
                failures += 1
                for e in errors[:5]:
                    at = "/" + "/".join(str(p) for p in e.absolute_path)
                    print(f"FAIL {where}: at {at}: {e.message[:300]}")
                continue
        tally[f"{op['operationId']} {answer['status']}"] += 1
    for key, count in sorted(tally.items()):
        print(f"VALID {key} x{count}")
    print(f"TOTAL {sum(tally.values())} valid, {failures} invalid")
    return 1 if failures or not tally else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
