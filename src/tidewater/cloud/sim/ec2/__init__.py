"""The simulated EC2 API (2016-11-15) over the sim's own tables, in botocore's member names.

Every operation takes the parsed input dict of its botocore operation and returns its output dict;
refusals are `Ec2Fault`s carrying EC2's own code and message, which the AWS dialect only wraps.
"""

from tidewater.cloud.sim.ec2.api import SimEc2
from tidewater.cloud.sim.ec2.faults import Ec2Fault

__all__ = ["Ec2Fault", "SimEc2"]
