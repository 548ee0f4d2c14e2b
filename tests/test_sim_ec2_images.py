"""Users' own images in the simulated EC2, through boto3 and the aws CLI over real HTTP: baked from
an instance, registered, copied and deregistered as test code does, launched by hand and by Auto
Scaling, and EC2's refusals."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from aliyunsdkcore.client import AcsClient
from botocore.config import Config
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Server, start_server
from tests.helpers import IMAGE, aws_client, describe_group, ecs_call, error_of, instance_ids

ACCOUNT = "000000000000"
AL2023_ARM = "ami-0f403e3180720dd7e"
WINDOWS = "ami-0be0e902919675894"
IMAGE_ID = re.compile(r"ami-[0-9a-f]{17}")
NAME_CHARACTERS = "abcXYZ019()[] ./-'@_"


def run_one(ec2: Any, image: str, **extra: Any) -> str:
    [instance] = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, **extra)["Instances"]
    return str(instance["InstanceId"])


def image_of(ec2: Any, image_id: str) -> dict[str, Any]:
    [image] = ec2.describe_images(ImageIds=[image_id])["Images"]
    return dict(image)


def unvalidated(server: Server, region: str) -> Any:
    """An EC2 client without botocore's own checks, so the server's refusals are seen."""
    return aws_client(
        server,
        "ec2",
        region=region,
        config=Config(parameter_validation=False, retries={"max_attempts": 1}),
    )


def test_an_image_baked_from_an_instance_is_pending_then_launches(ec2: Any, server: Server) -> None:
    source = run_one(ec2, AL2023_ARM, InstanceType="t3.micro")
    server.advance(10)
    made = ec2.create_image(
        InstanceId=source,
        Name="web-2024.01 (arm)",
        Description="the web tier",
        NoReboot=True,
        TagSpecifications=[
            {"ResourceType": "image", "Tags": [{"Key": "role", "Value": "web"}]},
            {"ResourceType": "snapshot", "Tags": [{"Key": "role", "Value": "web"}]},
        ],
    )
    image_id = made["ImageId"]
    assert IMAGE_ID.fullmatch(image_id)
    image = image_of(ec2, image_id)
    assert image["State"] == "pending"
    assert (image["OwnerId"], image["Public"], image["Architecture"]) == (ACCOUNT, False, "arm64")
    assert image["Name"] == "web-2024.01 (arm)" and image["Description"] == "the web tier"
    assert image["Tags"] == [{"Key": "role", "Value": "web"}] and "ImageOwnerAlias" not in image
    assert image["BlockDeviceMappings"][0]["DeviceName"] == image["RootDeviceName"]
    refused = error_of(ec2.run_instances, ImageId=image_id, MinCount=1, MaxCount=1)
    assert (refused["Code"], refused["Message"]) == (
        "InvalidAMIID.Unavailable",
        f"The AMI ID '{image_id}' is currently pending and may not be used for this operation",
    )

    server.advance(10)
    ec2.get_waiter("image_available").wait(ImageIds=[image_id])
    ec2.get_waiter("image_exists").wait(ImageIds=[image_id])
    assert image_of(ec2, image_id)["State"] == "available"
    launched = run_one(ec2, image_id)
    [reservation] = ec2.describe_instances(InstanceIds=[launched])["Reservations"]
    [instance] = reservation["Instances"]
    assert (instance["ImageId"], instance["Architecture"]) == (image_id, "arm64")


def test_registered_copied_and_deregistered(ec2: Any, server: Server, region: str) -> None:
    image_id = ec2.register_image(
        Name="golden",
        Architecture="x86_64",
        RootDeviceName="/dev/sda1",
        VirtualizationType="hvm",
        BlockDeviceMappings=[
            {"DeviceName": "/dev/sda1", "Ebs": {"VolumeSize": 20, "VolumeType": "gp3"}},
            {"DeviceName": "/dev/sdb", "VirtualName": "ephemeral0"},
        ],
    )["ImageId"]
    image = image_of(ec2, image_id)
    assert image["State"] == "available" and image["RootDeviceName"] == "/dev/sda1"
    root, ephemeral = image["BlockDeviceMappings"]
    assert root["Ebs"]["VolumeSize"] == 20 and root["Ebs"]["SnapshotId"].startswith("snap-")
    assert ephemeral == {"DeviceName": "/dev/sdb", "VirtualName": "ephemeral0"}
    assert image["VirtualizationType"] == "hvm" and image["ImageLocation"].endswith("/golden")
    assert [i["ImageId"] for i in ec2.describe_images(Owners=["self"])["Images"]] == [image_id]

    elsewhere_region = region + "x"
    elsewhere = aws_client(server, "ec2", region=elsewhere_region)
    copy_id = elsewhere.copy_image(
        SourceImageId=image_id, SourceRegion=region, Name="golden", Description="copied"
    )["ImageId"]
    assert copy_id != image_id
    copy = image_of(elsewhere, copy_id)
    assert (copy["State"], copy["Description"], copy["RootDeviceName"]) == (
        "pending",
        "copied",
        "/dev/sda1",
    )
    assert error_of(ec2.describe_images, ImageIds=[copy_id])["Code"] == "InvalidAMIID.NotFound"
    server.advance(10)
    elsewhere.get_waiter("image_available").wait(ImageIds=[copy_id])

    running = run_one(ec2, image_id)
    assert ec2.deregister_image(ImageId=image_id)["Return"] is True
    assert ec2.describe_images(Owners=["self"])["Images"] == []
    assert ec2.describe_images(ImageIds=[image_id])["Images"] == []  # briefly, no error
    again = error_of(ec2.deregister_image, ImageId=image_id)
    assert (again["Code"], again["Message"]) == (
        "InvalidAMIID.Unavailable",
        f"The image ID '{image_id}' is no longer available",
    )
    launch = error_of(ec2.run_instances, ImageId=image_id, MinCount=1, MaxCount=1)
    assert launch["Code"] == "InvalidAMIID.Unavailable"
    server.advance(10)
    [reservation] = ec2.describe_instances(InstanceIds=[running])["Reservations"]
    assert reservation["Instances"][0]["State"]["Name"] == "running"
    assert image_of(elsewhere, copy_id)["State"] == "available"  # the copy stays
    reused = ec2.register_image(Name="golden", RootDeviceName="/dev/xvda")["ImageId"]
    assert image_of(ec2, reused)["VirtualizationType"] == "paravirtual"  # EC2's default


def test_image_refusals(ec2: Any, server: Server, region: str) -> None:
    loose = unvalidated(server, region)
    source = run_one(ec2, IMAGE)
    ec2.create_image(InstanceId=source, Name="taken")
    [taken] = ec2.describe_images(Filters=[{"Name": "name", "Values": ["taken"]}])["Images"]
    cases: list[tuple[Any, dict[str, Any], str, str]] = [
        (
            loose.create_image,
            {"Name": "x-image"},
            "MissingParameter",
            "The request must contain the parameter InstanceId",
        ),
        (
            loose.create_image,
            {"InstanceId": source},
            "MissingParameter",
            "The request must contain the parameter Name",
        ),
        (
            ec2.create_image,
            {"InstanceId": "i-0123456789abcdef0", "Name": "nothing"},
            "InvalidInstanceID.NotFound",
            "The instance ID 'i-0123456789abcdef0' does not exist",
        ),
        (
            ec2.create_image,
            {"InstanceId": "i-x", "Name": "nothing"},
            "InvalidInstanceID.Malformed",
            'Invalid id: "i-x"',
        ),
        (
            ec2.create_image,
            {"InstanceId": source, "Name": "taken"},
            "InvalidAMIName.Duplicate",
            f"AMI name taken is already in use by AMI {taken['ImageId']}",
        ),
        (
            ec2.register_image,
            {"Name": "taken"},
            "InvalidAMIName.Duplicate",
            f"AMI name taken is already in use by AMI {taken['ImageId']}",
        ),
        (
            loose.register_image,
            {"Name": "no"},
            "InvalidParameterValue",  # the model's length, checked as for every member
            "Invalid value 'no' for Name.",
        ),
        (
            ec2.register_image,
            {"Name": "web#1"},
            "InvalidAMIName.Malformed",
            "AMI names must be between 3 and 128 characters long, and may contain letters, "
            "numbers, '(', ')', '.', '-', '/' and '_'",
        ),
        (
            ec2.deregister_image,
            {"ImageId": IMAGE},
            "AuthFailure",
            f"Not authorized for image:{IMAGE}",
        ),
        (
            ec2.deregister_image,
            {"ImageId": "ami-0123456789abcdef0"},
            "InvalidAMIID.NotFound",
            "The image id '[ami-0123456789abcdef0]' does not exist",
        ),
        (
            ec2.deregister_image,
            {"ImageId": "image-1"},
            "InvalidAMIID.Malformed",
            'Invalid id: "image-1" (expecting "ami-...")',
        ),
        (
            ec2.copy_image,
            {
                "SourceImageId": "ami-0123456789abcdef0",
                "SourceRegion": ec2.meta.region_name,
                "Name": "copy",
            },
            "InvalidAMIID.NotFound",
            "The image id '[ami-0123456789abcdef0]' does not exist",
        ),
        (
            loose.copy_image,
            {"SourceImageId": IMAGE, "Name": "copy"},
            "MissingParameter",
            "The request must contain the parameter SourceRegion",
        ),
        (
            ec2.copy_image,
            {"SourceImageId": taken["ImageId"], "SourceRegion": "tw-other-1", "Name": "copy"},
            "InvalidAMIID.NotFound",
            f"The image id '[{taken['ImageId']}]' does not exist",
        ),
        (
            loose.register_image,
            {"Name": "arch", "Architecture": "sparc"},
            "InvalidParameterValue",
            "Invalid value 'sparc' for Architecture.",
        ),
        (
            ec2.create_image,
            {
                "InstanceId": source,
                "Name": "tagged",
                "TagSpecifications": [{"ResourceType": "instance", "Tags": []}],
            },
            "InvalidParameterValue",
            "'instance' is not a valid taggable resource type for this operation.",
        ),
    ]
    for call, params, code, message in cases:
        error = error_of(call, **params)
        assert (error["Code"], error["Message"]) == (code, message), params
    dry = error_of(ec2.register_image, Name="dry-run", DryRun=True)
    assert dry["Code"] == "DryRunOperation"
    assert ec2.describe_images(Filters=[{"Name": "name", "Values": ["dry-run"]}])["Images"] == []
    ec2.terminate_instances(InstanceIds=[source])
    gone = error_of(ec2.create_image, InstanceId=source, Name="late")
    assert gone["Code"] == "IncorrectInstanceState"


def test_one_of_several_racing_registrations_gets_the_name(server: Server, region: str) -> None:
    clients = [aws_client(server, "ec2", region=region) for _ in range(6)]

    def register(client: Any) -> str:
        try:
            return str(client.register_image(Name="racing")["ImageId"])
        except ClientError as error:
            return str(error.response["Error"]["Code"])

    with ThreadPoolExecutor(len(clients)) as pool:
        answers = list(pool.map(register, clients))
    made = [a for a in answers if a.startswith("ami-")]
    assert len(made) == 1 and answers.count("InvalidAMIName.Duplicate") == len(clients) - 1
    assert [i["ImageId"] for i in clients[0].describe_images(Owners=["self"])["Images"]] == made


def test_describe_images_filters_and_pages(ec2: Any, server: Server) -> None:
    made = []  # created at one moment of the frozen clock: listed by id after the catalogue
    for n in range(7):
        made.append(
            ec2.register_image(
                Name=f"build-{n}",
                Architecture="arm64" if n % 2 else "x86_64",
                VirtualizationType="hvm",
                TagSpecifications=[
                    {"ResourceType": "image", "Tags": [{"Key": "parity", "Value": str(n % 2)}]}
                ],
            )["ImageId"]
        )
    ec2.create_tags(Resources=[made[0]], Tags=[{"Key": "first", "Value": "yes"}])
    odd, first = made[1::2], made[0]
    made.sort()
    odd.sort()

    def ids(**params: Any) -> list[str]:
        return [i["ImageId"] for i in ec2.describe_images(**params)["Images"]]

    def filtered(name: str, *values: str, **params: Any) -> list[str]:
        return ids(Filters=[{"Name": name, "Values": list(values)}], **params)

    assert ids(Owners=["self"]) == made
    assert ids(Owners=[ACCOUNT]) == made
    assert ids(Owners=["aws-marketplace"]) == []
    assert set(ids(Owners=["amazon"])) >= {IMAGE, AL2023_ARM, WINDOWS}
    assert not set(made) & set(ids(Owners=["amazon"]))
    assert set(made) <= set(ids())  # what the account may launch: public and its own
    assert not set(made) & set(ids(ExecutableUsers=["all"]))
    assert set(made) <= set(ids(ExecutableUsers=["self"]))
    assert filtered("name", "build-?", Owners=["self"]) == made
    assert filtered("name", "build-[0-9]*") == []  # only * and ? are wildcards
    assert filtered("tag:parity", "1") == odd
    assert filtered("tag-key", "first") == [first]
    assert filtered("is-public", "false") == made
    assert filtered("architecture", "arm64", Owners=["self"]) == odd
    assert AL2023_ARM in filtered("architecture", "arm64")
    assert filtered("owner-alias", "amazon", Owners=["self"]) == []
    assert filtered("owner-id", ACCOUNT) == made
    assert filtered("image-id", made[3]) == [made[3]]
    assert filtered("state", "available", Owners=["self"]) == made
    assert filtered("platform", "windows") == [WINDOWS]
    for name, value in (
        ("image-type", "machine"),
        ("root-device-type", "ebs"),
        ("virtualization-type", "hvm"),
    ):
        assert filtered(name, value, Owners=["self"]) == made, name
    assert ids(ImageIds=[made[2], IMAGE]) == [IMAGE, made[2]]  # catalogue first, then own

    pages, params = [], {"Owners": ["self"], "MaxResults": 5}
    while True:
        out = ec2.describe_images(**params)
        pages.append([i["ImageId"] for i in out["Images"]])
        if "NextToken" not in out:
            break
        params["NextToken"] = out["NextToken"]
    assert pages == [made[:5], made[5:]]
    paged = ec2.get_paginator("describe_images").paginate(
        Owners=["self"], PaginationConfig={"PageSize": 5}
    )
    assert [i["ImageId"] for page in paged for i in page["Images"]] == made
    bad = error_of(ec2.describe_images, Filters=[{"Name": "colour", "Values": ["red"]}])
    assert (bad["Code"], bad["Message"]) == (
        "InvalidParameterValue",
        "The filter 'colour' is invalid",
    )


def test_auto_scaling_launches_from_a_created_image(
    ec2: Any, autoscaling: Any, server: Server, region: str
) -> None:
    source = run_one(ec2, IMAGE)
    server.advance(10)
    image_id = ec2.create_image(InstanceId=source, Name="baked")["ImageId"]
    server.advance(10)
    ec2.get_waiter("image_available").wait(ImageIds=[image_id])
    ec2.create_launch_template(LaunchTemplateName="baked", LaunchTemplateData={"ImageId": image_id})
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName="baked",
        LaunchTemplate={"LaunchTemplateName": "baked"},
        MinSize=2,
        MaxSize=3,
        AvailabilityZones=[f"{region}a"],
    )
    autoscaling.create_launch_configuration(
        LaunchConfigurationName="baked-lc", ImageId=image_id, InstanceType="t3.micro"
    )
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName="baked-lc",
        LaunchConfigurationName="baked-lc",
        MinSize=1,
        MaxSize=2,
        AvailabilityZones=[f"{region}b"],
    )
    server.settle()
    server.advance(10)
    members = instance_ids(describe_group(autoscaling, "baked"))
    members += instance_ids(describe_group(autoscaling, "baked-lc"))
    assert len(members) == 3
    reservations = ec2.describe_instances(InstanceIds=members)["Reservations"]
    assert {i["ImageId"] for r in reservations for i in r["Instances"]} == {image_id}

    ec2.deregister_image(ImageId=image_id)
    refused = error_of(
        autoscaling.create_launch_configuration,
        LaunchConfigurationName="late-lc",
        ImageId=image_id,
        InstanceType="t3.micro",
    )
    assert refused["Code"] == "ValidationError" and image_id in refused["Message"]
    autoscaling.set_desired_capacity(AutoScalingGroupName="baked", DesiredCapacity=3)
    server.settle()
    activities = autoscaling.describe_scaling_activities(AutoScalingGroupName="baked")
    failed = [a for a in activities["Activities"] if a["StatusCode"] == "Failed"]
    assert failed and f"The image id '[{image_id}]' does not exist" in failed[0]["StatusMessage"]
    server.advance(10)
    assert len(instance_ids(describe_group(autoscaling, "baked"))) == 2  # the old ones run on


def test_the_aws_cli_lists_its_own_images(aws_cli: Any, ec2: Any) -> None:
    image_id = ec2.register_image(Name="from-cli-test")["ImageId"]
    listed = aws_cli("ec2", "describe-images", "--owners", "self")
    assert listed.returncode == 0, listed.stderr
    assert [i["ImageId"] for i in json.loads(listed.stdout)["Images"]] == [image_id]


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(name=st.text(alphabet=NAME_CHARACTERS + "#*é,", min_size=1, max_size=130))
def test_image_names_are_checked_as_ec2_checks_them(
    ec2: Any, server: Server, region: str, name: str
) -> None:
    fits = 3 <= len(name) <= 128 and all(c in NAME_CHARACTERS for c in name)
    loose = unvalidated(server, region)
    if fits:
        image_id = loose.register_image(Name=name)["ImageId"]
        assert image_of(ec2, image_id)["Name"] == name
        ec2.deregister_image(ImageId=image_id)
    else:
        code = error_of(loose.register_image, Name=name)["Code"]
        sized = 3 <= len(name) <= 128
        assert code == ("InvalidAMIName.Malformed" if sized else "InvalidParameterValue")


# -- own servers: persistence and seeded images --------------------------------------------------


@pytest.fixture
def seeded_server(tmp_path: Path, own_database_url: str) -> Any:
    seed = tmp_path / "images.json"
    seed.write_text(
        json.dumps(
            [
                {"id": "ami-0abcdef1234567890", "name": "team-base-2024", "architecture": "arm64"},
                {
                    "id": "ami-0fedcba9876543210",
                    "name": "team-windows",
                    "platform": "windows",
                    "owner": "123456789012",
                    "region": "eu-west-1",
                },
                {"id": "m-team0000000000000001", "name": "team-aliyun", "cloud": "aliyun"},
            ]
        )
    )
    service = start_server(tmp_path / "data", "--images", str(seed), database_url=own_database_url)
    yield service
    if service.process.poll() is None:
        service.stop()


def test_seeded_images_launch_and_own_images_survive_a_restart(seeded_server: Server) -> None:
    ec2 = aws_client(seeded_server, "ec2", region="us-east-1")
    base = image_of(ec2, "ami-0abcdef1234567890")
    assert (base["Name"], base["Architecture"], base["OwnerId"]) == (
        "team-base-2024",
        "arm64",
        ACCOUNT,
    )
    assert [i["ImageId"] for i in ec2.describe_images(Owners=["self"])["Images"]] == [
        "ami-0abcdef1234567890"
    ]
    launched = run_one(ec2, "ami-0abcdef1234567890")
    [reservation] = ec2.describe_instances(InstanceIds=[launched])["Reservations"]
    assert reservation["Instances"][0]["Architecture"] == "arm64"
    absent = error_of(ec2.describe_images, ImageIds=["ami-0fedcba9876543210"])
    assert absent["Code"] == "InvalidAMIID.NotFound"  # seeded for eu-west-1 only
    ireland = aws_client(seeded_server, "ec2", region="eu-west-1")
    windows = image_of(ireland, "ami-0fedcba9876543210")
    assert (windows["Platform"], windows["OwnerId"]) == ("windows", "123456789012")
    refused = error_of(ec2.deregister_image, ImageId="ami-0abcdef1234567890")
    assert refused["Code"] == "AuthFailure"

    aliyun = AcsClient("test", "test", "cn-hangzhou")
    seeded = ecs_call(
        aliyun, seeded_server, "cn-hangzhou", "DescribeImages", ImageId="m-team0000000000000001"
    )
    assert [i["ImageName"] for i in seeded["Images"]["Image"]] == ["team-aliyun"]
    [ecs_instance] = ecs_call(
        aliyun,
        seeded_server,
        "cn-hangzhou",
        "RunInstances",
        ImageId="m-team0000000000000001",
        InstanceType="ecs.g6.large",
    )["InstanceIdSets"]["InstanceIdSet"]
    assert ecs_instance.startswith("i-")

    own = ec2.register_image(Name="kept", Architecture="arm64")["ImageId"]
    seeded_server.stop()
    seeded_server.start()
    ec2 = aws_client(seeded_server, "ec2", region="us-east-1")
    kept = image_of(ec2, own)
    assert (kept["Name"], kept["Architecture"], kept["State"]) == ("kept", "arm64", "available")
    assert image_of(ec2, "ami-0abcdef1234567890")["Name"] == "team-base-2024"


def test_a_seed_file_the_server_cannot_read_stops_it(tmp_path: Path) -> None:
    seed = tmp_path / "images.json"
    seed.write_text(json.dumps([{"id": "ami-0abcdef1234567890"}]))
    done = subprocess.run(
        [sys.executable, "-m", "tidewater", "serve", "--images", str(seed)],
        env={"TIDEWATER_DATA_DIR": str(tmp_path / "data"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    said = " ".join(done.stderr.split())
    assert done.returncode == 2 and "every image needs an id and a name" in said
    assert not (tmp_path / "data").exists()  # refused before a database was made
