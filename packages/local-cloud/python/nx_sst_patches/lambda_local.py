"""12. What the daemon needs to run functions itself (moto's Lambda runs code only in Docker):

- a route on moto's internal port, /moto-api/nx-sst/lambda-code, that hands the daemon the zip of a
  function (moto keeps the bytes in memory and answers GetFunction with a Location nobody can read);
- the endpoints the local cloud serves for an HTTP API and a function URL, instead of AWS's names,
  so that CloudFormation outputs, GetApi and GetFunctionUrlConfig give a URL that answers here:
  http://127.0.0.1:PORT/_aws/execute-api/API_ID and http://127.0.0.1:PORT/_aws/lambda-url/URL_ID/.
  The daemon passes its published endpoint in NX_SST_PUBLIC_ENDPOINT;
- no invocation of a queue's event source mappings inside SendMessage (moto would receive the
  messages and try Docker): the daemon polls the queues of those mappings itself;
- no invocation of a topic's function subscriptions inside Publish (Docker again): the notifications
  wait for the daemon, which drains them through /moto-api/nx-sst/sns-deliveries and runs the functions;
- a route, /moto-api/nx-sst/match-filters, that judges records against event source mappings'
  FilterCriteria with moto's EventBridge pattern matcher (the syntax Lambda's filters use);
- no invocation of a DynamoDB stream's or a Kinesis stream's event source mappings inside a write
  (Docker again, and moto empties the DynamoDB stream shard when it thinks the function ran): the
  daemon reads the shards with GetShardIterator/GetRecords itself, twice a second: moto keeps every
  DynamoDB Streams iterator it ever handed out, so only the newest ones are kept;
- a function's DeadLetterConfig kept (moto drops it), from CreateFunction, UpdateFunctionConfiguration
  and AWS::Lambda::Function, and answered in its configuration: the daemon sends an asynchronous
  invocation that failed there;
- PutFunctionEventInvokeConfig replaces a function's config and UpdateFunctionEventInvokeConfig
  changes the fields it names (moto appended each and kept answering the first), and Update answers
  LastModified as a timestamp the SDK reads (moto's text failed it: "Expected real number");
- with IAM enforced, Invoke judged as AWS judges it: the action is lambda:InvokeFunction on the
  function's ARN (moto checked lambda:Invoke on *); the daemon, which runs the function, first sends
  the caller's signed request here with AUTHORIZE_ONLY_HEADER, and moto answers 204 once access
  control let it through (or its AccessDeniedException) without running anything;
- with IAM enforced, the daemon assumes a function's role as Lambda does, as the service its trust
  policy names: a call that carries SERVICE_PRINCIPAL_HEADER (set by the daemon only; the front
  removes it from every client's request) is trusted by a statement for that service.
"""

import os

from ._hooks import _nx_expect, _nx_patch

SERVICE_PRINCIPAL_HEADER = "x-nx-sst-service-principal"
AUTHORIZE_ONLY_HEADER = "x-nx-sst-authorize-only"


def _public_endpoint():
    return (os.environ.get("NX_SST_PUBLIC_ENDPOINT") or "").rstrip("/")


def _url_id(url):
    """The id of a function URL: its path segment locally, else the first label of AWS's host name."""
    if "/_aws/lambda-url/" in url:
        return url.split("/_aws/lambda-url/", 1)[1].strip("/")
    return url.split("//", 1)[-1].split(".", 1)[0]


