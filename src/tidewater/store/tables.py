"""The one schema, for SQLite and PostgreSQL alike; Alembic migrations are generated against it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    true,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, on SQLite (which keeps none) as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime stored")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value

    def result_processor(self, dialect: Any, coltype: Any) -> Any:
        """On SQLite, one parse straight to an aware datetime: a page of members reads hundreds
        of times, and parsing then replacing the zone cost six times as much. Anything the fast
        parse refuses takes the general path, so every stored form reads as before."""
        general = super().result_processor(dialect, coltype)
        if dialect.name != "sqlite" or general is None:
            return general

        def aware(value: str | None) -> datetime | None:
            if value is None:
                return None
            try:
                return datetime.fromisoformat(value + "+00:00")  # stored naive, always UTC
            except (TypeError, ValueError):
                return general(value)

        return aware


Time = UTCDateTime()
Serial = BigInteger().with_variant(Integer, "sqlite")  # SQLite only autoincrements INTEGER

access_keys = Table(
    "access_keys",
    metadata,
    Column("access_key_id", String(128), primary_key=True),
    Column("secret", String(128), nullable=False),
    Column("account", String(32), nullable=False),
    Column("created_at", Time, nullable=False),
)

# Alibaba signature nonces spent within the timestamp window, shared by every node: a replay
# is a second insert of the same digest. Rows past `expires_at` are purged in small batches.
signature_nonces = Table(
    "signature_nonces",
    metadata,
    Column("digest", String(32), primary_key=True),  # blake2b-128 of key id and nonce, hex
    Column("expires_at", Time, nullable=False),
    Index(None, "expires_at"),
)

# Simulated Systems Manager parameters: one row per version; the highest version is current.
ssm_parameters = Table(
    "ssm_parameters",
    metadata,
    Column("account", String(32), primary_key=True),
    Column("region", String(64), primary_key=True),
    Column("name", String(2048), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("type", String(16), nullable=False),
    Column("value", Text, nullable=False),
    Column("tier", String(32), nullable=False),
    Column("data_type", String(128), nullable=False),
    Column("description", Text, nullable=False),
    Column("key_id", String(256)),
    Column("allowed_pattern", Text),
    Column("modified_at", Time, nullable=False),
)

# Simulated Amazon SQS: a queue per account, region and name (a deleted one stays as a tombstone
# for 60 s, so its name is refused meanwhile), and its messages with their visibility times.
sim_sqs_queues = Table(
    "sim_sqs_queues",
    metadata,
    Column("account", String(32), primary_key=True),
    Column("region", String(64), primary_key=True),
    Column("name", String(80), primary_key=True),
    Column("attributes", JSON, nullable=False),  # settable attributes, as strings, by name
    Column("created_at", Time, nullable=False),
    Column("modified_at", Time, nullable=False),
    Column("purged_at", Time),
    Column("deleted_at", Time),
)

sim_sqs_messages = Table(
    "sim_sqs_messages",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("account", String(32), nullable=False),
    Column("region", String(64), nullable=False),
    Column("queue", String(80), nullable=False),
    Column("body", Text, nullable=False),
    Column("attributes", JSON, nullable=False),  # message attributes as sent
    Column("group_id", String(128)),
    Column("sent_at", Time, nullable=False),
    Column("visible_at", Time, nullable=False),
    Column("receive_count", Integer, nullable=False),
    Column("first_received_at", Time),
    Column("receipt", String(36)),  # the newest receipt handle's token; older ones are stale
    Index(None, "account", "region", "queue", "visible_at"),
)

# The simulated CloudWatch: one row per datum as put, in the metric's own unit; the index reads
# exactly one metric's range for a statistics query.
sim_cw_datapoints = Table(
    "sim_cw_datapoints",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account", String(32), nullable=False),
    Column("region", String(64), nullable=False),
    Column("namespace", String(255), nullable=False),
    Column("metric_name", String(255), nullable=False),
    Column("dimensions", Text, nullable=False),  # canonical JSON: [[name, value], ...] sorted
    Column("at", Time, nullable=False),
    Column("unit", String(32), nullable=False),
    Column("sample_count", Float, nullable=False),
    Column("total", Float, nullable=False),
    Column("minimum", Float, nullable=False),
    Column("maximum", Float, nullable=False),
    Column("values", JSON),  # the values with their counts, kept for percentiles
    Column("resolution", Integer, nullable=False),
    Index(
        "ix_sim_cw_datapoints_metric_at",
        "account",
        "region",
        "namespace",
        "metric_name",
        "dimensions",
        "at",
    ),
)

# The simulated cloud: virtual machines of either cloud, with the timers that move their states.
machines = Table(
    "machines",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("account", String(32), nullable=False),
    Column("region", String(32), nullable=False),
    Column("cloud", String(8), nullable=False),
    Column("zone", String(32), nullable=False),
    Column("subnet_id", String(32), nullable=False),
    Column("vpc_id", String(32), nullable=False),
    Column("image_id", String(64), nullable=False),
    Column("instance_type", String(32), nullable=False),
    Column("state", String(16), nullable=False),
    Column("due_at", Time),  # when the simulated cloud next moves this machine's state
    Column("launched_at", Time, nullable=False),
    Column("changed_at", Time, nullable=False),
    Column("unobserved", Boolean, nullable=False, default=False),  # changed since the engine looked
    Column("private_ip", String(16), nullable=False),
    Column("client_token", String(128)),
    Column("launch_template_id", String(32)),
    Column("launch_template_version", String(16)),
    Column("key_name", String(255)),
    Column("security_groups", JSON, nullable=False, default=list),
    Column("attributes", JSON, nullable=False, default=dict),
    UniqueConstraint("account", "region", "client_token"),
    Index(None, "account", "region", "cloud", "state"),
    Index(None, "due_at"),
    Index(None, "unobserved"),
    # the runner's every pass: machines moving between states, terminated ones to forget
    Index(None, "state", "unobserved", "cloud", "changed_at"),
)

# Pending and running machines per account, region and cloud, changed in the same transaction
# as each machine that enters or leaves those states: an instance quota reads one row instead
# of counting the region's machines
sim_machine_counts = Table(
    "sim_machine_counts",
    metadata,
    Column("account", String(32), primary_key=True),
    Column("region", String(32), primary_key=True),
    Column("cloud", String(8), primary_key=True),
    Column("in_use", Integer, nullable=False),
)

machine_tags = Table(
    "machine_tags",
    metadata,
    Column(
        "machine_id", String(32), ForeignKey("machines.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("key", String(128), primary_key=True),
    Column("value", String(256), nullable=False),
    Index(None, "key", "value"),
)

launch_templates = Table(
    "launch_templates",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("account", String(32), nullable=False),
    Column("region", String(32), nullable=False),
    Column("name", String(128), nullable=False),
    Column("default_version", Integer, nullable=False),
    Column("latest_version", Integer, nullable=False),
    Column("created_at", Time, nullable=False),
    Column("created_by", String(255), nullable=False),
    Column("tags", JSON, nullable=False, default=list),
    UniqueConstraint("account", "region", "name"),
)

launch_template_versions = Table(
    "launch_template_versions",
    metadata,
    Column(
        "template_id",
        String(32),
        ForeignKey("launch_templates.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("version", Integer, primary_key=True),
    Column("description", String(255)),
    Column("data", JSON, nullable=False),
    Column("created_at", Time, nullable=False),
)

launch_configurations = Table(
    "launch_configurations",
    metadata,
    Column("account", String(32), primary_key=True),
    Column("region", String(32), primary_key=True),
    Column("name", String(255), primary_key=True),
    Column("arn", String(1600), nullable=False),
    Column("data", JSON, nullable=False),  # the wire fields, as given and described back
    Column(
        "blueprint", JSON, nullable=False
    ),  # what it launches, neutral (domain.launch.Blueprint)
    Column("created_at", Time, nullable=False),
)

groups = Table(
    "groups",
    metadata,
    Column("seq", Serial, primary_key=True, autoincrement=True),
    Column("id", String(40), nullable=False, unique=True),
    Column("account", String(32), nullable=False),
    Column("region", String(32), nullable=False),
    Column("cloud", String(8), nullable=False),
    Column("name", String(255), nullable=False),
    Column("arn", String(1600), nullable=False),
    Column("status", String(32), nullable=False),
    Column("min_size", Integer, nullable=False),
    Column("max_size", Integer, nullable=False),
    Column("desired", Integer, nullable=False),
    Column("default_cooldown", Integer, nullable=False),
    Column("cooldown_until", Time),
    Column("launch", JSON, nullable=False),  # launch configuration or template reference
    Column("zones", JSON, nullable=False),
    Column("subnets", JSON, nullable=False),
    Column("termination_policies", JSON, nullable=False),
    Column("suspended", JSON, nullable=False),
    Column("metrics", JSON, nullable=False),
    Column("new_instances_protected", Boolean, nullable=False),
    Column("health_check_type", String(32), nullable=False),
    Column("health_check_grace", Integer, nullable=False),
    Column("rules", JSON, nullable=False),
    Column("settings", JSON, nullable=False),  # everything stored and reported but not acted on
    Column("targets", JSON, nullable=False, default=list),  # balancers and DB whitelists
    Column("trigger", JSON),  # the last desired-capacity change, quoted in launch causes
    Column("dirty", Boolean, nullable=False, default=False),  # the reconciler must look
    Column("retry_at", Time),  # after a failed launch the reconciler waits until then
    Column("created_at", Time, nullable=False),
    UniqueConstraint("account", "region", "cloud", "name"),
    Index(None, "dirty"),
    Index(None, "account", "region", "cloud", "seq"),  # ESS pages groups oldest first
)

group_tags = Table(
    "group_tags",
    metadata,
    Column("group_id", String(40), ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True),
    Column("key", String(128), primary_key=True),
    Column("value", String(256), nullable=False),
    Column("propagate", Boolean, nullable=False),
)

members = Table(
    "members",
    metadata,
    Column("instance_id", String(32), primary_key=True),
    Column("group_id", String(40), ForeignKey("groups.id", ondelete="CASCADE"), nullable=False),
    # the group's scope, kept with each member so a scope's pages walk its own members only
    Column("account", String(32), nullable=False),
    Column("region", String(32), nullable=False),
    Column("cloud", String(8), nullable=False),
    Column("zone", String(32), nullable=False),
    Column("subnet_id", String(32), nullable=False),
    Column("state", String(32), nullable=False),  # Warmed:Terminating:Proceed is 26
    Column("healthy", Boolean, nullable=False),
    Column("protected", Boolean, nullable=False),
    Column("origin", String(16), nullable=False),
    Column("entrusted", Boolean, nullable=False, default=False),  # ESS manages an attached one
    Column("instance_type", String(32), nullable=False),
    # the capacity units it counts for (its type's WeightedCapacity); empty: one, not shown
    Column("weight", Integer, nullable=True),
    Column("launch", JSON, nullable=False),
    Column("joined_at", Time, nullable=False),
    Index(None, "group_id"),
    Index(None, "account", "region", "cloud", "instance_id"),  # AWS pages by instance id
    Index(None, "account", "region", "cloud", "joined_at", "instance_id"),  # ESS: as they joined
)

activities = Table(
    "activities",
    metadata,
    Column("seq", Serial, primary_key=True, autoincrement=True),
    Column("id", String(40), nullable=False, unique=True),
    Column("account", String(32), nullable=False),
    Column("region", String(32), nullable=False),
    Column("cloud", String(8), nullable=False),
    Column("group_id", String(40), nullable=False),
    Column("group_name", String(255), nullable=False),
    Column("group_arn", String(1600), nullable=False),
    Column("group_deleted", Boolean, nullable=False, default=False),
    Column("kind", String(24), nullable=False),
    Column("parent_id", String(40)),  # ESS: the request's activity this instance's step belongs to
    Column("client_token", String(64)),  # ESS ClientToken: the same request twice, one activity
    Column("instance_id", String(32)),
    Column("zone", String(32)),
    Column("subnet_id", String(32)),
    Column("status", String(40), nullable=False),
    Column("progress", Integer, nullable=False),
    Column("step", String(24), nullable=False),
    Column("due_at", Time),  # null once terminal
    Column("facts", JSON, nullable=False),  # what the dialects render Description and Cause from
    Column("status_message", Text),
    Column("started_at", Time, nullable=False),
    Column("ended_at", Time),
    Column("lease_owner", String(64)),
    Column("lease_until", Time),
    Index(None, "account", "region", "cloud", "group_name", "seq"),
    Index(None, "group_id", "status"),
    Index(None, "due_at"),
    Index(None, "parent_id"),
    Index(None, "lease_owner"),  # a node renews and hands back its leases by its name
    Index(None, "instance_id", "seq"),  # an instance's activities run in order
    UniqueConstraint("account", "region", "cloud", "client_token"),
)

# ESS scaling configurations: a group's launch sources, one of them active.
scaling_configurations = Table(
    "scaling_configurations",
    metadata,
    Column("seq", Serial, primary_key=True, autoincrement=True),
    Column("id", String(40), nullable=False, unique=True),
    Column("group_id", String(40), ForeignKey("groups.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(64), nullable=False),
    Column("image_id", String(128), nullable=False),
    Column("instance_types", JSON, nullable=False),
    Column("data", JSON, nullable=False),  # every other field, stored and reported back
    Column(
        "blueprint", JSON, nullable=False
    ),  # what it launches, neutral (domain.launch.Blueprint)
    Column("created_at", Time, nullable=False),
    Index(None, "group_id"),
)

# ESS scaling rules: stored adjustments a user (or an alarm, later) executes by ARI.
scaling_rules = Table(
    "scaling_rules",
    metadata,
    Column("seq", Serial, primary_key=True, autoincrement=True),
    Column("id", String(40), nullable=False, unique=True),
    Column("ari", String(255), nullable=False, unique=True),
    Column("group_id", String(40), ForeignKey("groups.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(64), nullable=False),
    # domain.scaling_rule.ScalingRule: what the engine acts on (migration 0010)
    Column("kind", String(24), nullable=False),
    Column("change", String(16)),
    Column("value", Integer),
    Column("min_step", Integer),
    Column("cooldown", Integer),
    # migration 0017: what AWS policies and ESS's other rule types act on
    Column("enabled", Boolean, nullable=False, server_default=true()),
    Column("steps", JSON),  # [{"lower", "upper", "adjustment"}]: domain.policy.Step
    Column("warmup", Integer),  # EstimatedInstanceWarmup, seconds
    Column("target", JSON),  # {"value", "disable_scale_in"}: domain.scaling_rule.Target
    Column("alarms", JSON),  # the alarms a target tracking rule owns: [{"name", "arn"}]
    Column("data", JSON, nullable=False),  # the dialect's other settings, stored and reported
    Column("created_at", Time, nullable=False),
    Index(None, "group_id"),
)


# Lifecycle hooks (migration 0011): a hook holds an instance at one transition of its group.
lifecycle_hooks = Table(
    "lifecycle_hooks",
    metadata,
    Column("seq", Serial, primary_key=True, autoincrement=True),
    Column("group_id", String(40), ForeignKey("groups.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(255), nullable=False),
    Column("transition", String(16), nullable=False),  # domain.lifecycle_hook.Transition
    Column("heartbeat", Integer, nullable=False),  # seconds
    Column("default_result", String(16), nullable=False),
    Column("metadata", String(4000)),
    Column("target", String(255)),  # where notifications go (not sent yet)
    Column("role", String(255)),
    Column("created_at", Time, nullable=False),
    Column("hook_id", String(40)),  # ESS's `ash-…` id; AWS has none
    Column("active", Boolean, nullable=False, default=True, server_default=true()),  # ESS status
    UniqueConstraint("group_id", "name"),
    Index(None, "hook_id", unique=True),
)

# One open action per hook and instance held: the wait lives here, not in a timer. `result` is
# set when it is completed or times out; the activity's `wait` step reads the outcome and drops
# its rows when the instance goes on.
lifecycle_actions = Table(
    "lifecycle_actions",
    metadata,
    Column("token", String(40), primary_key=True),
    Column("group_id", String(40), ForeignKey("groups.id", ondelete="CASCADE"), nullable=False),
    Column("hook_name", String(255), nullable=False),
    Column("instance_id", String(32), nullable=False),
    Column("activity_id", String(40), nullable=False),
    Column("transition", String(16), nullable=False),
    Column("heartbeat", Integer, nullable=False),  # the hook's, when the action opened
    Column("default_result", String(16), nullable=False),
    Column("deadline", Time, nullable=False),  # the heartbeat timeout, on the service clock
    Column("global_deadline", Time, nullable=False),  # no heartbeat extends past this
    Column("result", String(16)),  # None while it waits
    Column("timed_out", Boolean, nullable=False, default=False),
    Column("opened_at", Time, nullable=False),
    # ESS: the token the client sees, one for every instance one hook holds in one request
    Column("handle", String(40)),
    Column("beats", Integer, nullable=False, default=0, server_default="0"),  # heartbeats so far
    Index(None, "group_id", "instance_id"),
    Index(None, "handle"),
    Index(None, "activity_id"),
)

# One row per instance refresh, advanced by the runner on the service clock (engine/refresh.py):
# what it aims at (`desired`, a stored launch source, None: the group's own), what the group had
# (`previous`, for a rollback), and how far it has come (`progress`: instances still to replace,
# the activities under way, warm-ups, checkpoints). `due_at` is when the runner looks next.
instance_refreshes = Table(
    "instance_refreshes",
    metadata,
    Column("seq", Serial, primary_key=True, autoincrement=True),
    Column("id", String(40), nullable=False, unique=True),
    Column("group_id", String(40), ForeignKey("groups.id", ondelete="CASCADE"), nullable=False),
    Column("phase", String(24), nullable=False),  # domain.refresh.Phase
    Column("reason", String(1023)),  # why it stands where it stands, in neutral words (JSON)
    Column("strategy", String(24), nullable=False),
    Column("preferences", JSON, nullable=False),
    Column("desired", JSON),
    Column("previous", JSON),
    Column("progress", JSON, nullable=False),
    Column("started_at", Time, nullable=False),
    Column("ended_at", Time),
    Column("due_at", Time),
    Index(None, "group_id", "seq"),
    Index(None, "due_at"),
)

# AWS scheduled actions. `next_at` is the next firing on the service clock; the runner fires a
# due action and moves `next_at` on (or deletes a one-time action) in the group's transaction,
# so a restart neither loses nor repeats a firing (engine/scheduled_actions.py).
scheduled_actions = Table(
    "scheduled_actions",
    metadata,
    Column("seq", Serial, primary_key=True, autoincrement=True),
    Column("id", String(40), nullable=False, unique=True),  # the ARN's uuid
    Column("group_id", String(40), ForeignKey("groups.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(255), nullable=False),
    Column("start_at", Time),
    Column("end_at", Time),
    Column("recurrence", String(255)),
    Column("time_zone", String(255)),
    Column("min_size", Integer),
    Column("max_size", Integer),
    Column("desired", Integer),
    Column("next_at", Time),  # None: nothing left to fire
    Column("created_at", Time, nullable=False),
    # ESS scheduled tasks (0020): the recurrence's kind (domain/schedule.py KINDS), the rule a
    # task runs (else its sizes), and how late (seconds) a firing may still run (None: any)
    Column("kind", String(16), nullable=False, server_default="cron"),
    Column("rule_ari", String(255)),
    Column("description", String(255)),
    Column("enabled", Boolean, nullable=False, server_default=true()),
    Column("expiry", Integer),
    UniqueConstraint("group_id", "name"),
    Index(None, "next_at"),
)

# The simulated SLB and RDS: balancer backends and DB whitelists for ESS groups.
sim_slbs = Table(
    "sim_slbs",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("account", String(32), nullable=False),
    Column("region", String(32), nullable=False),
    Column("name", String(128), nullable=False),
    Column("address_type", String(16), nullable=False),  # internet | intranet
    Column("network_type", String(16), nullable=False),  # vpc | classic
    Column("vpc_id", String(32), nullable=False),  # "" for classic
    Column("vswitch_id", String(32), nullable=False),
    Column("address", String(16), nullable=False),
    Column("master_zone", String(32), nullable=False),
    Column("slave_zone", String(32), nullable=False),
    Column("spec", String(32), nullable=False),
    Column("status", String(16), nullable=False),  # active | inactive
    Column("created_at", Time, nullable=False),
    Index(None, "account", "region", "created_at"),
)


sim_slb_backends = Table(
    "sim_slb_backends",
    metadata,
    Column("lb_id", String(32), ForeignKey("sim_slbs.id", ondelete="CASCADE"), primary_key=True),
    Column("server_id", String(32), primary_key=True),
    Column("weight", Integer, nullable=False),
    Column("port", Integer, nullable=False),
    Column("position", Integer, nullable=False),  # the order in which servers were added
    Index(None, "server_id"),
)


sim_rds_instances = Table(
    "sim_rds_instances",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("account", String(32), nullable=False),
    Column("region", String(32), nullable=False),
    Column("engine", String(16), nullable=False),
    Column("engine_version", String(16), nullable=False),
    Column("instance_class", String(64), nullable=False),
    Column("storage", Integer, nullable=False),
    Column("net_type", String(16), nullable=False),  # Internet | Intranet
    Column("pay_type", String(16), nullable=False),
    Column("description", String(256), nullable=False),
    Column("zone", String(32), nullable=False),
    Column("vpc_id", String(32), nullable=False),
    Column("vswitch_id", String(32), nullable=False),
    Column("status", String(16), nullable=False),  # Creating | Rebooting | Running
    Column("due_at", Time),  # when Creating or Rebooting becomes Running
    Column("created_at", Time, nullable=False),
    Column("client_token", String(64)),
    UniqueConstraint("account", "region", "client_token"),
    Index(None, "account", "region", "created_at"),
)


sim_rds_ips = Table(
    "sim_rds_ips",
    metadata,
    Column(
        "db_id",
        String(32),
        ForeignKey("sim_rds_instances.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("name", String(64), primary_key=True),
    Column("attribute", String(16), nullable=False),  # "" | hidden
    Column("ips", Text, nullable=False),  # comma-separated, in the order they were added
)


# The simulated Classic ELB and ELBv2: balancers, listeners, target groups, targets.
sim_load_balancers = Table(
    "sim_load_balancers",
    metadata,
    Column("arn", String(400), primary_key=True),
    Column("account", String(32), nullable=False),
    Column("region", String(32), nullable=False),
    Column("family", String(8), nullable=False),  # "classic" or "v2": two name spaces
    Column("name", String(32), nullable=False),
    Column("type", String(16), nullable=False),  # classic, application, network
    Column("scheme", String(16), nullable=False),
    Column("dns_name", String(255), nullable=False),
    Column("vpc_id", String(32), nullable=False),
    Column("zones", JSON, nullable=False),
    Column("subnets", JSON, nullable=False),
    Column("security_groups", JSON, nullable=False),
    Column("listeners", JSON, nullable=False),  # Classic listeners; ELBv2 ones have a table
    Column("settings", JSON, nullable=False),  # what an idempotent re-create must repeat
    Column("attributes", JSON, nullable=False),
    Column("created_at", Time, nullable=False),
    UniqueConstraint("account", "region", "family", "name"),
)


sim_listeners = Table(
    "sim_listeners",
    metadata,
    Column("arn", String(400), primary_key=True),
    Column(
        "load_balancer_arn",
        String(400),
        ForeignKey("sim_load_balancers.arn", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("account", String(32), nullable=False),
    Column("region", String(32), nullable=False),
    Column("port", Integer, nullable=False),
    Column("protocol", String(16), nullable=False),
    Column("target_groups", JSON, nullable=False),  # ARNs its default actions forward to
    Column("data", JSON, nullable=False),  # DefaultActions, SslPolicy, Certificates as given
    Column("created_at", Time, nullable=False),
    UniqueConstraint("load_balancer_arn", "port"),
    Index(None, "account", "region"),
)


sim_target_groups = Table(
    "sim_target_groups",
    metadata,
    Column("arn", String(400), primary_key=True),
    Column("account", String(32), nullable=False),
    Column("region", String(32), nullable=False),
    Column("name", String(32), nullable=False),
    Column("protocol", String(16)),
    Column("port", Integer),
    Column("vpc_id", String(32)),
    Column("target_type", String(16), nullable=False),
    Column("health_check", JSON, nullable=False),
    Column("settings", JSON, nullable=False),
    Column("attributes", JSON, nullable=False),
    Column("created_at", Time, nullable=False),
    UniqueConstraint("account", "region", "name"),
)


# One registration of an instance with a Classic load balancer (owner = its ARN, port 0) or a
# target group (owner = its ARN). No foreign key: the owner lives in one of two tables.
sim_targets = Table(
    "sim_targets",
    metadata,
    Column("owner", String(400), primary_key=True),
    Column("instance_id", String(32), primary_key=True),
    Column("port", Integer, primary_key=True),
    Column("account", String(32), nullable=False),
    Column("region", String(32), nullable=False),
    Column("kind", String(16), nullable=False),  # "clb" or "target_group"
    Column("registered_at", Time, nullable=False),
    Column("healthy_at", Time, nullable=False),  # when the initial health checks pass
    Column("draining_until", Time),  # set once deregistered; the row means nothing after it
    Index(None, "account", "region", "instance_id"),
    Index(None, "draining_until"),
)


# The simulated EC2's own networks: what users create beside the computed default VPC.
sim_vpcs = Table(
    "sim_vpcs",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("account", String(32), nullable=False),
    Column("region", String(32), nullable=False),
    Column("cidr", String(18), nullable=False),
    Column("tenancy", String(16), nullable=False),
    Column("attributes", JSON, nullable=False, default=dict),  # EnableDnsSupport, …
    Column("tags", JSON, nullable=False, default=list),
    Column("created_at", Time, nullable=False),
    Index(None, "account", "region"),
)

sim_subnets = Table(
    "sim_subnets",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("account", String(32), nullable=False),
    Column("region", String(32), nullable=False),
    Column("vpc_id", String(32), nullable=False),
    Column("zone", String(32), nullable=False),
    Column("cidr", String(18), nullable=False),
    Column("attributes", JSON, nullable=False, default=dict),  # MapPublicIpOnLaunch, …
    Column("tags", JSON, nullable=False, default=list),
    Column("created_at", Time, nullable=False),
    Index(None, "account", "region", "vpc_id"),
)

sim_security_groups = Table(
    "sim_security_groups",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("account", String(32), nullable=False),
    Column("region", String(32), nullable=False),
    Column("vpc_id", String(32), nullable=False),
    Column("name", String(255), nullable=False),
    Column("description", String(255), nullable=False),
    Column("ingress", JSON, nullable=False, default=list),  # rules: {id, protocol, from, to, …}
    Column("egress", JSON, nullable=False, default=list),
    Column("tags", JSON, nullable=False, default=list),
    Column("created_at", Time, nullable=False),
    UniqueConstraint("account", "region", "vpc_id", "name"),
)

sim_internet_gateways = Table(
    "sim_internet_gateways",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("account", String(32), nullable=False),
    Column("region", String(32), nullable=False),
    Column("vpc_id", String(32)),  # None while detached
    Column("tags", JSON, nullable=False, default=list),
    Column("created_at", Time, nullable=False),
    Index(None, "account", "region"),
)

sim_key_pairs = Table(
    "sim_key_pairs",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("account", String(32), nullable=False),
    Column("region", String(32), nullable=False),
    Column("name", String(255), nullable=False),
    Column("key_type", String(16), nullable=False),
    Column("fingerprint", String(128), nullable=False),
    Column("tags", JSON, nullable=False, default=list),
    Column("created_at", Time, nullable=False),
    UniqueConstraint("account", "region", "name"),
)

sim_images = Table(
    "sim_images",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("account", String(32), nullable=False),
    Column("region", String(32), nullable=False),
    Column("name", String(128), nullable=False),
    Column("description", String(255), nullable=False),
    Column("architecture", String(16), nullable=False),
    Column("platform", String(16), nullable=False),  # Linux/UNIX or Windows
    Column("root_device_name", String(64), nullable=False),
    Column("virtualization_type", String(16), nullable=False),
    Column("block_devices", JSON, nullable=False, default=list),
    Column("source", String(64), nullable=True),  # the instance or image it was made from
    Column("state", String(16), nullable=False),  # available, or deregistered (kept: the id)
    Column("ready_at", Time, nullable=False),  # pending until then
    Column("tags", JSON, nullable=False, default=list),
    Column("created_at", Time, nullable=False),
    Index(None, "account", "region"),
)
# An account's live images have names unique in their region; a deregistered one frees its name.
Index(
    "uq_sim_images_live_name",
    sim_images.c.account,
    sim_images.c.region,
    sim_images.c.name,
    unique=True,
    sqlite_where=sim_images.c.state != "deregistered",
    postgresql_where=sim_images.c.state != "deregistered",
)

# Alibaba Cloud's networks users create (VPC 2016-04-28) and ECS security groups; the default
# VPC and its vSwitches stay computed (cloud/sim/network.py).
sim_aliyun_vpcs = Table(
    "sim_aliyun_vpcs",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("account", String(32), nullable=False),
    Column("region", String(32), nullable=False),
    Column("cidr", String(18), nullable=False),
    Column("name", String(128), nullable=False),
    Column("description", String(256), nullable=False),
    Column("created_at", Time, nullable=False),
    Index(None, "account", "region"),
)

sim_vswitches = Table(
    "sim_vswitches",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("account", String(32), nullable=False),
    Column("region", String(32), nullable=False),
    Column("vpc_id", String(32), nullable=False),
    Column("zone", String(32), nullable=False),
    Column("cidr", String(18), nullable=False),
    Column("name", String(128), nullable=False),
    Column("description", String(256), nullable=False),
    Column("created_at", Time, nullable=False),
    Index(None, "account", "region", "vpc_id"),
)

sim_ecs_security_groups = Table(
    "sim_ecs_security_groups",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("account", String(32), nullable=False),
    Column("region", String(32), nullable=False),
    Column("vpc_id", String(32), nullable=False),
    Column("name", String(128), nullable=False),
    Column("description", String(256), nullable=False),
    Column("rules", JSON, nullable=False, default=list),  # {direction, protocol, ports, source…}
    Column("created_at", Time, nullable=False),
    Index(None, "account", "region"),
)

# The simulated CloudWatch's metric alarms: their configuration as put, their state, and the
# next time the runner evaluates each on the service clock.
sim_cw_alarms = Table(
    "sim_cw_alarms",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("account", String(32), nullable=False),
    Column("region", String(64), nullable=False),
    Column("name", String(255), nullable=False),
    Column("config", JSON, nullable=False),  # PutMetricAlarm's members, as put
    Column("actions_enabled", Boolean, nullable=False),
    Column("state", String(32), nullable=False),
    Column("state_reason", Text, nullable=False),
    Column("state_reason_data", Text),
    Column("state_updated_at", Time, nullable=False),
    Column("config_updated_at", Time, nullable=False),
    Column("next_at", Time, nullable=False),
    Column("owed_state", String(32)),  # a SetAlarmState whose actions have yet to run
    UniqueConstraint("account", "region", "name", name="uq_sim_cw_alarms_name"),
    Index("ix_sim_cw_alarms_next_at", "next_at"),
)

# Each alarm's history (kept after the alarm is deleted, as CloudWatch keeps it).
sim_cw_alarm_history = Table(
    "sim_cw_alarm_history",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("account", String(32), nullable=False),
    Column("region", String(64), nullable=False),
    Column("alarm_name", String(255), nullable=False),
    Column("at", Time, nullable=False),
    Column("item_type", String(32), nullable=False),
    Column("summary", Text, nullable=False),
    Column("data", Text, nullable=False),
    Index("ix_sim_cw_alarm_history_alarm", "account", "region", "alarm_name", "at"),
)

# ESS event-triggered tasks (CreateAlarm): ESS resources of a group, evaluated by the runner on
# the service clock against the metrics store; `next_at` is the next evaluation.
ess_alarms = Table(
    "ess_alarms",
    metadata,
    Column("seq", Serial, primary_key=True, autoincrement=True),
    Column("id", String(128), nullable=False, unique=True),
    Column("group_id", String(40), ForeignKey("groups.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(255), nullable=False),
    Column("spec", JSON, nullable=False),  # the task's settings under ESS's 2022 names
    Column("enabled", Boolean, nullable=False),
    Column("state", String(32), nullable=False),
    Column("next_at", Time, nullable=False),
    Column("created_at", Time, nullable=False),
    Index("ix_ess_alarms_next_at", "next_at"),
    Index("ix_ess_alarms_group", "group_id"),
)

# What a group publishes, minute by minute: its load model (domain/load.py, set through
# /_tidewater/load; None when only AWS/AutoScaling metrics are collected, migration 0022);
# published_at is the last whole minute that went out, next_at when the next one is due.
group_loads = Table(
    "group_loads",
    metadata,
    Column("group_id", String(40), ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True),
    Column("model", JSON),
    Column("published_at", Time),
    Column("next_at", Time),
    Column("updated_at", Time, nullable=False),
    Index(None, "next_at"),
)

# The service clock (migration 0021): one row, so a restart and every node share one time.
service_clock = Table(
    "service_clock",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),  # always 1
    Column("offset_seconds", Float, nullable=False),  # how far ahead of its base time runs
    Column("frozen_at", Time),  # the base of a frozen clock; None: the wall clock is the base
)
