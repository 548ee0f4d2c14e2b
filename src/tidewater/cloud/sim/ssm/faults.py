"""SSM's refusals, worded once; where no public capture exists the text is marked inferred."""

from __future__ import annotations

from tidewater.cloud.sim.kit.faults import AwsFault


class SsmFault(AwsFault):
    """A refusal of the simulated Parameter Store."""


def not_found() -> SsmFault:
    # observed: ParameterNotFound carries an empty message (awslabs/aws-simple-cicd#10)
    return SsmFault("ParameterNotFound", "")


def bad_name(prefix: str = "ssm") -> SsmFault:
    # observed: every malformed name, not only a reserved prefix, gets this text (boto/boto3#1499,
    # aws/aws-sdk-js-v3#5005); `prefix` is "aws" for a name under the reserved /aws tree (inferred)
    return SsmFault(
        "ValidationException",
        f'Parameter name: can\'t be prefixed with "{prefix}" (case-insensitive). If formed as a '
        "path, it can consist of sub-paths divided by slash symbol; each sub-path can be formed "
        "as a mix of letters, numbers and the following 3 symbols .-_",
    )


def too_deep() -> SsmFault:
    # inferred wording after the API reference's description of the exception
    return SsmFault(
        "HierarchyLevelLimitExceededException",
        "A hierarchy can have a maximum of 15 levels. For more information, see Requirements "
        "and Constraints for Parameter Names in the AWS Systems Manager User Guide.",
    )


def version_not_found(version: int, name: str) -> SsmFault:
    # observed: the AWS answer quoted in getmoto/moto#3977
    return SsmFault(
        "ParameterVersionNotFound",
        f"Systems Manager could not find version {version} of {name}. "
        "Verify the version and try again.",
    )


def already_exists() -> SsmFault:
    return SsmFault(
        "ParameterAlreadyExists",
        "The parameter already exists. To overwrite this value, set the overwrite option in the "
        "request to true.",
    )


def validation(message: str) -> SsmFault:
    return SsmFault("ValidationException", message)


def bad_token() -> SsmFault:
    # inferred message; the code is the model's
    return SsmFault("InvalidNextToken", "The specified token isn't valid.")
