"""CloudFormation gaps the patches fill, each against moto in process: without the patch, each test
fails the way its docstring says moto did."""

import json

import boto3
import pytest
from moto import mock_aws


def _deploy(name, resources, **extra):
    cfn = boto3.client("cloudformation")
    cfn.create_stack(StackName=name, TemplateBody=json.dumps({"Resources": resources, **extra}))
    stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack
    return cfn


@mock_aws
def test_an_unnamed_fifo_queue_gets_a_name_ending_in_fifo():
    """moto named it {stack}-{id}-{suffix}, which its SQS refused for a FIFO queue."""
    _deploy("queues", {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"FifoQueue": True}}})
    [url] = boto3.client("sqs").list_queues()["QueueUrls"]
    assert url.endswith(".fifo")
    assert len(url.rsplit("/", 1)[1]) <= 80


@mock_aws
def test_generated_bucket_names_fit_s3s_63_characters():
    """moto joined the stack name, the logical id and a suffix whatever their length."""
    stack = "a-rather-long-stack-name-for-an-app-and-a-stage-x"
    logical = "PublicUploadsBucketOfTheShopWithAVeryLongLogicalId0123456789"
    _deploy(stack, {logical: {"Type": "AWS::S3::Bucket"}})
    [bucket] = [b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"]]
    assert 3 <= len(bucket) <= 63
    assert bucket == bucket.lower()
    assert bucket.startswith("a-rather-long")


@mock_aws
def test_deleting_a_stack_whose_parameter_was_deleted_outside_it_succeeds():
    """moto's ParameterNotFound failed the whole stack deletion."""
    cfn = _deploy(
        "params",
        {"P": {"Type": "AWS::SSM::Parameter", "Properties": {"Name": "/x/p", "Type": "String", "Value": "v"}}},
    )
    boto3.client("ssm").delete_parameter(Name="/x/p")
    cfn.delete_stack(StackName="params")
    stacks = cfn.describe_stacks(StackName=cfn.list_stacks()["StackSummaries"][0]["StackId"])["Stacks"]
    assert stacks[0]["StackStatus"] == "DELETE_COMPLETE"


@mock_aws
def test_aws_novalue_in_a_list_is_dropped_as_cloudformation_does():
    """moto kept a null in the list; IAM then failed every AssumeRole of the role (CDK's bootstrap
    template builds its trust policies this way)."""
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"},
            {"Fn::If": ["Never", {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}, {"Ref": "AWS::NoValue"}]},
        ],
    }
    _deploy(
        "roles",
        {"R": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": "r", "AssumeRolePolicyDocument": trust}}},
        Conditions={"Never": {"Fn::Equals": ["a", "b"]}},
    )
    document = boto3.client("iam").get_role(RoleName="r")["Role"]["AssumeRolePolicyDocument"]
    if isinstance(document, str):
        document = json.loads(document)
    assert [s["Principal"] for s in document["Statement"]] == [{"Service": "lambda.amazonaws.com"}]


@mock_aws
def test_a_buckets_cors_configuration_from_the_template_is_applied():
    """moto ignored AWS::S3::Bucket's CorsConfiguration, so the local S3 answered no browser upload."""
    rule = {"AllowedMethods": ["PUT", "GET"], "AllowedOrigins": ["http://localhost:3000"], "AllowedHeaders": ["*"]}
    _deploy(
        "cors",
        {"B": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "cors-bucket", "CorsConfiguration": {"CorsRules": [rule]}}}},
    )
    rules = boto3.client("s3").get_bucket_cors(Bucket="cors-bucket")["CORSRules"]
    assert rules[0]["AllowedOrigins"] == ["http://localhost:3000"]
    assert sorted(rules[0]["AllowedMethods"]) == ["GET", "PUT"]


def test_sts_session_tokens_come_from_motos_seeded_random_so_a_replay_issues_the_same_ones():
    """moto drew them from os.urandom: after a restart, replaying the journal issued other tokens, and
    every session handed out before it was refused (UnrecognizedClientException)."""
    from moto.moto_api._internal import mock_random

    def tokens():
        mock_random.seed(42)
        with mock_aws():
            sts = boto3.client("sts")
            return [
                sts.assume_role(RoleArn="arn:aws:iam::123456789012:role/x", RoleSessionName="session")[
                    "Credentials"
                ]["SessionToken"]
                for _ in range(2)
            ]

    first, again = tokens(), tokens()
    assert first == again
    assert first[0] != first[1]
    assert all(t.startswith("FQoGZXIvYXdzE") and len(t) >= 356 for t in first)


@pytest.fixture(autouse=True)
def _region(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
