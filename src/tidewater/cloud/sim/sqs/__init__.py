"""The simulated Amazon SQS (2012-11-05) over the sim's own tables.

Every operation takes the parsed input dict of its botocore operation (JSON member names) and
returns its output dict; refusals are `SqsFault`s carrying the Query protocol's code and text,
which the AWS dialect wraps in either protocol's envelope.
"""

from tidewater.cloud.sim.sqs.faults import SqsFault
from tidewater.cloud.sim.sqs.messages import SimSqs
from tidewater.cloud.sim.sqs.queues import ENDPOINT

__all__ = ["ENDPOINT", "SimSqs", "SqsFault"]
