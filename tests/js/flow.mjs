// The flow test code runs, written with the AWS SDK for JavaScript v3 as users write it. Nothing
// in it knows about Tidewater: the endpoint comes from AWS_ENDPOINT_URL (or the per-service
// AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL_AUTO_SCALING, AWS_ENDPOINT_URL_SSM), the region from
// AWS_REGION and the credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, all read by the
// SDK itself. Each step prints one JSON line; the last is {"done": true, ...}.
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateLaunchTemplateCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DeleteLaunchTemplateCommand,
  DeleteSecurityGroupCommand,
  DeleteSubnetCommand,
  DeleteVpcCommand,
  DescribeInstancesCommand,
  DescribeVpcsCommand,
  EC2Client,
  RunInstancesCommand,
  TerminateInstancesCommand,
  waitUntilInstanceRunning,
  waitUntilInstanceTerminated,
  waitUntilSubnetAvailable,
  waitUntilVpcAvailable,
} from "@aws-sdk/client-ec2";
import {
  AttachInstancesCommand,
  AutoScalingClient,
  CreateAutoScalingGroupCommand,
  DeleteAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeScalingActivitiesCommand,
  DetachInstancesCommand,
  waitUntilGroupInService,
  waitUntilGroupNotExists,
} from "@aws-sdk/client-auto-scaling";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";

const region = process.env.AWS_REGION;
const ec2 = new EC2Client({ region });
const autoscaling = new AutoScalingClient({ region });
const ssm = new SSMClient({ region });
const wait = { maxWaitTime: 120, minDelay: 1, maxDelay: 2 };
const zones = [`${region}a`, `${region}b`];
const name = process.env.FLOW_GROUP_NAME ?? "web";

const step = (what, detail = {}) => console.log(JSON.stringify({ step: what, ...detail }));
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function group() {
  const found = await autoscaling.send(
    new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }),
  );
  return found.AutoScalingGroups[0];
}

async function inService() {
  await waitUntilGroupInService({ client: autoscaling, ...wait }, { AutoScalingGroupNames: [name] });
  for (;;) {
    const now = await group();
    const states = now.Instances.map((i) => i.LifecycleState);
    if (states.length === now.DesiredCapacity && states.every((s) => s === "InService")) {
      return now;
    }
    await pause(250);
  }
}

async function activitiesDone() {
  for (;;) {
    const { Activities } = await autoscaling.send(
      new DescribeScalingActivitiesCommand({ AutoScalingGroupName: name }),
    );
    if (Activities.every((a) => ["Successful", "Failed", "Cancelled"].includes(a.StatusCode))) {
      return Activities;
    }
    await pause(250);
  }
}

const { Vpc } = await ec2.send(new CreateVpcCommand({ CidrBlock: "10.2.0.0/16" }));
await waitUntilVpcAvailable({ client: ec2, ...wait }, { VpcIds: [Vpc.VpcId] });
const subnets = [];
for (const [index, zone] of zones.entries()) {
  const { Subnet } = await ec2.send(
    new CreateSubnetCommand({
      VpcId: Vpc.VpcId,
      CidrBlock: `10.2.${index + 1}.0/24`,
      AvailabilityZone: zone,
    }),
  );
  subnets.push(Subnet.SubnetId);
}
await waitUntilSubnetAvailable({ client: ec2, ...wait }, { SubnetIds: subnets });
step("network", { vpc: Vpc.VpcId, subnets });

const { GroupId } = await ec2.send(
  new CreateSecurityGroupCommand({ GroupName: "web", Description: "web", VpcId: Vpc.VpcId }),
);
await ec2.send(
  new AuthorizeSecurityGroupIngressCommand({
    GroupId,
    IpPermissions: [
      { IpProtocol: "tcp", FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: "0.0.0.0/0" }] },
    ],
  }),
);

