"""Parameter Store operations: put, get (by name, names, path), delete, describe."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import Connection, delete, func, select

from tidewater.cloud.sim.kit import paging
from tidewater.cloud.sim.kit.rows import owned, owner_columns
from tidewater.cloud.sim.kit.service import SimService
from tidewater.cloud.sim.ssm import names, render
from tidewater.cloud.sim.ssm.faults import (
    SsmFault,
    already_exists,
    bad_name,
    bad_token,
    not_found,
    validation,
    version_not_found,
)
from tidewater.cloud.sim.ssm.public import CREATED, PUBLIC
from tidewater.domain.scope import Scope
from tidewater.store.tables import ssm_parameters as table

Params = Mapping[str, Any]

MAX_VERSIONS: Final = 100  # documented: Parameter Store keeps the 100 most recent versions
VALUE_LIMITS: Final = {"Standard": 4096, "Advanced": 8192}  # documented: 4 KB and 8 KB
DATA_TYPES: Final = frozenset({"text", "aws:ec2:image"})  # what the sim validates
AMI_FORMAT: Final = re.compile(r"ami-[0-9a-f]{8}(?:[0-9a-f]{9})?")
DEFAULT_KEY: Final = "alias/aws/ssm"


@dataclass(frozen=True, slots=True)
class Version:
    """One version of a parameter, from the table or from the public catalogue."""

    name: str
    type: str
    value: str
    version: int
    tier: str
    data_type: str
    description: str
    key_id: str | None
    allowed_pattern: str | None
    modified_at: datetime


def _public(name: str) -> Version | None:
    image = PUBLIC.get(name)
    if image is None:
        return None
    created = render.when(CREATED[name])
    return Version(name, "String", image, 1, "Standard", "text", "", None, None, created)


def _version(row: Any) -> Version:
    return Version(
        row.name,
        row.type,
        row.value,
        row.version,
        row.tier,
        row.data_type,
        row.description,
        row.key_id,
        row.allowed_pattern,
        row.modified_at,
    )


class SimSsm(SimService):
    """The Parameter Store of each account and region, with AWS's public image parameters."""

    # -- reading -----------------------------------------------------------------------------

    def _latest(self, conn: Connection, scope: Scope, name: str) -> Version | None:
        row = conn.execute(
            select(table)
            .where(*owned(table, scope), table.c.name == name)
            .order_by(table.c.version.desc())
            .limit(1)
        ).first()
        return _version(row) if row is not None else _public(name)

    def _selected(self, conn: Connection, scope: Scope, text: str) -> tuple[Version, str | None]:
        """The version a name or `name:version` selects; SSM's refusal when there is none."""
        name, number, label = names.split_selector(text)
        name = names.checked(name)
        latest = self._latest(conn, scope, name)
        if latest is None:
            raise not_found()
        if label is not None:
            # inferred: labels are not kept, so no label can name a version
            raise SsmFault(
                "ParameterVersionLabelNotFound",
                f"Systems Manager could not find label {label} of {name}. "
                "Verify the label and try again.",
            )
        if number is None:
            return latest, None
        if number == latest.version:
            return latest, f":{number}"
        row = conn.execute(
            select(table).where(
                *owned(table, scope), table.c.name == name, table.c.version == number
            )
        ).first()
        if row is None:
            raise version_not_found(number, name)
        return _version(row), f":{number}"

    def _all_latest(self, conn: Connection, scope: Scope) -> list[Version]:
        newest = (
            select(table.c.name, func.max(table.c.version).label("version"))
            .where(*owned(table, scope))
            .group_by(table.c.name)
            .subquery()
        )
        rows = conn.execute(
            select(table)
            .join(
                newest,
                (table.c.name == newest.c.name) & (table.c.version == newest.c.version),
            )
            .where(*owned(table, scope))
        )
        return [_version(row) for row in rows]

    def get_parameter(self, scope: Scope, params: Params) -> dict[str, Any]:
        with self.db.read() as conn:
            found, selector = self._selected(conn, scope, params["Name"])
        return {
            "Parameter": render.parameter(
                scope,
                found,
                decrypt=bool(params.get("WithDecryption")),
                selector=selector,
                public=found.name in PUBLIC,
            )
        }

    def get_parameters(self, scope: Scope, params: Params) -> dict[str, Any]:
        found: list[dict[str, Any]] = []
        invalid: list[str] = []
        decrypt = bool(params.get("WithDecryption"))
        with self.db.read() as conn:
            for text in dict.fromkeys(params["Names"]):
                try:
                    version, selector = self._selected(conn, scope, text)
                except SsmFault as fault:
                    if fault.code == "ValidationException" or fault.code.startswith("Hierarchy"):
                        raise
                    invalid.append(text)
                    continue
                found.append(
                    render.parameter(
                        scope,
                        version,
                        decrypt=decrypt,
                        selector=selector,
                        public=version.name in PUBLIC,
                    )
                )
        return {"Parameters": found, "InvalidParameters": invalid}

    def get_parameters_by_path(self, scope: Scope, params: Params) -> dict[str, Any]:
        path = names.checked(params["Path"])
        if not path.startswith("/"):
            # inferred: a path outside any hierarchy is refused like a malformed name
            raise bad_name()
        root = path.rstrip("/") or "/"
        recursive = bool(params.get("Recursive"))
        filters = params.get("ParameterFilters") or []
        for item in filters:
            if item["Key"] not in ("Type", "KeyId", "Label"):
                # documented: only Type, KeyId and Label filter GetParametersByPath
                raise SsmFault(
                    "InvalidFilterKey",
                    f"The following filter key is not valid: {item['Key']}. Valid filter keys "
                    "include: [Type, KeyId, Label].",
                )
        with self.db.read() as conn:
            versions = self._all_latest(conn, scope)
        if root.startswith("/aws"):
            # public parameters show only under their own tree (inferred), not under "/"
            versions += [v for name in PUBLIC if (v := _public(name)) is not None]

        def under(name: str) -> bool:
            if recursive:
                prefix = "/" if root == "/" else root + "/"
                return name.startswith(prefix) or (root == "/" and "/" not in name)
            return names.parent(name) == root and (name.startswith("/") or root == "/")

        chosen = sorted(
            (v for v in versions if under(v.name) and _matches(v, filters)),
            key=lambda v: v.name,
        )
        page, token = _page("ssm-path", chosen, params.get("MaxResults") or 10, params)
        decrypt = bool(params.get("WithDecryption"))
        out: dict[str, Any] = {
            "Parameters": [
                render.parameter(scope, v, decrypt=decrypt, public=v.name in PUBLIC) for v in page
            ]
        }
        if token:
            out["NextToken"] = token
        return out

    def describe_parameters(self, scope: Scope, params: Params) -> dict[str, Any]:
        filters = [*(params.get("ParameterFilters") or [])]
        for item in params.get("Filters") or []:
            filters.append({"Key": item["Key"], "Option": "Equals", "Values": item["Values"]})
        for item in filters:
            if item["Key"] not in ("Name", "Type", "KeyId", "Path", "Tier", "DataType"):
                raise SsmFault(
                    "InvalidFilterKey",
                    f"The following filter key is not valid: {item['Key']}. Valid filter keys "
                    "include: [Path, Name, Type, KeyId, Tier, DataType].",
                )
        with self.db.read() as conn:
            versions = sorted(self._all_latest(conn, scope), key=lambda v: v.name)
        chosen = [v for v in versions if _matches(v, filters)]
        page, token = _page("ssm-describe", chosen, params.get("MaxResults") or 50, params)
        out: dict[str, Any] = {"Parameters": [render.metadata(scope, v) for v in page]}
        if token:
            out["NextToken"] = token
        return out

    # -- writing -----------------------------------------------------------------------------

    def put_parameter(self, scope: Scope, params: Params) -> dict[str, Any]:
        name = names.writable(params["Name"])
        value = params["Value"]
        if not value:
            raise validation(
                "1 validation error detected: Value at 'value' failed to satisfy constraint: "
                "Member must have length greater than or equal to 1"
            )
        data_type = params.get("DataType") or "text"
        if data_type not in DATA_TYPES:
            # inferred wording; the sim validates only these two data types
            raise validation(
                f"The following data type is not supported: {data_type} "
                "(Data type names are all lowercase.)"
            )
        now = self.clock.now()
        with self.db.write() as conn:
            latest = self._latest(conn, scope, name)
            if latest is not None and not params.get("Overwrite"):
                raise already_exists()
            kind = params.get("Type") or (latest.type if latest else None)
            if kind is None:
                raise validation("A parameter type is required when you create a parameter.")
            if data_type == "aws:ec2:image":
                image = (
                    self.compute.image(scope, value, conn) if AMI_FORMAT.fullmatch(value) else None
                )
                _check_image(kind, value, image is not None and image.state != "deregistered")
            tier = _tier(params.get("Tier"), latest, value)
            pattern = params.get("AllowedPattern")
            if pattern is None and latest is not None:
                pattern = latest.allowed_pattern
            if pattern and not _fits(pattern, value):
                # inferred wording; the code is the model's
                raise SsmFault(
                    "ParameterPatternMismatchException",
                    f"Parameter value, cannot be validated against allowedPattern: {pattern}",
                )
            key_id = params.get("KeyId") or (latest.key_id if latest else None)
            if kind == "SecureString":
                key_id = key_id or DEFAULT_KEY
            elif params.get("KeyId"):
                # inferred wording
                raise validation("KeyId is required for SecureString type parameter only.")
            else:
                key_id = None
            description = params.get("Description")
            if description is None:
                description = latest.description if latest else ""
            version = (latest.version if latest else 0) + 1
            conn.execute(
                table.insert().values(
                    **owner_columns(scope),
                    name=name,
                    version=version,
                    type=kind,
                    value=value,
                    tier=tier,
                    data_type=data_type,
                    description=description,
                    key_id=key_id,
                    allowed_pattern=pattern,
                    modified_at=now,
                )
            )
            conn.execute(
                delete(table).where(
                    *owned(table, scope),
                    table.c.name == name,
                    table.c.version <= version - MAX_VERSIONS,
                )
            )
        return {"Version": version, "Tier": tier}

    def delete_parameter(self, scope: Scope, params: Params) -> dict[str, Any]:
        name = names.checked(params["Name"])
        with self.db.write() as conn:
            gone = conn.execute(delete(table).where(*owned(table, scope), table.c.name == name))
        if not gone.rowcount:
            raise not_found()
        return {}

    def delete_parameters(self, scope: Scope, params: Params) -> dict[str, Any]:
        deleted: list[str] = []
        invalid: list[str] = []
        with self.db.write() as conn:
            for name in dict.fromkeys(params["Names"]):
                gone = conn.execute(delete(table).where(*owned(table, scope), table.c.name == name))
                (deleted if gone.rowcount else invalid).append(name)
        return {"DeletedParameters": deleted, "InvalidParameters": invalid}

    # -- for EC2 launches ----------------------------------------------------------------------

    def resolve_image(self, scope: Scope, reference: str) -> str | None:
        """The image a `resolve:ssm:<name>[:<version>]` ImageId names at launch, or None."""
        text = reference.removeprefix("resolve:ssm:")
        try:
            with self.db.read() as conn:
                found, _ = self._selected(conn, scope, text)
        except SsmFault:
            return None
        return found.value