@_nx_patch("Lambda code route")
def _patch_lambda_code_route():
    from moto.moto_api._internal import urls as _urls
    _nx_expect((_urls, "url_paths"))

    def lambda_code(request, full_url, headers):
        from urllib.parse import parse_qs, urlparse
        from moto.awslambda.models import lambda_backends
        query = parse_qs(urlparse(full_url).query)

        def one(name):
            return (query.get(name) or [""])[0]

        backend = lambda_backends[one("account")][one("region")]
        try:
            fn = backend.get_function(one("name"), one("qualifier") or None)
        except Exception as e:  # moto's UnknownFunctionException and friends
            return 404, {"content-type": "text/plain"}, "no function " + one("name") + ": " + str(e)
        return (
            200,
            {"content-type": "application/zip", "x-nx-sst-code-sha256": fn.code_sha_256 or ""},
            fn.code_bytes or b"",
        )

    def http_api(request, full_url, headers):
        # Everything the front needs to route one request of an HTTP API, in one read.
        import json
        from urllib.parse import parse_qs, urlparse
        from moto.apigatewayv2.models import apigatewayv2_backends
        query = parse_qs(urlparse(full_url).query)
        account, region, api_id = ((query.get(k) or [""])[0] for k in ("account", "region", "id"))
        apis = apigatewayv2_backends[account][region].apis
        api = apis.get(api_id)
        if api is None:
            return 404, {"content-type": "application/json"}, json.dumps({"message": "Not Found"})
        body = {
            "api": api.to_json(),
            "routes": [r.to_json() for r in api.routes.values()],
            "integrations": [i.to_json() for i in api.integrations.values()],
            "stages": [s.to_json() for s in api.stages.values()],
            "authorizers": [a.to_json() for a in api.authorizers.values()],
        }
        return 200, {"content-type": "application/json"}, json.dumps(body, default=str)

    def lambda_url(request, full_url, headers):
        # The function whose URL has this id (moto finds URL configs only through their function).
        import json
        from urllib.parse import parse_qs, urlparse
        from moto.awslambda.models import lambda_backends
        query = parse_qs(urlparse(full_url).query)
        account, region, url_id = ((query.get(k) or [""])[0] for k in ("account", "region", "id"))
        backend = lambda_backends[account][region]
        for fn in backend.list_functions():
            config = getattr(fn, "url_config", None)
            if config is not None and _url_id(config.url) == url_id:
                return 200, {"content-type": "application/json"}, json.dumps(config.to_dict(), default=str)
        return 404, {"content-type": "application/json"}, json.dumps({"Message": None})

    _urls.url_paths["{0}/moto-api/nx-sst/lambda-code"] = lambda_code
    _urls.url_paths["{0}/moto-api/nx-sst/http-api"] = http_api
    _urls.url_paths["{0}/moto-api/nx-sst/lambda-url"] = lambda_url
    _urls.url_paths["{0}/moto-api/nx-sst/sns-deliveries"] = _sns_deliveries_route
    _urls.url_paths["{0}/moto-api/nx-sst/match-filters"] = _match_filters_route


@_nx_patch("local HTTP API endpoint")
def _patch_apigatewayv2_endpoint():
    from moto.apigatewayv2 import models as _agm
    _nx_expect((_agm, "Api"))
    original = _agm.Api.__init__

    def __init__(self, *args, **kwargs):
        original(self, *args, **kwargs)
        base = _public_endpoint()
        if base:
            self.api_endpoint = base + "/_aws/execute-api/" + self.api_id

    _agm.Api.__init__ = __init__


@_nx_patch("local function URL")
def _patch_function_url():
    from moto.awslambda import models as _lm
    _nx_expect((_lm, "FunctionUrlConfig"))
    original = _lm.FunctionUrlConfig.__init__

    def __init__(self, *args, **kwargs):
        original(self, *args, **kwargs)
        base = _public_endpoint()
        if base and ".lambda-url." in self.url:
            self.url = base + "/_aws/lambda-url/" + _url_id(self.url) + "/"

    _lm.FunctionUrlConfig.__init__ = __init__


@_nx_patch("SQS event sources polled by the daemon")
def _patch_sqs_inline_invocation():
    from moto.sqs import models as _sqm
    _nx_expect((_sqm.Queue, "add_message"))
    original = _sqm.Queue.add_message

    def add_message(self, message):
        # moto walks the mappings after storing the message; hide them for that call only. Writes run
        # one at a time (the daemon's gate), so no other request sees the empty map.
        mappings = getattr(self, "lambda_event_source_mappings", None)
        self.lambda_event_source_mappings = {}
        try:
            return original(self, message)
        finally:
            self.lambda_event_source_mappings = mappings if mappings is not None else {}

    _sqm.Queue.add_message = add_message


