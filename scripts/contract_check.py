"""Checks Contracts/openapi.yaml as an integrator reads it (issue 28), offline once its tools are installed:

- it is a valid OpenAPI 3.1 document (openapi-spec-validator);
- every operation declares the 4xx answers its shape implies: 401 and 403 unless public, 404 with a path parameter, 422 with
  a body, 409 for a change; each refers to a shared response whose problem type is listed in the schema ProblemType;
- every JSON request body, and every JSON answer of a read (GET 200), has an example valid against its schema;
- path parameters are shared (components.parameters), never written inline; every tag has a description; info has a
  licence and a contact.

Exit 0 when every check passes. Usage: contract_check.py [Contracts/openapi.yaml]
"""
import json
import subprocess
import sys


def ensure(module, package):
    try:
        __import__(module)
    except ImportError:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--root-user-action=ignore", package], check=True)


ensure("yaml", "PyYAML")
ensure("jsonschema", "jsonschema")
ensure("openapi_spec_validator", "openapi-spec-validator")
import yaml  # noqa: E402
import referencing  # noqa: E402
import referencing.jsonschema  # noqa: E402
from jsonschema import Draft202012Validator  # noqa: E402
from openapi_spec_validator import validate  # noqa: E402

METHODS = ("get", "post", "put", "delete", "patch")


def main(path):
    spec = yaml.safe_load(open(path))
    problems = []
    try:
        validate(spec)
    except Exception as error:  # the validator's own error names the place
        problems.append(f"not a valid OpenAPI document: {str(error)[:400]}")
    components = spec.get("components", {})
    shared = components.get("parameters", {})
    answers = components.get("responses", {})
    registry = referencing.Registry().with_resource(
        "urn:spokes", referencing.Resource.from_contents({"components": components}, default_specification=referencing.jsonschema.DRAFT202012))
    operations = 0
    for route, item in spec["paths"].items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            operations += 1
            name = operation.get("operationId", f"{method} {route}")
            parameters = [p for p in item.get("parameters", []) + operation.get("parameters", [])]
            inline = [p["name"] for p in parameters if "$ref" not in p and p.get("in") == "path"]
            if inline:
                problems.append(f"{name}: path parameters written inline, not shared: {inline}")
            for p in parameters:
                if "$ref" in p and p["$ref"].split("/")[-1] not in shared:
                    problems.append(f"{name}: {p['$ref']} is not among components.parameters")
            declared = {str(code) for code in operation.get("responses", {})}
            wanted = set()
            if operation.get("security") != []:
                wanted |= {"401", "403"}
            if "{" in route:
                wanted.add("404")
            if "requestBody" in operation:
                wanted.add("422")
            if method != "get" and name != "createToken":
                wanted.add("409")
            if wanted - declared:
                problems.append(f"{name}: does not declare {sorted(wanted - declared)}")
            for code, answer in operation.get("responses", {}).items():
                if str(code).startswith("4") and "$ref" in answer and answer["$ref"].split("/")[-1] not in answers:
                    problems.append(f"{name}: {code} refers to {answer['$ref']}, which is not among components.responses")
            answer = operation.get("responses", {}).get("200", operation.get("responses", {}).get(200, {}))
            for what, content in (("body", operation.get("requestBody", {}).get("content", {}).get("application/json")),
                                  ("answer", answer.get("content", {}).get("application/json") if method == "get" and "$ref" not in answer else None)):
                if content is None:
                    continue
                examples = [content["example"]] if "example" in content else [e.get("value") for e in content.get("examples", {}).values()]
                if not examples:
                    problems.append(f"{name}: its JSON {what} has no example")
                schema = json.loads(json.dumps(content.get("schema", {})).replace('"#/components', '"urn:spokes#/components'))
                for example in examples:
                    errors = list(Draft202012Validator(schema, registry=registry).iter_errors(example))
                    if errors:
                        problems.append(f"{name}: the example of its {what} is not valid: {[(list(e.absolute_path), e.message[:120]) for e in errors[:3]]}")
    for tag in spec.get("tags", []):
        if not tag.get("description"):
            problems.append(f"tag {tag.get('name')} has no description")
    info = spec.get("info", {})
    if not info.get("license") or not info.get("contact"):
        problems.append("info has no licence or no contact")
    if problems:
        print(f"{path}: {len(problems)} problems\n  - " + "\n  - ".join(problems))
        return 1
    print(f"{path}: {operations} operations, each with its 4xx answers; every JSON body and read's answer with a valid example; parameters shared")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "Contracts/openapi.yaml"))
