"""The simulated Systems Manager Parameter Store (2014-11-06) over the sim's own table.

Every operation takes the parsed input dict of its botocore operation and returns its output dict;
refusals are `SsmFault`s carrying SSM's own code and message, which the AWS dialect only wraps.
"""

from tidewater.cloud.sim.ssm.api import SimSsm
from tidewater.cloud.sim.ssm.faults import SsmFault

__all__ = ["SimSsm", "SsmFault"]