def _without_mappings(owner, call):
    # moto walks the mappings after storing the record; hide them for that call only. Writes run one
    # at a time (the daemon's gate), so no other request sees the empty map.
    mappings = getattr(owner, "lambda_event_source_mappings", None)
    owner.lambda_event_source_mappings = {}
    try:
        return call()
    finally:
        owner.lambda_event_source_mappings = mappings if mappings is not None else {}


@_nx_patch("DynamoDB stream event sources polled by the daemon")
def _patch_dynamodb_stream_inline_invocation():
    from moto.dynamodb.models import table as _ddt
    _nx_expect((_ddt.StreamShard, "add"))
    original = _ddt.StreamShard.add

    def add(self, old, new):
        return _without_mappings(self.table, lambda: original(self, old, new))

    _ddt.StreamShard.add = add


# Iterators a DynamoDB Streams backend keeps (AWS's expire after 15 minutes; moto's never did).
_NX_KEPT_ITERATORS = 1000


@_nx_patch("DynamoDB Streams iterators bounded")
def _patch_dynamodb_stream_iterators():
    from moto.dynamodbstreams import models as _dsm
    _nx_expect((_dsm.DynamoDBStreamsBackend, "get_records"), (_dsm.DynamoDBStreamsBackend, "get_shard_iterator"))
    original_records = _dsm.DynamoDBStreamsBackend.get_records
    original_iterator = _dsm.DynamoDBStreamsBackend.get_shard_iterator

    def _trim(backend):
        iterators = backend.shard_iterators
        # Oldest first (dicts keep insertion order).
        for key in list(iterators)[:max(0, len(iterators) - _NX_KEPT_ITERATORS)]:
            del iterators[key]

    def get_records(self, *args, **kwargs):
        result = original_records(self, *args, **kwargs)
        _trim(self)
        return result

    def get_shard_iterator(self, *args, **kwargs):
        result = original_iterator(self, *args, **kwargs)
        _trim(self)
        return result

    _dsm.DynamoDBStreamsBackend.get_records = get_records
    _dsm.DynamoDBStreamsBackend.get_shard_iterator = get_shard_iterator


@_nx_patch("Kinesis stream event sources polled by the daemon")
def _patch_kinesis_inline_invocation():
    from moto.kinesis import models as _km
    _nx_expect((_km.Stream, "put_record"))
    original = _km.Stream.put_record

    def put_record(self, *args, **kwargs):
        return _without_mappings(self, lambda: original(self, *args, **kwargs))

    _km.Stream.put_record = put_record


@_nx_patch("functions' dead-letter queues")
def _patch_function_dead_letter_config():
    from moto.awslambda import models as _lm
    _nx_expect((_lm.LambdaFunction, "__init__"), (_lm.LambdaFunction, "get_configuration"),
               (_lm.LambdaFunction, "update_configuration"),
               (_lm.LambdaFunction, "create_from_cloudformation_json"))
    cls = _lm.LambdaFunction
    original_init = cls.__init__
    original_get = cls.get_configuration
    original_update = cls.update_configuration
    original_cfn = cls.create_from_cloudformation_json.__func__

    def _target(config):
        # An empty TargetArn removes the dead-letter queue, as on AWS.
        return config if isinstance(config, dict) and config.get("TargetArn") else None

    def __init__(self, account_id, spec, *args, **kwargs):
        original_init(self, account_id, spec, *args, **kwargs)
        self.nx_dead_letter_config = _target(spec.get("DeadLetterConfig"))

    def get_configuration(self, *args, **kwargs):
        config = original_get(self, *args, **kwargs)
        dead_letter = getattr(self, "nx_dead_letter_config", None)
        if dead_letter:
            config["DeadLetterConfig"] = {"TargetArn": dead_letter["TargetArn"]}
        return config

    def update_configuration(self, config_updates):
        if "DeadLetterConfig" in config_updates:
            self.nx_dead_letter_config = _target(config_updates["DeadLetterConfig"])
        return original_update(self, config_updates)

    def create_from_cloudformation_json(klass, resource_name, cloudformation_json, *args, **kwargs):
        fn = original_cfn(klass, resource_name, cloudformation_json, *args, **kwargs)
        properties = cloudformation_json.get("Properties") or {}
        fn.nx_dead_letter_config = _target(properties.get("DeadLetterConfig"))
        return fn

    cls.__init__ = __init__
    cls.get_configuration = get_configuration
    cls.update_configuration = update_configuration
    cls.create_from_cloudformation_json = classmethod(create_from_cloudformation_json)


