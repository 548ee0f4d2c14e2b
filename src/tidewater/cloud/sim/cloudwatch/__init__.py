"""The simulated Amazon CloudWatch (2010-08-01): metrics put, kept and read back on the service
clock. Every operation takes the parsed input dict of its botocore operation and returns its
output dict; refusals are `CloudWatchFault`s the AWS dialect only wraps."""

from tidewater.cloud.sim.cloudwatch.faults import CloudWatchFault
from tidewater.cloud.sim.cloudwatch.metrics import SimCloudWatch

__all__ = ["CloudWatchFault", "SimCloudWatch"]
