"""The API explorer: a form per action from its own definition, the signed call it makes, the raw
exchange, and the same call as each SDK writes it.

AWS forms come from botocore's service models (types, limits, documentation); ESS forms from
our own parameter specs (`dialects/aliyun/ess_api`), sent as API 2014-08-28 with its wire names;
the simulated ECS, SLB and RDS list their actions and take parameters as typed.
"""

from __future__ import annotations

import contextlib
import json
import re
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from tidewater.dialects.aliyun.ess_api.params import Kind, Param
from tidewater.dialects.aliyun.ess_api.specs import SPECS as ESS_SPECS
from tidewater.remote import rpc_signature

# The AWS products served here whose protocol botocore serializes as text (CloudWatch answers
# CBOR, which a page cannot show)
AWS_PRODUCTS = ("autoscaling", "ec2", "elb", "elbv2", "ssm", "sqs")
# the pattern botocore gives every XML string: any character XML allows, nothing to tell a person
XML_TEXT = "[\\u0020-\\uD7FF\\uE000-\\uFFFD\\uD800\\uDC00-\\uDBFF\\uDFFF\\r\\n\\t]*"
SCALARS = frozenset({"string", "integer", "long", "boolean", "double", "float", "timestamp"})


@dataclass(frozen=True, slots=True)
class Field:
    """One form input: its wire name, type, limits and what the definition says of it."""

    name: str
    kind: str  # a scalar type, "list" (one value per line) or "json"
    required: bool = False
    choices: tuple[str, ...] = ()
    limits: str = ""
    doc: str = ""