def _tier(asked: str | None, latest: Version | None, value: str) -> str:
    tier = asked or (latest.tier if latest else "Standard")
    if tier == "Intelligent-Tiering":
        tier = "Advanced" if len(value) > VALUE_LIMITS["Standard"] else "Standard"
    if latest is not None and latest.tier == "Advanced" and tier == "Standard":
        # documented: an advanced parameter cannot go back to standard; wording inferred
        raise validation(
            "This parameter uses the advanced-parameter tier. You can't downgrade a parameter "
            "from the advanced-parameter tier to the standard-parameter tier. If necessary, you "
            "can delete the advanced parameter and recreate it as a standard parameter."
        )
    if len(value) > VALUE_LIMITS[tier]:
        # inferred wording after the documented 4 KB standard limit
        raise validation(
            "Standard tier parameters support a maximum parameter value of 4096 characters. To "
            "create a larger parameter value, upgrade the parameter to use the advanced-parameter "
            "tier. For more information, see https://docs.aws.amazon.com/systems-manager/latest/"
            "userguide/parameter-store-advanced-parameters.html"
            if tier == "Standard"
            else "Advanced tier parameters support a maximum parameter value of 8192 characters."
        )
    return tier


def _check_image(kind: str, value: str, exists: bool) -> None:
    """Documented: an aws:ec2:image value is an AMI id of the right format that exists."""
    if kind != "String":
        # inferred wording
        raise validation("The aws:ec2:image data type is supported only for String parameters.")
    if not AMI_FORMAT.fullmatch(value):
        raise validation(f"Invalid formatted AMI ID: {value}.")  # inferred wording
    if not exists:
        # AWS validates availability after answering; the sim refuses at once (inferred text)
        raise validation(f"The image id '{value}' does not exist.")


