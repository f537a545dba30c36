"""16. EventBridge: function targets are recorded for the daemon (moto would raise), the other targets
of the same rule still get the event from moto, and schedules are fired on request."""

import json

import boto3
from moto import mock_aws

from nx_sst_patches import events as nx_events

FN = "arn:aws:lambda:us-east-1:123456789012:function:job"


def _drain():
    status, _, body = nx_events._event_deliveries_route(None, "http://x/moto-api/nx-sst/event-deliveries", {})
    assert status == 200
    return json.loads(body)


@mock_aws
def test_a_rule_with_a_function_and_a_queue_target_records_the_one_and_sends_to_the_other():
    _drain()
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.create_queue(QueueName="q")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    ev = boto3.client("events", region_name="us-east-1")
    ev.put_rule(Name="r", EventPattern=json.dumps({"source": ["shop"]}))
    ev.put_targets(Rule="r", Targets=[
        {"Id": "f", "Arn": FN},
        {"Id": "q", "Arn": arn},
        {"Id": "t", "Arn": FN, "InputTransformer": {"InputPathsMap": {"s": "$.source"},
                                                     "InputTemplate": "not json <s>"}},
    ])
    out = ev.put_events(Entries=[{"Source": "shop", "DetailType": "d", "Detail": "{\"a\": 1}"}])
    assert out["FailedEntryCount"] == 0
    deliveries = _drain()
    assert [d["targetId"] for d in deliveries] == ["f", "t"]
    event = json.loads(deliveries[0]["payload"])
    assert event["id"] == out["Entries"][0]["EventId"]
    assert event["detail"] == {"a": 1} and "ingestion-time" not in event
    # A template moto cannot fill is reported, not thrown into PutEvents.
    assert deliveries[1]["payload"] is None and deliveries[1]["error"]
    messages = sqs.receive_message(QueueUrl=url).get("Messages", [])
    assert len(messages) == 1


@mock_aws
def test_schedules_are_listed_and_fired_with_the_scheduled_event_and_get_no_bus_events():
    _drain()
    ev = boto3.client("events", region_name="us-east-1")
    rule_arn = ev.put_rule(Name="nightly", ScheduleExpression="cron(0 3 * * ? *)", State="DISABLED")["RuleArn"]
    ev.put_targets(Rule="nightly", Targets=[{"Id": "f", "Arn": FN, "Input": "{\"fixed\": 1}"}, {"Id": "g", "Arn": FN}])
    ev.put_events(Entries=[{"Source": "shop", "DetailType": "d", "Detail": "{}"}])
    assert _drain() == []
    status, _, body = nx_events._schedules_route(None, "http://x/?account=123456789012&region=us-east-1", {})
    assert status == 200
    assert json.loads(body) == [{"arn": rule_arn, "name": "nightly", "eventBusName": "default",
                                 "scheduleExpression": "cron(0 3 * * ? *)", "state": "DISABLED",
                                 "functionTargets": 2}]
    url = "http://x/?account=123456789012&region=us-east-1&arn=" + rule_arn + "&time=2026-12-07T03:00:00Z"
    status, _, body = nx_events._schedule_fire_route(None, url, {})
    fired = json.loads(body)
    assert status == 200 and fired["state"] == "DISABLED"
    assert json.loads(fired["deliveries"][0]["payload"]) == {"fixed": 1}
    event = json.loads(fired["deliveries"][1]["payload"])
    assert event == {"version": "0", "id": event["id"], "detail-type": "Scheduled Event", "source": "aws.events",
                     "account": "123456789012", "time": "2026-12-07T03:00:00Z", "region": "us-east-1",
                     "resources": [rule_arn], "detail": {}}
    status, _, _ = nx_events._schedule_fire_route(None, url.replace("nightly", "nope"), {})
    assert status == 404


@mock_aws
def test_a_rule_on_a_custom_bus_of_the_same_template_deploys_and_gets_its_events():
    _drain()
    template = {
        "Resources": {
            "Bus": {"Type": "AWS::Events::EventBus", "Properties": {"Name": "app-bus"}},
            "Rule": {
                "Type": "AWS::Events::Rule",
                "Properties": {
                    "EventBusName": {"Ref": "Bus"},
                    "EventPattern": {"source": ["shop"]},
                    "Targets": [{"Id": "f", "Arn": FN}],
                },
            },
        },
        "Outputs": {"BusName": {"Value": {"Ref": "Bus"}}},
    }
    cfn = boto3.client("cloudformation", region_name="us-east-1")
    cfn.create_stack(StackName="bus", TemplateBody=json.dumps(template))
    stack = cfn.describe_stacks(StackName="bus")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    assert stack["Outputs"][0]["OutputValue"] == "app-bus"
    ev = boto3.client("events", region_name="us-east-1")
    ev.put_events(Entries=[{"Source": "shop", "DetailType": "d", "Detail": "{}", "EventBusName": "app-bus"}])
    assert [d["targetId"] for d in _drain()] == ["f"]
