"""Parameters in botocore's member names (Parameter, ParameterMetadata)."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

from tidewater.domain.scope import Scope


def arn(scope: Scope, name: str, *, public: bool = False) -> str:
    account = "" if public else scope.account  # public parameters carry no account (inferred)
    path = name if name.startswith("/") else "/" + name
    return f"arn:aws:ssm:{scope.region}:{account}:parameter{path}"


def shown_value(row: Any, decrypt: bool) -> str:
    """A SecureString leaves the store only decrypted when asked; otherwise as opaque text."""
    if row.type != "SecureString" or decrypt:
        return str(row.value)
    # inferred: AWS returns KMS ciphertext; the sim returns an opaque base64 blob in its place
    return base64.b64encode(f"{row.key_id}:{row.version}:{row.value}".encode()).decode()


def parameter(
    scope: Scope, row: Any, *, decrypt: bool, selector: str | None = None, public: bool = False
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "Name": row.name,
        "Type": row.type,
        "Value": shown_value(row, decrypt),
        "Version": row.version,
        "LastModifiedDate": row.modified_at,
        "ARN": arn(scope, row.name, public=public),
        "DataType": row.data_type,
    }
    if selector is not None:
        out["Selector"] = selector
    return out


def metadata(scope: Scope, row: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "Name": row.name,
        "ARN": arn(scope, row.name),
        "Type": row.type,
        "LastModifiedDate": row.modified_at,
        "LastModifiedUser": f"arn:aws:iam::{scope.account}:root",  # inferred: no users here
        "Version": row.version,
        "Tier": row.tier,
        "Policies": [],
        "DataType": row.data_type,
    }
    if row.key_id:
        out["KeyId"] = row.key_id
    if row.description:
        out["Description"] = row.description
    if row.allowed_pattern:
        out["AllowedPattern"] = row.allowed_pattern
    return out


def when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