const { Parameter } = await ssm.send(
  new GetParameterCommand({
    Name: "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
  }),
);
const image = Parameter.Value;
const { LaunchTemplate } = await ec2.send(
  new CreateLaunchTemplateCommand({
    LaunchTemplateName: name,
    LaunchTemplateData: { ImageId: image, InstanceType: "t3.micro", SecurityGroupIds: [GroupId] },
  }),
);
step("template", { image, template: LaunchTemplate.LaunchTemplateId });

await autoscaling.send(
  new CreateAutoScalingGroupCommand({
    AutoScalingGroupName: name,
    LaunchTemplate: { LaunchTemplateId: LaunchTemplate.LaunchTemplateId, Version: "$Latest" },
    MinSize: 1,
    MaxSize: 4,
    DesiredCapacity: 2,
    VPCZoneIdentifier: subnets.join(","),
  }),
);
const members = (await inService()).Instances.map((i) => i.InstanceId);
const described = await ec2.send(new DescribeInstancesCommand({ InstanceIds: members }));
const placed = described.Reservations.flatMap((r) => r.Instances).map((i) => i.SubnetId);
step("group", { members, subnets: [...new Set(placed)].sort() });

const run = await ec2.send(
  new RunInstancesCommand({
    ImageId: image,
    InstanceType: "t3.micro",
    MinCount: 1,
    MaxCount: 1,
    SubnetId: subnets[0],
    SecurityGroupIds: [GroupId],
  }),
);
const extra = run.Instances[0].InstanceId;
await waitUntilInstanceRunning({ client: ec2, ...wait }, { InstanceIds: [extra] });
await autoscaling.send(new AttachInstancesCommand({ AutoScalingGroupName: name, InstanceIds: [extra] }));
const attached = await inService();
step("attached", { extra, desired: attached.DesiredCapacity });

await autoscaling.send(
  new DetachInstancesCommand({
    AutoScalingGroupName: name,
    InstanceIds: [extra],
    ShouldDecrementDesiredCapacity: true,
  }),
);
await autoscaling.send(
  new DetachInstancesCommand({
    AutoScalingGroupName: name,
    InstanceIds: [members[0]],
    ShouldDecrementDesiredCapacity: false,
  }),
);
const activities = await activitiesDone();
const after = await inService();
step("detached", {
  desired: after.DesiredCapacity,
  members: after.Instances.map((i) => i.InstanceId).sort(),
  activities: activities.map((a) => a.StatusCode),
});

let refusal = null;
try {
  await ec2.send(new DeleteSubnetCommand({ SubnetId: subnets[0] }));
} catch (error) {
  refusal = { code: error.name, message: error.message };
}
step("subnet in use", { refusal });

await autoscaling.send(
  new DeleteAutoScalingGroupCommand({ AutoScalingGroupName: name, ForceDelete: true }),
);
await ec2.send(new TerminateInstancesCommand({ InstanceIds: [extra, members[0]] }));
await waitUntilGroupNotExists({ client: autoscaling, ...wait }, { AutoScalingGroupNames: [name] });
const everyone = [...new Set([extra, ...members, ...after.Instances.map((i) => i.InstanceId)])];
await waitUntilInstanceTerminated({ client: ec2, ...wait }, { InstanceIds: everyone });
await ec2.send(new DeleteLaunchTemplateCommand({ LaunchTemplateId: LaunchTemplate.LaunchTemplateId }));
await ec2.send(new DeleteSecurityGroupCommand({ GroupId }));
for (const subnet of subnets) {
  await ec2.send(new DeleteSubnetCommand({ SubnetId: subnet }));
}
await ec2.send(new DeleteVpcCommand({ VpcId: Vpc.VpcId }));
const left = await ec2.send(
  new DescribeVpcsCommand({ Filters: [{ Name: "vpc-id", Values: [Vpc.VpcId] }] }),
);
step("done", { done: true, vpcsLeft: left.Vpcs.length });
