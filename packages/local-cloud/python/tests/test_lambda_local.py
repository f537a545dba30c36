"""12. What the daemon needs to run functions: stream writes leave the mappings to it, a function's
DeadLetterConfig and its event invoke config are kept as AWS keeps them, and DynamoDB Streams
iterators do not pile up under its polling. Without the patch, each test fails the way its docstring
says moto did."""

import io
import json
import zipfile

import boto3
from moto import mock_aws

from nx_sst_patches import lambda_local

REGION = "us-east-1"


def _function(name="fn", **extra):
    iam = boto3.client("iam", region_name=REGION)
    role = iam.create_role(RoleName=name + "-role", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                       "Action": "sts:AssumeRole"}],
    }))["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as z:
        z.writestr("index.mjs", "export const handler = async () => 'ok';")
    return boto3.client("lambda", region_name=REGION).create_function(
        FunctionName=name, Runtime="nodejs22.x", Role=role, Handler="index.handler",
        Code={"ZipFile": code.getvalue()}, **extra)


def _queue(name):
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def _table(name):
    return boto3.client("dynamodb", region_name=REGION).create_table(
        TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
    )["TableDescription"]["LatestStreamArn"]


@mock_aws
def test_a_table_write_with_a_stream_mapping_leaves_its_record_in_the_stream():
    """moto invoked the mapping's function inside PutItem (through Docker) and emptied the shard."""
    stream = _table("t")
    _function()
    boto3.client("lambda", region_name=REGION).create_event_source_mapping(
        FunctionName="fn", EventSourceArn=stream, StartingPosition="TRIM_HORIZON")
    ddb = boto3.client("dynamodb", region_name=REGION)
    ddb.put_item(TableName="t", Item={"pk": {"S": "a"}})
    streams = boto3.client("dynamodbstreams", region_name=REGION)
    shard = streams.describe_stream(StreamArn=stream)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=stream, ShardId=shard,
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    records = streams.get_records(ShardIterator=iterator)["Records"]
    assert [r["eventName"] for r in records] == ["INSERT"]


@mock_aws
def test_a_kinesis_put_with_a_mapping_stores_the_record_without_running_the_function(monkeypatch):
    """moto invoked the mapping's function inside PutRecord (through Docker)."""
    from moto.awslambda.models import LambdaBackend

    def no_docker(*args, **kwargs):
        raise AssertionError("moto ran the mapping's function inside PutRecord")

    monkeypatch.setattr(LambdaBackend, "send_kinesis_message", no_docker)
    kinesis = boto3.client("kinesis", region_name=REGION)
    kinesis.create_stream(StreamName="s", ShardCount=1)
    arn = kinesis.describe_stream(StreamName="s")["StreamDescription"]["StreamARN"]
    _function()
    boto3.client("lambda", region_name=REGION).create_event_source_mapping(
        FunctionName="fn", EventSourceArn=arn, StartingPosition="TRIM_HORIZON")
    kinesis.put_record(StreamName="s", PartitionKey="p", Data=b"hello")
    iterator = kinesis.get_shard_iterator(StreamName="s", ShardId="shardId-000000000000",
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    assert [r["Data"] for r in kinesis.get_records(ShardIterator=iterator)["Records"]] == [b"hello"]


@mock_aws
def test_a_function_keeps_its_dead_letter_config():
    """moto dropped DeadLetterConfig: GetFunctionConfiguration never had it."""
    dlq = _queue("dlq")
    _function(DeadLetterConfig={"TargetArn": dlq})
    aws = boto3.client("lambda", region_name=REGION)
    assert aws.get_function_configuration(FunctionName="fn")["DeadLetterConfig"] == {"TargetArn": dlq}
    other = _queue("other")
    aws.update_function_configuration(FunctionName="fn", DeadLetterConfig={"TargetArn": other})
    assert aws.get_function_configuration(FunctionName="fn")["DeadLetterConfig"] == {"TargetArn": other}
    aws.update_function_configuration(FunctionName="fn", DeadLetterConfig={"TargetArn": ""})
    assert "DeadLetterConfig" not in aws.get_function_configuration(FunctionName="fn")


@mock_aws
def test_put_replaces_the_event_invoke_config_and_update_changes_what_it_names():
    """moto appended each config and answered the first one; Update answered LastModified as text."""
    _function()
    aws = boto3.client("lambda", region_name=REGION)
    aws.put_function_event_invoke_config(FunctionName="fn", MaximumRetryAttempts=2)
    aws.put_function_event_invoke_config(FunctionName="fn", MaximumRetryAttempts=1)
    assert aws.get_function_event_invoke_config(FunctionName="fn")["MaximumRetryAttempts"] == 1
    updated = aws.update_function_event_invoke_config(FunctionName="fn", MaximumEventAgeInSeconds=600)
    assert updated["MaximumRetryAttempts"] == 1 and updated["MaximumEventAgeInSeconds"] == 600
    config = aws.get_function_event_invoke_config(FunctionName="fn")
    assert (config["MaximumRetryAttempts"], config["MaximumEventAgeInSeconds"]) == (1, 600)


@mock_aws
def test_dynamodb_streams_iterators_do_not_pile_up():
    """moto kept every iterator it handed out: a poller twice a second grew it without end."""
    stream = _table("t")
    streams = boto3.client("dynamodbstreams", region_name=REGION)
    shard = streams.describe_stream(StreamArn=stream)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=stream, ShardId=shard,
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    for _ in range(lambda_local._NX_KEPT_ITERATORS + 50):
        iterator = streams.get_records(ShardIterator=iterator)["NextShardIterator"]
    from moto.dynamodbstreams import dynamodbstreams_backends
    kept = dynamodbstreams_backends["123456789012"][REGION].shard_iterators
    assert len(kept) <= lambda_local._NX_KEPT_ITERATORS
    assert streams.get_records(ShardIterator=iterator)["Records"] == []
