"""17. Custom::AWS (aws-cdk-lib's AwsCustomResource) DynamoDB item writes, without its Lambda.

On AWS its Lambda makes one SDK call per lifecycle event (the Create, Update and Delete properties,
JSON of {service, action, parameters}). Here DynamoDB PutItem, DeleteItem and BatchWriteItem calls
are made on moto's DynamoDB in the same process (a NextjsSite seeds its tag cache so on the local
cloud); any other call completes without running, as every custom resource did before (logged).
Called from the custom-resource model in cloudformation.py.
"""

import json

from ._hooks import _nx_log

AWS_CUSTOM_RESOURCE = "Custom::AWS"


def _names(call):
    """('dynamodb', 'batchWriteItem') from the v2 names CDK writes or the v3 ones it also accepts."""
    service = str(call.get("service") or "")
    if service.startswith("@aws-sdk/client-"):
        service = service[len("@aws-sdk/client-"):]
    action = str(call.get("action") or "")
    if action.endswith("Command"):
        action = action[: -len("Command")]
    return service.replace("-", "").lower(), action[:1].lower() + action[1:]


def _aws_call(account_id, region_name, request_type, properties):
    raw = properties.get(request_type)
    if not raw:
        return {}
    call = json.loads(raw) if isinstance(raw, str) else raw
    service, action = _names(call)
    params = call.get("parameters") or {}
    if service != "dynamodb" or action not in ("batchWriteItem", "putItem", "deleteItem"):
        _nx_log("Custom::AWS " + service + "." + action + " is not run on the local cloud (" + request_type + ")")
        return {}
    try:
        _dynamodb_call(account_id, region_name, action, params)
    except Exception as e:
        # moto's errors print as an HTTP answer; the reason names the call and DynamoDB's message.
        message = getattr(e, "message", None) or str(e)
        kind = getattr(e, "error_type", "") or type(e).__name__
        raise RuntimeError("DynamoDB " + action + ": " + message + " (" + kind.split("#")[-1] + ")") from e
    return {}


def _dynamodb_call(account_id, region_name, action, params):
    from moto.dynamodb.models import dynamodb_backends
    backend = dynamodb_backends[account_id][region_name]
    if action == "putItem":
        backend.put_item(params["TableName"], params["Item"])
    elif action == "deleteItem":
        backend.delete_item(params["TableName"], params["Key"])
    else:
        for table_name, requests in (params.get("RequestItems") or {}).items():
            for request in requests:
                if "PutRequest" in request:
                    backend.put_item(table_name, request["PutRequest"]["Item"])
                elif "DeleteRequest" in request:
                    backend.delete_item(table_name, request["DeleteRequest"]["Key"])