@_nx_patch("event invoke config replaced and updated")
def _patch_event_invoke_config():
    from urllib.parse import unquote
    from moto.awslambda import models as _lm, responses as _lr
    _nx_expect((_lm.LambdaBackend, "put_function_event_invoke_config"),
               (_lm.LambdaBackend, "update_function_event_invoke_config"),
               (_lr, "ActionResult"), (_lr.LambdaResponse, "update_function_event_invoke_config"))
    original_put = _lm.LambdaBackend.put_function_event_invoke_config

    def put_function_event_invoke_config(self, function_name, config):
        fn = self.get_function(function_name)
        previous = fn.event_invoke_config
        fn.event_invoke_config = []
        try:
            return original_put(self, function_name, config)
        except Exception:
            # A refused config (moto validates while it adds) leaves the old one.
            fn.event_invoke_config = previous
            raise

    def update_function_event_invoke_config(self, function_name, config):
        fn = self.get_function(function_name)
        merged = dict(fn.event_invoke_config[0].config) if fn.event_invoke_config else {}
        merged.update(config)
        return put_function_event_invoke_config(self, function_name, merged)

    _lm.LambdaBackend.put_function_event_invoke_config = put_function_event_invoke_config
    _lm.LambdaBackend.update_function_event_invoke_config = update_function_event_invoke_config

    def update_response(self):
        # As moto answers Put: serialized by the service model (LastModified a timestamp, not text).
        function_name = unquote(self.path.rsplit("/", 2)[1])
        return _lr.ActionResult(self.backend.update_function_event_invoke_config(function_name, self.json_body))

    _lr.LambdaResponse.update_function_event_invoke_config = update_response


@_nx_patch("Invoke authorized as lambda:InvokeFunction on the function")
def _patch_lambda_invoke_authorization():
    from urllib.parse import unquote
    from moto.awslambda import responses as _lr
    from moto.iam import access_control as _iac
    from moto.utilities.utils import get_partition
    _nx_expect((_lr.LambdaResponse, "invoke"), (_iac.IAMRequestBase, "__init__"))
    original_invoke = _lr.LambdaResponse.invoke
    original_request_init = _iac.IAMRequestBase.__init__

    def _function_arn(self):
        # /2015-03-31/functions/NAME-OR-ARN/invocations?Qualifier=Q
        name = unquote(self.path.split("?", 1)[0].rstrip("/").rsplit("/", 2)[-2])
        if not name.startswith("arn:"):
            name = ("arn:" + get_partition(self.region) + ":lambda:" + self.region + ":" +
                    self.current_account + ":function:" + name)
        qualifier = self._get_param("Qualifier") or self.querystring.get("Qualifier", [None])[0]
        if qualifier and name.count(":") == 6:
            name += ":" + qualifier
        return name

    def _determine_resource(self):
        if self._get_action() == "Invoke":
            return _function_arn(self)
        return "*"

    def invoke(self, *args, **kwargs):
        # Access control ran before this method: the daemon's probe is answered without running.
        if any(k.lower() == AUTHORIZE_ONLY_HEADER for k in self.headers.keys()):
            return 204, {"status": 204}, ""
        return original_invoke(self, *args, **kwargs)

    def __init__(self, account_id, method, path, data, body, headers, action):
        original_request_init(self, account_id, method, path, data, body, headers, action)
        if getattr(self, "_action", None) == "lambda:Invoke":
            self._action = "lambda:InvokeFunction"

    _lr.LambdaResponse._determine_resource = _determine_resource
    _lr.LambdaResponse.invoke = invoke
    _iac.IAMRequestBase.__init__ = __init__