def _fits(pattern: str, value: str) -> bool:
    try:
        return re.fullmatch(pattern, value) is not None
    except re.error:
        return False


def _matches(version: Version, filters: list[Mapping[str, Any]]) -> bool:
    for item in filters:
        key, option = item["Key"], item.get("Option") or "Equals"
        values = list(item.get("Values") or [])
        if key == "Path":
            root = values[0].rstrip("/") if values else "/"
            root = root or "/"
            if option == "Recursive":
                if not version.name.startswith(root if root == "/" else root + "/"):
                    return False
            elif names.parent(version.name) != root:
                return False
            continue
        field = {
            "Name": version.name,
            "Type": version.type,
            "KeyId": version.key_id or "",
            "Tier": version.tier,
            "DataType": version.data_type,
            "Label": None,
        }[key]
        if field is None:
            return False
        if option == "BeginsWith":
            if not any(field.startswith(v) for v in values):
                return False
        elif option == "Contains":
            if not any(v in field for v in values):
                return False
        elif field not in values:
            return False
    return True


def _page(
    kind: str, items: list[Version], limit: int, params: Params
) -> tuple[list[Version], str | None]:
    """Keyset pages by name; a token of another listing, or not ours, is InvalidNextToken."""
    token = params.get("NextToken")
    if token:
        after = paging.decode(kind, token, [str], bad_token)[0]
        items = [v for v in items if v.name > after]
    if len(items) <= limit:
        return items, None
    page = items[:limit]
    return page, paging.encode(kind, [page[-1].name])
