"""Python run inside the moto process before it serves (the daemon's wrapper imports this package).

It fills CloudFormation and access-control gaps that cannot be repaired from outside without
re-implementing CloudFormation: the gap is in moto's state, so the fix goes there. One module per
concern, its docstring says what it fixes:

- iam.py: IAM trust and resource checks, STS session tokens, CloudFormation roles' managed policies.
- cloudformation.py (1-4, 12-14): change sets per stack, outputs and exports, custom resources, fault injection,
  updates that roll back on failure, generated bucket names that fit, deletes of resources already gone.
- apigatewayv2.py (5): AWS::ApiGatewayV2::* models over moto's apigatewayv2 backend.
- bucket_deployment.py (6): Custom::CDKBucketDeployment on moto's S3, in process.
- rds.py (7): AWS::RDS::DBCluster and AWS::SecretsManager::Secret/SecretTargetAttachment.
- ec2.py (8): route tables and their subnet associations are deleted with their stack.
- s3.py (9-11): bucket policies, unsigned and presigned S3 requests, CORS from the bucket's rules.
- lambda_local.py (12): a function's code for the daemon that runs it; local API and function URLs;
  queues' and streams' event source mappings and topics' function subscriptions left to the daemon.
- sqs.py (13): generated names of FIFO queues end in .fifo; a queue's URL names the local endpoint.
- lambda_url.py (14): AWS::Lambda::Url over moto's function URL configs.
- auth_keys.py (15): Custom::NxSstAuthKeys (the Auth construct's key pair) as SecureStrings on moto's SSM.
- events.py (16): EventBridge rules' function targets and schedules left to the daemon; Ref of a bus.

Each patch checks that the moto internals it wraps exist and is skipped (with a line in the daemon
log) otherwise, so a newer moto degrades to its own behaviour, never to a crash. Patches are applied
when moto itself first imports the module they change: importing moto's CloudFormation eagerly loads
every service model and would add seconds to each cold start.
"""

from ._hooks import _nx_on_import
from .apigatewayv2 import _patch_apigatewayv2_cfn
from .cloudformation import _patch_cfn_no_value_in_lists, _patch_cloudformation
from .ec2 import _patch_ec2_cfn_delete
from .events import _patch_events_models, _patch_events_routes
from .iam import _patch_iam, _patch_iam_role_managed_policies, _patch_sts
from .lambda_local import (
    _patch_apigatewayv2_endpoint,
    _patch_dynamodb_stream_inline_invocation,
    _patch_dynamodb_stream_iterators,
    _patch_event_invoke_config,
    _patch_function_dead_letter_config,
    _patch_function_url,
    _patch_kinesis_inline_invocation,
    _patch_lambda_invoke_authorization,
    _patch_lambda_code_route,
    _patch_service_principal_trust,
    _patch_sns_lambda_delivery,
    _patch_sqs_inline_invocation,
)
from .lambda_url import _patch_lambda_url_cfn
from .rds import _patch_rds_cfn
from .sqs import _patch_sqs_cfn_fifo_name, _patch_sqs_queue_url
from .s3 import (
    _patch_s3_bucket_cors_cfn,
    _patch_s3_bucket_policy_cfn,
    _patch_s3_cors,
    _patch_s3_policy,
    _patch_s3_preflight,
    _patch_s3_unsigned_auth,
)


def _patch_cloudformation_models():
    _patch_cfn_no_value_in_lists()
    _patch_apigatewayv2_cfn()
    _patch_rds_cfn()
    _patch_ec2_cfn_delete()
    _patch_s3_bucket_policy_cfn()
    _patch_sqs_cfn_fifo_name()
    _patch_sqs_queue_url()
    _patch_lambda_url_cfn()


def _patch_access_control():
    _patch_iam()
    _patch_service_principal_trust()


def _patch_s3_models():
    _patch_s3_policy()
    _patch_s3_bucket_cors_cfn()


def _patch_moto_api_routes():
    _patch_lambda_code_route()
    _patch_events_routes()


def _patch_lambda_models():
    _patch_function_url()
    _patch_function_dead_letter_config()
    _patch_event_invoke_config()


def _patch_s3_responses():
    _patch_s3_preflight()
    _patch_s3_cors()


_nx_on_import("moto.iam.access_control", _patch_access_control)
_nx_on_import("moto.sts.models", _patch_sts)
_nx_on_import("moto.iam.models", _patch_iam_role_managed_policies)
_nx_on_import("moto.cloudformation.responses", _patch_cloudformation)
_nx_on_import("moto.s3.models", _patch_s3_models)
_nx_on_import("moto.s3.responses", _patch_s3_responses)
_nx_on_import("moto.core.authorization", _patch_s3_unsigned_auth)
_nx_on_import("moto.cloudformation.parsing", _patch_cloudformation_models)
_nx_on_import("moto.moto_api._internal.urls", _patch_moto_api_routes)
_nx_on_import("moto.apigatewayv2.models", _patch_apigatewayv2_endpoint)
_nx_on_import("moto.awslambda.models", _patch_lambda_models)
_nx_on_import("moto.sqs.models", _patch_sqs_inline_invocation)
_nx_on_import("moto.sns.models", _patch_sns_lambda_delivery)
_nx_on_import("moto.events.models", _patch_events_models)
_nx_on_import("moto.dynamodb.models.table", _patch_dynamodb_stream_inline_invocation)
_nx_on_import("moto.kinesis.models", _patch_kinesis_inline_invocation)
_nx_on_import("moto.dynamodbstreams.models", _patch_dynamodb_stream_iterators)
_nx_on_import("moto.awslambda.responses", _patch_lambda_invoke_authorization)
