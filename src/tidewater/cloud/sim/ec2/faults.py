"""EC2's refusals: each builds the one AWS fault with EC2's exact code and text."""

from __future__ import annotations

from collections.abc import Sequence

from tidewater.cloud.sim.kit.faults import AwsFault

Ec2Fault = AwsFault  # EC2 raises the AWS cloud's one fault type


def invalid(message: str) -> Ec2Fault:
    return Ec2Fault("InvalidParameterValue", message)


def missing(name: str) -> Ec2Fault:
    return Ec2Fault("MissingParameter", f"The request must contain the parameter {name}")


def invalid_filter(name: str) -> Ec2Fault:
    return invalid(f"The filter '{name}' is invalid")


def ids_not_found(code: str, noun: str, ids: Sequence[str]) -> Ec2Fault:
    """EC2 names one missing id in the singular and several, comma-joined, in the plural."""
    if len(ids) == 1:
        return Ec2Fault(code, f"The {noun} ID '{ids[0]}' does not exist")
    return Ec2Fault(code, f"The {noun} IDs '{', '.join(ids)}' do not exist")


def template_not_found(template_id: str) -> Ec2Fault:
    return Ec2Fault(
        "InvalidLaunchTemplateId.NotFound",
        f"The specified launch template, with template ID {template_id}, does not exist.",
    )


def version_not_found(version: str, template_id: str) -> Ec2Fault:
    return Ec2Fault(
        "InvalidLaunchTemplateId.VersionNotFound",
        f"Could not find the specified version {version} for the launch template "
        f"with ID {template_id}.",
    )


def combination(ids: str) -> Ec2Fault:
    return Ec2Fault(
        "InvalidParameterCombination",
        f"The parameter {ids} cannot be used with the parameter maxResults",
    )


def invalid_id(resource: str) -> Ec2Fault:
    return Ec2Fault("InvalidID", f"The ID '{resource}' is not valid")


def malformed_template_id(template_id: str) -> Ec2Fault:
    return Ec2Fault(
        "InvalidLaunchTemplateId.Malformed",
        f"The specified ID for the launch template, {template_id}, is malformed.",
    )


def name_in_use() -> Ec2Fault:
    return Ec2Fault(
        "InvalidLaunchTemplateName.AlreadyExistsException", "Launch template name already in use."
    )


def malformed_image_id(image_id: str) -> Ec2Fault:
    return Ec2Fault("InvalidAMIID.Malformed", f'Invalid id: "{image_id}" (expecting "ami-...")')


def bad_cidr(text: str) -> Ec2Fault:
    return invalid(
        f"Value ({text}) for parameter cidrBlock is invalid. This is not a valid CIDR block."
    )


def dependency(noun: str, resource_id: str) -> Ec2Fault:
    return Ec2Fault(
        "DependencyViolation", f"The {noun} '{resource_id}' has dependencies and cannot be deleted."
    )


def cidr_out_of_range(code: str, cidr: str) -> Ec2Fault:
    """InvalidVpc.Range and InvalidSubnet.Range word a CIDR the same way."""
    return Ec2Fault(code, f"The CIDR '{cidr}' is invalid.")


# -- images: texts as reported in public issue threads (docs/architecture.md, EC2 images) -----


def image_not_found(ids: Sequence[str]) -> Ec2Fault:
    """One unknown id in the singular, several comma-joined, each list in brackets."""
    if len(ids) == 1:
        return Ec2Fault("InvalidAMIID.NotFound", f"The image id '[{ids[0]}]' does not exist")
    return Ec2Fault("InvalidAMIID.NotFound", f"The image ids '[{', '.join(ids)}]' do not exist")


def image_gone(image_id: str) -> Ec2Fault:
    """ansible/ansible#24945 (a deregistered image)."""
    return Ec2Fault("InvalidAMIID.Unavailable", f"The image ID '{image_id}' is no longer available")


def image_pending(image_id: str) -> Ec2Fault:
    """app-sre/qontract-reconcile#2222 (an image still being made)."""
    return Ec2Fault(
        "InvalidAMIID.Unavailable",
        f"The AMI ID '{image_id}' is currently pending and may not be used for this operation",
    )


def image_name_taken(name: str, image_id: str) -> Ec2Fault:
    """hashicorp/terraform-aws-consul#131, wazuh/wazuh-virtual-machines#654."""
    return Ec2Fault(
        "InvalidAMIName.Duplicate", f"AMI name {name} is already in use by AMI {image_id}"
    )


def image_name_malformed() -> Ec2Fault:
    """hashicorp/packer#2774, base2Services/shelvery-aws-backups#28."""
    return Ec2Fault(
        "InvalidAMIName.Malformed",
        "AMI names must be between 3 and 128 characters long, and may contain letters, "
        "numbers, '(', ')', '.', '-', '/' and '_'",
    )


def image_not_yours(image_id: str) -> Ec2Fault:
    """cloudcaptainsh/cloudcaptain#66 (deregistering an image the account does not own)."""
    return Ec2Fault("AuthFailure", f"Not authorized for image:{image_id}")