@_nx_patch("service principals for the daemon")
def _patch_service_principal_trust():
    from moto.iam import access_control as _iac
    _nx_expect((_iac.IAMRequestBase, "_check_role_trust_relationship"))
    original = _iac.IAMRequestBase._check_role_trust_relationship

    def _header(headers, name):
        for key in headers.keys():
            if key.lower() == name:
                return headers[key]
        return None

    def _check_role_trust_relationship(self, role_arn):
        service = _header(self._headers, SERVICE_PRINCIPAL_HEADER)
        if service:
            role = self.backend.get_role_by_arn(role_arn)
            import json
            document = role.assume_role_policy_document
            policy = json.loads(document) if isinstance(document, str) else document
            statements = policy.get("Statement") if isinstance(policy, dict) else None
            for statement in statements if isinstance(statements, list) else [statements]:
                if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
                    continue
                actions = statement.get("Action")
                actions = actions if isinstance(actions, list) else [actions]
                principal = statement.get("Principal")
                services = principal.get("Service") if isinstance(principal, dict) else None
                services = services if isinstance(services, list) else [services]
                if "sts:AssumeRole" in actions and service in services:
                    return True
        return original(self, role_arn)

    _iac.IAMRequestBase._check_role_trust_relationship = _check_role_trust_relationship


# Notifications for functions subscribed to a topic, until the daemon drains them (it runs the functions).
_nx_sns_deliveries = []


@_nx_patch("SNS deliveries to functions run by the daemon")
def _patch_sns_lambda_delivery():
    from moto.sns import models as _snm
    from moto.core.utils import iso_8601_datetime_with_milliseconds
    _nx_expect((_snm.Subscription, "publish"), (_snm.Subscription, "_parse_message_structure"))
    original = _snm.Subscription.publish

    def _attributes(message_attributes):
        out = {}
        for name, value in (message_attributes or {}).items():
            if not isinstance(value, dict):
                continue
            if "Type" in value:
                out[name] = {"Type": value.get("Type"), "Value": value.get("Value")}
            else:
                out[name] = {"Type": value.get("DataType"),
                             "Value": value.get("StringValue", value.get("BinaryValue"))}
        return out

    def publish(self, message, message_id, subject=None, message_attributes=None, group_id=None,
                deduplication_id=None, message_structure=None):
        if self.protocol != "lambda":
            return original(self, message, message_id, subject, message_attributes, group_id,
                            deduplication_id, message_structure)
        # moto would invoke the function through Docker here; the daemon runs it instead.
        matcher = getattr(self, "_filter_policy_matcher", None)
        if matcher is not None and not matcher.matches(message_attributes, message):
            return
        if message_structure == "json":
            message = self._parse_message_structure(message, self.protocol)
        _nx_sns_deliveries.append({
            "functionArn": self.endpoint,
            "subscriptionArn": self.arn,
            "topicArn": self.topic.arn,
            "messageId": message_id,
            "message": message,
            "subject": subject,
            "messageAttributes": _attributes(message_attributes),
            "timestamp": iso_8601_datetime_with_milliseconds(),
        })

    _snm.Subscription.publish = publish


def _match_filters_route(request, full_url, headers):
    # An event source mapping's FilterCriteria, judged with moto's EventBridge pattern matcher (Lambda's
    # filters use EventBridge's pattern syntax): for each record, whether any pattern matches it.
    import json
    from moto.events.models import EventPattern
    body = json.loads(request.data or b"{}")
    try:
        patterns = [EventPattern.load(p) for p in body.get("patterns") or []]
    except Exception as e:  # moto's InvalidEventPatternException and JSON errors
        return 400, {"content-type": "application/json"}, json.dumps({"message": str(e)})
    verdicts = [any(p.matches_event(r) for p in patterns) for r in body.get("records") or []]
    return 200, {"content-type": "application/json"}, json.dumps(verdicts)


def _sns_deliveries_route(request, full_url, headers):
    import json
    drained = list(_nx_sns_deliveries)
    del _nx_sns_deliveries[:len(drained)]
    return 200, {"content-type": "application/json"}, json.dumps(drained)
