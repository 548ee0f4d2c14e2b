"""EC2's key pairs: created or imported ones are rows, so a launch naming a missing one is refused
as EC2 and Auto Scaling refuse it. The sim keeps no private key: CreateKeyPair answers material of
the right shape that opens nothing."""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
from typing import Any

from sqlalchemy import Connection, Row, delete, select

from tidewater.cloud.sim.ec2.faults import Ec2Fault, invalid
from tidewater.cloud.sim.ec2.filters import KEY_PAIR_FILTERS
from tidewater.cloud.sim.ec2.network_state import (
    Choice,
    Listing,
    NetworkState,
    new_id,
    tags_for,
)
from tidewater.cloud.sim.ec2.params import Params, action
from tidewater.cloud.sim.ec2.render import key_pair_out
from tidewater.cloud.sim.kit import dryrun
from tidewater.cloud.sim.kit.rows import add, owned
from tidewater.domain.scope import Scope
from tidewater.store.tables import sim_key_pairs

Output = dict[str, Any]
KEY_TYPES = ("rsa", "ed25519")
OPENSSH_TYPES = {"ssh-rsa": "rsa", "ssh-ed25519": "ed25519"}


def _no_such_name(names: list[str]) -> Ec2Fault:
    return Ec2Fault("InvalidKeyPair.NotFound", f"The key pair '{names[0]}' does not exist")


def _no_such_id(ids: list[str]) -> Ec2Fault:
    return Ec2Fault("InvalidKeyPair.NotFound", f"The key pair ID '{ids[0]}' does not exist")


# DescribeKeyPairs takes no MaxResults: every key pair in one answer.
KEYS = Listing(
    "KeyPairs",
    KEY_PAIR_FILTERS,
    (Choice("KeyNames", "KeyName", _no_such_name), Choice("KeyPairIds", "KeyPairId", _no_such_id)),
    most=None,
)


def colons(digest: bytes) -> str:
    return ":".join(f"{b:02x}" for b in digest)


class KeyPairs(NetworkState):
    """CreateKeyPair, ImportKeyPair, DeleteKeyPair and DescribeKeyPairs."""

    @action
    def create_key_pair(self, scope: Scope, params: Params) -> Output:
        key_type = str(params.get("KeyType") or "rsa")
        if key_type not in KEY_TYPES:
            raise invalid(f"Value ({key_type}) for parameter keyType is invalid.")  # inferred
        body = base64.encodebytes(secrets.token_bytes(1190)).decode().replace("\n", "")
        lines = [body[i : i + 64] for i in range(0, len(body), 64)]
        label = "RSA PRIVATE KEY" if key_type == "rsa" else "OPENSSH PRIVATE KEY"
        material = "\n".join([f"-----BEGIN {label}-----", *lines, f"-----END {label}-----"])
        fingerprint = colons(hashlib.sha1(material.encode()).digest())
        row = self._keep(scope, params, key_type, fingerprint)
        return {**_created(row), "KeyMaterial": material}

    @action
    def import_key_pair(self, scope: Scope, params: Params) -> Output:
        material = params.get("PublicKeyMaterial") or b""
        text = material.decode("utf-8", "replace") if isinstance(material, bytes) else material
        parts = text.split()
        key_type = OPENSSH_TYPES.get(parts[0]) if parts else None
        try:
            blob = base64.b64decode(parts[1], validate=True) if len(parts) > 1 else b""
        except (binascii.Error, ValueError):
            blob = b""
        if key_type is None or not blob:
            raise Ec2Fault("InvalidKey.Format", "Key is not in valid OpenSSH public key format")
        row = self._keep(scope, params, key_type, colons(hashlib.md5(blob).digest()))
        return _created(row)

    def _keep(self, scope: Scope, params: Params, key_type: str, fingerprint: str) -> Row[Any]:
        name = str(params["KeyName"])
        if not name or len(name) > 255:
            raise invalid(f"Value ({name}) for parameter keyName is invalid.")  # inferred wording
        tags = tags_for(params.get("TagSpecifications"), "key-pair")
        with self.db.write() as conn:
            if self._key(conn, scope, name) is not None:
                raise Ec2Fault("InvalidKeyPair.Duplicate", f"The keypair '{name}' already exists.")
            dryrun.aws(params)
            return add(
                conn,
                sim_key_pairs,
                scope,
                id=new_id("key"),
                name=name,
                key_type=key_type,
                fingerprint=fingerprint,
                tags=tags,
                created_at=self.clock.now(),
            )

    @staticmethod
    def _key(conn: Connection, scope: Scope, name: str) -> Row[Any] | None:
        query = select(sim_key_pairs).where(
            *owned(sim_key_pairs, scope), sim_key_pairs.c.name == name
        )
        return conn.execute(query).first()

    @action
    def delete_key_pair(self, scope: Scope, params: Params) -> Output:
        """EC2 answers success for a key pair that is already gone."""
        name, key_id = params.get("KeyName"), params.get("KeyPairId")
        if not name and not key_id:
            raise Ec2Fault(
                "MissingParameter", "The request must contain the parameter KeyName or KeyPairId"
            )
        dryrun.aws(params)
        condition = sim_key_pairs.c.id == key_id if key_id else sim_key_pairs.c.name == name
        with self.db.write() as conn:
            row = conn.execute(
                select(sim_key_pairs).where(*owned(sim_key_pairs, scope), condition)
            ).first()
            if row is not None:
                conn.execute(delete(sim_key_pairs).where(sim_key_pairs.c.id == row.id))
        out: Output = {"Return": True}
        return {**out, "KeyPairId": row.id} if row is not None else out

    @action
    def describe_key_pairs(self, scope: Scope, params: Params) -> Output:
        with self.db.read() as conn:
            rows = self._owned_rows(conn, sim_key_pairs, scope)
        keys = sorted((key_pair_out(r) for r in rows), key=lambda k: str(k["KeyName"]))  # inferred
        return KEYS.answer(keys, params)


def _created(row: Row[Any]) -> Output:
    """What CreateKeyPair and ImportKeyPair answer: the listing's members less type and time."""
    out = key_pair_out(row)
    return {k: v for k, v in out.items() if k not in ("KeyType", "CreateTime")}