@dataclass(frozen=True, slots=True)
class AliyunApi:
    """An Alibaba Cloud product as the explorer offers it; `specs` only where we keep them."""

    product: str
    version: str
    actions: tuple[str, ...]
    specs: dict[str, tuple[Param, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Exchange:
    """A call as it went over the wire, and the snippets that make it again."""

    request: str
    response: str
    status: int
    snippets: dict[str, str]


def ess_api(actions: tuple[str, ...]) -> AliyunApi:
    return AliyunApi("Ess", "2014-08-28", actions, dict(ESS_SPECS))


@lru_cache(maxsize=16)
def _model(service: str) -> Any:
    import botocore.session

    return botocore.session.get_session().get_service_model(service)


def aws_actions(service: str) -> list[str]:
    return sorted(_model(service).operation_names)


def _plain(doc: str | None) -> str:
    """botocore's documentation is HTML; the form shows it as text."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", doc or "")).strip()[:400]


def aws_fields(service: str, action: str) -> list[Field]:
    operation = _model(service).operation_model(action)
    shape = operation.input_shape
    if shape is None:
        return []
    required = set(shape.required_members)
    fields: list[Field] = []
    for name, member in shape.members.items():
        meta = member.metadata
        limits = ", ".join(
            f"{k} {meta[k]}"
            for k in ("min", "max", "pattern")
            if meta.get(k) is not None and meta[k] != XML_TEXT
        )
        if member.type_name in SCALARS:
            kind = member.type_name
        elif member.type_name == "list" and member.member.type_name in SCALARS:
            kind = "list"
        else:
            kind = "json"
        fields.append(
            Field(
                name,
                kind,
                name in required,
                tuple(getattr(member, "enum", None) or ()),
                limits,
                _plain(member.documentation),
            )
        )
    return fields


def ess_fields(api: AliyunApi, action: str) -> list[Field]:
    specs = api.specs.get(action)
    if specs is None:
        return [Field("Parameters", "pairs", doc="One Name=value per line, as the wire has it.")]
    fields = []
    for param in specs:
        name = param.old or param.name
        if (
            param.kind is Kind.LIST
            and param.item is not None
            and param.item.kind is not Kind.STRUCT
        ):
            kind = "list"
        elif param.kind in (Kind.LIST, Kind.STRUCT):
            kind = "json"
        else:
            kind = {Kind.INT: "integer", Kind.LONG: "long", Kind.FLOAT: "double"}.get(
                param.kind, "boolean" if param.kind is Kind.BOOL else "string"
            )
        bounds = [f"{k} {v:g}" for k, v in (("min", param.lo), ("max", param.hi)) if v is not None]
        if param.max_items:
            bounds.append(f"at most {param.max_items} items")
        fields.append(
            Field(
                name,
                kind,
                param.required,
                tuple(sorted(param.choices or ())),
                ", ".join(bounds),
                "A JSON document." if param.json else "",
            )
        )
    return fields


# -- values from the form --------------------------------------------------------------------


def values(fields: list[Field], form: dict[str, str]) -> dict[str, Any]:
    """The parameters a filled form names, typed as each field says; empty inputs are left out.

    Values that do not read as their type are passed on as typed, so the service refuses them
    as it would any client's.
    """
    found: dict[str, Any] = {}
    for f in fields:
        raw = (form.get(f.name) or "").strip()
        if not raw:
            continue
        if f.kind == "pairs":
            for line in raw.splitlines():
                name, _, value = line.partition("=")
                if name.strip():
                    found[name.strip()] = value.strip()
        elif f.kind == "list":
            found[f.name] = [line.strip() for line in raw.splitlines() if line.strip()]
        elif f.kind == "json":
            try:
                found[f.name] = json.loads(raw)
            except ValueError:
                found[f.name] = raw
        elif f.kind in ("integer", "long"):
            found[f.name] = int(raw) if re.fullmatch(r"-?\d+", raw) else raw
        elif f.kind in ("double", "float"):
            try:
                found[f.name] = float(raw)
            except ValueError:
                found[f.name] = raw
        elif f.kind == "boolean":
            found[f.name] = raw.lower() == "true" if raw.lower() in ("true", "false") else raw
        else:
            found[f.name] = raw
    return found


# -- sending ---------------------------------------------------------------------------------


def send_aws(
    endpoint: str,
    region: str,
    key: str,
    secret: str,
    service: str,
    action: str,
    params: dict[str, Any],
) -> Exchange:
    """Serialize with botocore, sign with SigV4 as the SDKs do, send, and keep both sides."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import create_request_object, prepare_request_dict
    from botocore.credentials import Credentials
    from botocore.serialize import create_serializer

    model = _model(service)
    operation = model.operation_model(action)
    serialized = create_serializer(model.metadata["protocol"]).serialize_to_request(
        params, operation
    )
    prepare_request_dict(serialized, endpoint_url=endpoint)
    request = create_request_object(serialized)
    SigV4Auth(Credentials(key, secret), model.signing_name, region).add_auth(request)
    prepared = request.prepare()
    body = prepared.body or b""
    if isinstance(body, str):
        body = body.encode()
    status, answer = _send(prepared.method, prepared.url, dict(prepared.headers), body)
    return Exchange(
        _raw_request(prepared.method, prepared.url, dict(prepared.headers), body),
        answer,
        status,
        aws_snippets(endpoint, region, service, action, params),
    )


def send_aliyun(
    endpoint: str,
    region: str,
    key: str,
    secret: str,
    api: AliyunApi,
    action: str,
    params: dict[str, Any],
) -> Exchange:
    """Sign with the RPC signature (HMAC-SHA1) as aliyun-python-sdk-core does, and send."""
    query = {
        "Action": action,
        "Version": api.version,
        "Format": "JSON",
        "RegionId": region,
        "AccessKeyId": key,
        "SignatureMethod": "HMAC-SHA1",
        "SignatureVersion": "1.0",
        "SignatureNonce": uuid.uuid4().hex,
        "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        **flat(params),
    }
    query["Signature"] = rpc_signature("GET", query, secret)
    address = endpoint.rstrip("/") + "/?" + urllib.parse.urlencode(query)
    status, answer = _send("GET", address, {"Accept": "application/json"}, b"")
    return Exchange(
        _raw_request("GET", address, {"Accept": "application/json"}, b""),
        answer,
        status,
        aliyun_snippets(endpoint, region, api, action, params),
    )


def flat(params: dict[str, Any]) -> dict[str, str]:
    """RPC wire form: lists as Name.N, objects and lists of objects as JSON text."""
    out: dict[str, str] = {}
    for name, value in params.items():
        if isinstance(value, list) and all(not isinstance(v, dict | list) for v in value):
            out.update({f"{name}.{n}": _text(v) for n, v in enumerate(value, start=1)})
        elif isinstance(value, dict | list):
            out[name] = json.dumps(value, separators=(",", ":"))
        else:
            out[name] = _text(value)
    return out


def _text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _send(method: str, url: str, headers: dict[str, str], body: bytes) -> tuple[int, str]:
    call = urllib.request.Request(url, data=body or None, method=method, headers=headers)
    try:
        with urllib.request.urlopen(call, timeout=60) as answer:
            return answer.status, _raw_response(
                answer.status, answer.reason, answer.headers, answer.read()
            )
    except urllib.error.HTTPError as refused:
        return refused.code, _raw_response(
            refused.code, refused.reason, refused.headers, refused.read()
        )


def _raw_request(method: str, url: str, headers: dict[str, str], body: bytes) -> str:
    parts = urllib.parse.urlsplit(url)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    lines = [f"{method} {target} HTTP/1.1", f"Host: {parts.netloc}"]
    lines += [f"{k}: {v}" for k, v in headers.items() if k.lower() != "host"]
    return "\n".join(lines) + "\n\n" + body.decode("utf-8", "replace")


def _raw_response(status: int, reason: str, headers: Any, body: bytes) -> str:
    lines = [f"HTTP/1.1 {status} {reason}"] + [f"{k}: {v}" for k, v in headers.items()]
    text = body.decode("utf-8", "replace")
    with contextlib.suppress(ValueError):
        text = json.dumps(json.loads(text), indent=2)
    return "\n".join(lines) + "\n\n" + text


# -- snippets --------------------------------------------------------------------------------


def aws_snippets(
    endpoint: str, region: str, service: str, action: str, params: dict[str, Any]
) -> dict[str, str]:
    from botocore import xform_name

    method = xform_name(action)
    args = "".join(f"\n    {k}={v!r}," for k, v in params.items())
    boto3 = (
        "import boto3\n\n"
        f'client = boto3.client("{service}", region_name="{region}", endpoint_url="{endpoint}")\n'
        f"answer = client.{method}({args}\n)\nprint(answer)\n"
    )
    cli = [
        f"aws {service} {xform_name(action, '-')}",
        f"--endpoint-url {endpoint}",
        f"--region {region}",
    ]
    for name, value in params.items():
        flag = "--" + xform_name(name, "-")
        if value is True:
            cli.append(flag)
        elif value is False:
            cli.append("--no-" + flag[2:])
        elif isinstance(value, list) and all(not isinstance(v, dict | list) for v in value):
            cli.append(flag + " " + " ".join(_shell(str(v)) for v in value))
        elif isinstance(value, dict | list):
            cli.append(f"{flag} {_shell(json.dumps(value))}")
        else:
            cli.append(f"{flag} {_shell(str(value))}")
    return {"boto3": boto3, "aws CLI": " \\\n  ".join(cli)}


def aliyun_snippets(
    endpoint: str, region: str, api: AliyunApi, action: str, params: dict[str, Any]
) -> dict[str, str]:
    host = urllib.parse.urlsplit(endpoint).netloc
    pairs = "".join(f"request.add_query_param({k!r}, {v!r})\n" for k, v in flat(params).items())
    legacy = (
        "from aliyunsdkcore.client import AcsClient\n"
        "from aliyunsdkcore.request import CommonRequest\n\n"
        f'client = AcsClient("<AccessKeyId>", "<AccessKeySecret>", "{region}")\n'
        "request = CommonRequest()\n"
        f'request.set_domain("{host}")\nrequest.set_protocol_type("http")\n'
        f'request.set_version("{api.version}")\nrequest.set_action_name("{action}")\n'
        f"{pairs}print(client.do_action_with_exception(request))\n"
    )
    snippets = {"aliyun-python-sdk-core": legacy}
    if api.product == "Ess" and action in api.specs:
        modern_names = {p.old or p.name: p.name for p in api.specs[action]}
        args = "".join(f"\n    {snake(modern_names.get(k, k))}={v!r}," for k, v in params.items())
        snippets["alibabacloud-ess20220222"] = (
            "from alibabacloud_ess20220222.client import Client\n"
            "from alibabacloud_ess20220222 import models\n"
            "from alibabacloud_tea_openapi.models import Config\n\n"
            'client = Client(Config(access_key_id="<AccessKeyId>", '
            f'access_key_secret="<AccessKeySecret>",\n    endpoint="{host}", protocol="http", '
            f'region_id="{region}"))\n'
            f"request = models.{action}Request(\n    region_id={region!r},{args}\n)\n"
            f"print(client.{snake(action)}(request).body)\n"
        )
    return snippets


def snake(name: str) -> str:
    """A 2022 name as the generated SDK spells it: DBInstanceIds -> db_instance_ids."""
    return re.sub(
        r"([a-z0-9])([A-Z])", r"\1_\2", re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    ).lower()


def _shell(text: str) -> str:
    return text if re.fullmatch(r"[\w@%+=:,./-]+", text) else "'" + text.replace("'", "'\\''") + "'"
