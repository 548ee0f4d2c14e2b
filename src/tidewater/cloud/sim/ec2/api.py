"""The simulated EC2 service object: every handler family joined for the dialect to map onto."""

from __future__ import annotations

from tidewater.cloud.sim.ec2.attributes import Attributes
from tidewater.cloud.sim.ec2.catalogue import Catalogue
from tidewater.cloud.sim.ec2.images import Images
from tidewater.cloud.sim.ec2.instances import Instances
from tidewater.cloud.sim.ec2.key_pairs import KeyPairs
from tidewater.cloud.sim.ec2.networks import Networks
from tidewater.cloud.sim.ec2.security_groups import SecurityGroups
from tidewater.cloud.sim.ec2.templates import Templates


class SimEc2(
    Instances, Attributes, Templates, Networks, SecurityGroups, KeyPairs, Images, Catalogue
):
    """EC2's instance, tag, template, network, image and geography calls over the sim's tables."""
