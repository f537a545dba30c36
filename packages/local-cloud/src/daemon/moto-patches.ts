/**
 * Python run inside the moto process before it serves, filling CloudFormation gaps that cannot be
 * repaired from outside without re-implementing CloudFormation: the gap is in moto's state, so the
 * fix goes there. Each patch checks that the moto internals it wraps exist and is skipped (with a
 * line in the daemon log) otherwise, so a newer moto degrades to its own behaviour, never to a crash.
 *
 * 1. Change sets are looked up per stack (moto looks names up across all stacks, crashes deleting a
 *    missing one, and answers a missing one with "Stack with id <change set> does not exist").
 * 2. Executing a change set recomputes the stack's template, Outputs and exports (moto kept the
 *    Outputs of the template the stack had before, i.e. none for a stack created by a change set),
 *    and resolves Fn::ImportValue against the exports of other stacks.
 * 3. `Custom::*` / `AWS::CloudFormation::CustomResource` resources complete without invoking their
 *    Lambda (moto would run it in Docker); `Custom::S3AutoDeleteObjects` empties its bucket on delete.
 * 4. A forced failure of named resource types (fault injection; the front passes them in the
 *    `x-nx-sst-fail-resource-types` header) rolls the deploy back and names the failing resource.
 * 5. `AWS::ApiGatewayV2::Api/Stage/Integration/Route/Authorizer` are CloudFormation models over moto's
 *    own apigatewayv2 backend (moto 5.2.1 has the API model but no CloudFormation support for it).
 * 6. `Custom::CDKBucketDeployment` (aws-s3-deployment, used by StaticSite) does what the CDK handler
 *    does: unzip the sources, replace the markers, sync to the destination (prune, metadata) and
 *    empty the prefix on delete when the bucket is not owned — on moto's S3, in process.
 * 7. `AWS::RDS::DBCluster`, `AWS::SecretsManager::Secret` and `SecretTargetAttachment` (the RDS construct)
 *    over moto's rds and secretsmanager backends, with `{{resolve:secretsmanager:…}}` references resolved;
 *    Aurora instances join their cluster.
 * 8. Route tables and their subnet associations are deleted with their stack (else no VPC stack deletes).
 * 9. S3 without a signature: `AWS::S3::BucketPolicy` is put on moto's bucket; an anonymous caller is
 *    judged only by statements about everyone (principal "*", no condition); with IAM enforcement an
 *    unsigned request (a public read, a CORS preflight) and a presigned URL no longer crash moto.
 * A resource these models refuse (`_nx_refused`) rolls a new stack back, deleting what it had created.
 *
 * The Python below sits in a template literal: it must hold no backtick and no dollar-brace.
 */
export const MOTO_PATCHES = String.raw`

def _nx_log(msg):
    sys.stderr.write("nx-sst moto patch: " + msg + "\n")


def _nx_refused(logical_id, resource_type, message):
    """A resource our models refuse: a creating deploy rolls back naming it (see execute_change_set)."""
    from moto.cloudformation.exceptions import ValidationError
    error = ValidationError(message=str(logical_id) + " (" + resource_type + "): " + message)
    error.nx_refused = (str(logical_id), resource_type, message)
    return error

import importlib.abc, importlib.util, sys, threading

# Patches are applied when moto itself first imports the module they change: importing moto's
# CloudFormation eagerly loads every service model and would add seconds to each cold start.
_nx_hooks = {}


def _nx_run_hook(name):
    fn = _nx_hooks.pop(name, None)
    if fn is not None:
        try:
            fn()
        except Exception as e:  # pragma: no cover - depends on the installed moto
            _nx_log(name + " patch failed: " + repr(e))


class _NxPostImport(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if fullname not in _nx_hooks:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                break
        else:
            return None
        loader = spec.loader
        if loader is None or not hasattr(loader, "exec_module"):
            return None
        original = loader.exec_module

        def exec_module(module):
            original(module)
            _nx_run_hook(fullname)

        loader.exec_module = exec_module
        return spec


sys.meta_path.insert(0, _NxPostImport())


def _nx_on_import(name, fn):
    _nx_hooks[name] = fn
    if name in sys.modules:
        _nx_run_hook(name)


def _patch_iam():
    try:
        from moto.iam import access_control as _iac
        _orig_check_principal = _iac.IAMPolicyStatement._check_principal

        def _account_of(arn):
            parts = str(arn).split(":")
            return parts[4] if len(parts) > 5 and parts[0] == "arn" else None

        def _check_principal(self, principal):
            if _orig_check_principal(self, principal):
                return True
            expected = (self._statement.get("Principal") or {})
            expected = expected.get("AWS") if isinstance(expected, dict) else None
            if expected is None:
                return False
            account = _account_of(principal)
            for entry in (expected if isinstance(expected, list) else [expected]):
                entry = str(entry)
                if account and (entry == account or (entry.endswith(":root") and _account_of(entry) == account)):
                    return True
            return False

        _iac.IAMPolicyStatement._check_principal = _check_principal

        # A trust statement for a service (lambda.amazonaws.com) or federated users says nothing of an
        # IAM caller; moto reads its missing "AWS" key as a list and fails the whole AssumeRole (HTTP 500).
        _orig_is_action_permitted = _iac.IAMPolicyStatement.is_action_permitted

        def _is_action_permitted(self, action, resource="*", principal=None, incoming_condition_values=None):
            expected = self._statement.get("Principal")
            if principal and isinstance(expected, dict) and "AWS" not in expected:
                return _iac.PermissionResult.NEUTRAL
            return _orig_is_action_permitted(self, action, resource, principal, incoming_condition_values)

        _iac.IAMPolicyStatement.is_action_permitted = _is_action_permitted
    except Exception as e:  # pragma: no cover - depends on the installed moto
        _nx_log("IAM trust patch skipped: " + repr(e))

    try:
        from moto.core.authorization import ActionAuthenticatorMixin as _AAM
        from moto.utilities.utils import get_partition as _partition
        _orig_authorize = _AAM._authenticate_and_authorize_normal_action

        def _authorize(self, resource="*"):
            # A call that touches several resources (GetParameters) must be allowed on each.
            for one in (resource if isinstance(resource, list) else [resource]) or ["*"]:
                _orig_authorize(self, one)

        _AAM._authenticate_and_authorize_normal_action = _authorize

        def _arn(self, service, rest):
            return "arn:" + _partition(self.region) + ":" + service + ":" + self.region + ":" + self.current_account + ":" + rest

        def _ssm_parameter_arn(self, name):
            name = str(name)
            if name.startswith("arn:"):
                return name
            return _arn(self, "ssm", "parameter" + (name if name.startswith("/") else "/" + name))

        def _ssm_resource(self):
            action = self._get_action()
            if action == "GetParametersByPath":
                return _ssm_parameter_arn(self, str(self._get_param("Path") or "/").rstrip("/") or "/")
            names = self._get_param("Names")
            if action in ("GetParameters", "DeleteParameters") and isinstance(names, list):
                return [_ssm_parameter_arn(self, n) for n in names]
            name = self._get_param("Name")
            return _ssm_parameter_arn(self, name) if name else "*"

        def _dynamodb_resource(self):
            table = self._get_param("TableName")
            return _arn(self, "dynamodb", "table/" + str(table)) if table else "*"

        def _sns_resource(self):
            return self._get_param("TopicArn") or self._get_param("TargetArn") or "*"

        def _resource_of(module, cls, fn):
            def apply():
                setattr(getattr(sys.modules[module], cls), "_determine_resource", fn)
            _nx_on_import(module, apply)

        _resource_of("moto.ssm.responses", "SimpleSystemManagerResponse", _ssm_resource)
        _resource_of("moto.dynamodb.responses", "DynamoHandler", _dynamodb_resource)
        _resource_of("moto.sns.responses", "SNSResponse", _sns_resource)
    except Exception as e:  # pragma: no cover - depends on the installed moto
        _nx_log("IAM resource patch skipped: " + repr(e))

def _patch_sts():
    try:
        import base64 as _b64
        from moto.sts import utils as _stsu, models as _stsm
        from moto.moto_api._internal import mock_random as _mock_random

        def _random_session_token():
            prefix = _stsu.SESSION_TOKEN_PREFIX
            return prefix + _b64.b64encode(_mock_random.randbytes(266))[len(prefix):].decode()

        _stsu.random_session_token = _random_session_token
        _stsm.random_session_token = _random_session_token
    except Exception as e:  # pragma: no cover - depends on the installed moto
        _nx_log("STS session token patch skipped: " + repr(e))

# ---- 6. Custom::CDKBucketDeployment (aws-s3-deployment) without its Lambda: what the CDK handler
# (aws-cdk-lib custom-resource-handlers/.../bucket-deployment-handler/index.py) does with the AWS CLI,
# done on moto's S3 in the same process, so a StaticSite's files are in its bucket after a deploy.
BUCKET_DEPLOYMENT = "Custom::CDKBucketDeployment"


def _cr_flag(value, default):
    # CloudFormation hands custom resources every property as a string ("true"); moto keeps JSON types.
    if value is None:
        return default
    return str(value).lower() == "true"


def _cr_marker_value(name, value, config):
    encoding = (config.get("markerEncodings") or {}).get(
        name, "UNQUOTED_JSON_VALUE" if _cr_flag(config.get("jsonEscape"), False) else "LITERAL")
    import json as _json
    if encoding == "LITERAL":
        if not isinstance(value, str):
            raise ValueError("Expected a string for LITERAL encoding for marker " + name)
        return value
    if encoding == "UNQUOTED_JSON_VALUE":
        serialized = _json.dumps(value)
        return serialized[1:-1] if serialized.startswith('"') and serialized.endswith('"') else serialized
    if encoding == "JSON_VALUE":
        return _json.dumps(value)
    if encoding == "YAML_STRING":
        import re as _re
        if not isinstance(value, str):
            raise ValueError("Expected a string for YAML_STRING encoding for marker " + name)
        if _re.fullmatch(r"[A-Za-z][A-Za-z0-9._-]*", value) and value.lower() not in (
                "y", "n", "yes", "no", "true", "false", "on", "off", "null"):
            return value
        return _json.dumps(value)
    raise ValueError("Unknown marker encoding: " + str(encoding))


def _cr_included(rel, exclude, include):
    # aws s3 sync: everything is included, then each --exclude and --include in order; the last match wins.
    import fnmatch
    included = True
    for patterns, verdict in ((exclude, False), (include, True)):
        for pattern in patterns or []:
            if fnmatch.fnmatchcase(rel, pattern):
                included = verdict
    return included


def _cr_live_keys(bucket, prefix):
    from moto.s3.models import FakeKey
    return [name for name in list(bucket.keys.keys())
            if name.startswith(prefix) and isinstance(bucket.keys.get(name), FakeKey)]


def _cr_bucket_owned(backend, bucket_name, prefix):
    tag = "aws-cdk:cr-owned" + ((":" + prefix) if prefix else "")
    try:
        tags = backend.get_bucket_tagging(bucket_name).get("Tags") or []
    except Exception:
        return False
    return any(str(t.get("Key", "")).startswith(tag) for t in tags)


def _cr_remove(backend, bucket_name, prefix):
    try:
        bucket = backend.get_bucket(bucket_name)
    except Exception:
        return
    for name in _cr_live_keys(bucket, prefix):
        backend.delete_object(bucket_name, name)


def _bucket_deployment(account_id, region_name, request_type, props, old_props):
    import io, mimetypes, posixpath, zipfile
    from moto.s3.models import s3_backends
    from moto.s3.utils import metadata_from_headers
    from moto.utilities.utils import get_partition
    backend = s3_backends[account_id][get_partition(region_name)]

    source_buckets = props.get("SourceBucketNames") or []
    source_keys = props.get("SourceObjectKeys") or []
    markers = props.get("SourceMarkers") or [{} for _ in source_buckets]
    markers_config = props.get("SourceMarkersConfig") or [{} for _ in source_buckets]
    dest_bucket = props.get("DestinationBucketName")
    if not dest_bucket or len(source_buckets) != len(source_keys):
        raise ValueError(BUCKET_DEPLOYMENT + ": DestinationBucketName, SourceBucketNames and SourceObjectKeys are required")
    if len(markers) > len(source_keys):
        raise ValueError("Can never have more SourceMarkers (" + str(len(markers)) + ") than SourceObjectKeys (" + str(len(source_keys)) + ")")
    prefix = props.get("DestinationBucketKeyPrefix") or ""
    if prefix == "/":
        prefix = ""
    extract = _cr_flag(props.get("Extract"), True)
    retain_on_delete = _cr_flag(props.get("RetainOnDelete"), True)
    prune = _cr_flag(props.get("Prune"), True)
    exclude = props.get("Exclude") or []
    include = props.get("Include") or []
    # "aws s3 sync DIR s3://bucket/prefix" writes prefix/NAME even when the prefix has no trailing slash.
    key_prefix = prefix + ("/" if prefix and not prefix.endswith("/") else "")
    data = {
        "DestinationBucketArn": props.get("DestinationBucketArn"),
        "SourceObjectKeys": source_keys if _cr_flag(props.get("OutputObjectKeys"), True) else [],
    }

    if request_type == "Delete":
        if not retain_on_delete and not _cr_bucket_owned(backend, dest_bucket, prefix):
            _cr_remove(backend, dest_bucket, prefix)
        return data
    if request_type == "Update" and not retain_on_delete:
        old_bucket = old_props.get("DestinationBucketName") or ""
        old_prefix = old_props.get("DestinationBucketKeyPrefix") or ""
        if old_bucket and (old_bucket, old_prefix) != (dest_bucket, props.get("DestinationBucketKeyPrefix") or ""):
            _cr_remove(backend, old_bucket, old_prefix)

    contents = {}
    for i, (bucket_name, key) in enumerate(zip(source_buckets, source_keys)):
        source = backend.get_object(bucket_name, key)
        if source is None:
            raise ValueError(BUCKET_DEPLOYMENT + ": source s3://" + bucket_name + "/" + key + " does not exist")
        if not extract:
            contents[posixpath.basename(key)] = source.value
            continue
        tokens = {}
        config = markers_config[i] if i < len(markers_config) else {}
        for name, value in (markers[i] if i < len(markers) else {}).items():
            tokens[name.encode("utf-8")] = _cr_marker_value(name, value, config or {}).encode("utf-8")
        with zipfile.ZipFile(io.BytesIO(source.value)) as archive:
            for info in archive.infolist():
                if info.is_dir():
                    continue
                # as ZipFile.extractall: no absolute paths, no way out of the folder
                parts = [p for p in info.filename.replace("\\", "/").split("/") if p not in ("", ".", "..")]
                if not parts:
                    continue
                body = archive.read(info)
                for token, replacement in tokens.items():
                    body = body.replace(token, replacement)
                contents["/".join(parts)] = body

    system = {str(k).lower(): v for k, v in (props.get("SystemMetadata") or {}).items()}
    user = {str(k).lower(): v for k, v in (props.get("UserMetadata") or {}).items()}
    uploaded = set()
    for rel in sorted(contents):
        if not _cr_included(rel, exclude, include):
            continue
        headers = {}
        content_type = system.get("content-type") or mimetypes.guess_type(rel)[0]
        if content_type:
            headers["Content-Type"] = content_type
        for name in ("cache-control", "content-disposition", "content-encoding", "content-language", "expires"):
            if name in system:
                headers[name.title()] = system[name]
        for name, value in user.items():
            headers["x-amz-meta-" + name] = value
        key = backend.put_object(
            dest_bucket, key_prefix + rel, contents[rel], storage=system.get("storage-class"),
            encryption=system.get("sse"), kms_key_id=system.get("sse-kms-key-id"))
        key.set_metadata(metadata_from_headers(headers), replace=True)
        if system.get("website-redirect"):
            key.website_redirect_location = system["website-redirect"]
        uploaded.add(key_prefix + rel)
    if prune:
        bucket = backend.get_bucket(dest_bucket)
        for name in _cr_live_keys(bucket, key_prefix):
            if name not in uploaded and _cr_included(name[len(key_prefix):], exclude, include):
                backend.delete_object(dest_bucket, name)
    return data


def _patch_cloudformation():
    try:
        from moto.cloudformation import models as _cfm
        from moto.cloudformation import responses as _cfr
        from moto.cloudformation import custom_model as _ccm
        from moto.cloudformation.exceptions import CloudFormationError as _CfnError, ValidationError as _ValidationError
        _nx_ok = all(hasattr(x, y) for x, y in [
            (_cfm, "CloudFormationBackend"), (_cfm, "ChangeSet"), (_cfm, "Stack"), (_cfm, "Event"),
            (_cfm.CloudFormationBackend, "execute_change_set"), (_cfm.CloudFormationBackend, "describe_change_set"),
            (_cfm.CloudFormationBackend, "delete_change_set"), (_cfm.CloudFormationBackend, "create_stack"),
            (_cfm.CloudFormationBackend, "update_stack"), (_cfr, "CloudFormationResponse"),
            (_ccm, "CustomModel"),
        ])
    except Exception as e:  # pragma: no cover - depends on the installed moto
        _nx_ok = False
        _nx_log("CloudFormation patches skipped: " + repr(e))

    if not _nx_ok:
        return
    class ChangeSetNotFound(_CfnError):
        code = "ChangeSetNotFoundException"

    _local = threading.local()

    def _fail_types():
        return getattr(_local, "fail_types", None) or set()

    # ---- 4. the forced-failure header reaches the backend through the request's thread
    _orig_call_action = _cfr.CloudFormationResponse.call_action

    def _call_action(self):
        header = self.headers.get("x-nx-sst-fail-resource-types") or ""
        _local.fail_types = {t.strip() for t in header.split(",") if t.strip()}
        try:
            return _orig_call_action(self)
        finally:
            _local.fail_types = set()

    _cfr.CloudFormationResponse.call_action = _call_action

    # ---- 1. change sets per stack
    def _stack_matches(change_set, stack_name):
        if not stack_name:
            return True
        return change_set.stack.name == stack_name or change_set.stack.stack_id == stack_name

    def _find_change_set(self, change_set_name, stack_name=None):
        if change_set_name in self.change_sets:
            return self.change_sets[change_set_name]
        found = None
        for cs in self.change_sets.values():
            if cs.change_set_name == change_set_name and _stack_matches(cs, stack_name):
                found = cs
        return found

    def _not_found(change_set_name):
        return ChangeSetNotFound("ChangeSet [" + str(change_set_name) + "] does not exist")

    def describe_change_set(self, change_set_name, stack_name=None):
        cs = _find_change_set(self, change_set_name, stack_name)
        if cs is None:
            raise _not_found(change_set_name)
        return cs

    def delete_change_set(self, change_set_name, stack_name=None):
        cs = _find_change_set(self, change_set_name, stack_name)
        if cs is not None:
            del self.change_sets[cs.change_set_id]
        elif stack_name and not any(s.name == stack_name or s.stack_id == stack_name for s in self.stacks.values()):
            raise _ValidationError(stack_name)
        # Deleting a change set that is not there succeeds when the stack exists, as on AWS.

    _cfm.CloudFormationBackend.describe_change_set = describe_change_set
    _cfm.CloudFormationBackend.delete_change_set = delete_change_set

    def _r_describe_change_set(self):
        cs = self.cloudformation_backend.describe_change_set(
            change_set_name=self._get_param("ChangeSetName"), stack_name=self._get_param("StackName"))
        return _cfr.ActionResult(cs)

    def _r_delete_change_set(self):
        self.cloudformation_backend.delete_change_set(
            change_set_name=self._get_param("ChangeSetName"), stack_name=self._get_param("StackName"))
        return _cfr.EmptyResult()

    _orig_list_change_sets = _cfr.CloudFormationResponse.list_change_sets

    def _r_list_change_sets(self):
        stack_name = self._get_param("StackName")
        summaries = [cs for cs in self.cloudformation_backend.list_change_sets() if _stack_matches(cs, stack_name)]
        return _cfr.ActionResult({"Summaries": summaries})

    _cfr.CloudFormationResponse.describe_change_set = _r_describe_change_set
    _cfr.CloudFormationResponse.delete_change_set = _r_delete_change_set
    _cfr.CloudFormationResponse.list_change_sets = _r_list_change_sets

    # ---- 4. rollback of a forced failure
    def _resource_event(stack, logical_id, resource_type, status, reason):
        event = _cfm.Event(
            stack_id=stack.stack_id, stack_name=stack.name, logical_resource_id=logical_id,
            physical_resource_id="", resource_type=resource_type, resource_status=status,
            resource_status_reason=reason, resource_properties=None)
        stack.events.append(event)

    def _failing_resource(template_dict, old_template_dict):
        types = _fail_types()
        if not types:
            return None
        old = (old_template_dict or {}).get("Resources") or {}
        for logical_id, resource in ((template_dict or {}).get("Resources") or {}).items():
            if resource.get("Type") in types and old.get(logical_id) != resource:
                return logical_id, resource.get("Type"), logical_id in old
        return None

    def _roll_back(stack, failing, updating, message=None):
        logical_id, resource_type, existed = failing
        reason = "Resource handler returned message: \"" + resource_type + " failed: " + (
            message or "fault injected by the nx-sst local cloud (failResourceTypes)") + "\""
        verb = "UPDATE" if existed else "CREATE"
        if message is None:  # a refused resource fails after the deploy has started
            if updating:
                stack._add_stack_event("UPDATE_IN_PROGRESS", resource_status_reason="User Initiated")
            else:
                stack._add_stack_event("CREATE_IN_PROGRESS", resource_status_reason="User Initiated")
        _resource_event(stack, logical_id, resource_type, verb + "_IN_PROGRESS", None)
        _resource_event(stack, logical_id, resource_type, verb + "_FAILED", reason)
        summary = "The following resource(s) failed to " + verb.lower() + ": [" + logical_id + "]. " + (
            (message + " ") if message else "")
        if updating:
            stack._add_stack_event("UPDATE_ROLLBACK_IN_PROGRESS", resource_status_reason=summary)
            stack._add_stack_event("UPDATE_ROLLBACK_COMPLETE")
            stack.status = "UPDATE_ROLLBACK_COMPLETE"
        else:
            stack._add_stack_event("ROLLBACK_IN_PROGRESS", resource_status_reason=summary + "Rollback requested by user.")
            stack._add_stack_event("ROLLBACK_COMPLETE")
            stack.status = "ROLLBACK_COMPLETE"
        stack.stack_status_reason = summary

    def _refused_rolled_back(stack, error):
        # A new stack whose resource we refused: delete what was created, roll back naming the resource,
        # so nothing is left half-made. (A refused update keeps moto's error: there is no state to restore.)
        refused = getattr(error, "nx_refused", None)
        if refused is None:
            return False
        logical_id, resource_type, message = refused
        try:
            stack.resource_map.delete()
        except Exception as e:
            _nx_log("rollback of " + stack.name + " left resources: " + repr(e))
        # moto's resource map creates a resource when it is first looked up (DescribeStackResources would
        # bring the deleted ones back): a rolled-back stack has none.
        stack.resource_map._resource_json_map = {}
        stack.output_map = _cfm.OutputMap(stack.resource_map, {}, stack.stack_id)
        _roll_back(stack, (logical_id, resource_type, False), False, message)
        return True

    # ---- 1 + 2 + 4. executing a change set
    def execute_change_set(self, change_set_name, stack_name=None):
        cs = _find_change_set(self, change_set_name, stack_name)
        if cs is None:
            raise _not_found(change_set_name)
        stack = self.stacks[cs.stack_id]
        updating = cs.change_set_type != "CREATE"
        failing = _failing_resource(cs.template_dict, stack.template_dict if updating else None)
        if failing:
            _roll_back(stack, failing, updating)
            cs.execution_status = "EXECUTE_FAILED"
            return
        if updating:
            stack._add_stack_event("UPDATE_IN_PROGRESS", resource_status_reason="User Initiated")
        else:
            stack._add_stack_event("CREATE_IN_PROGRESS", resource_status_reason="User Initiated")
        old_exports = [e.name for e in stack.exports]
        # A stack that a change set created was made without the backend's exports (moto passes
        # them only to CreateStack), so its Fn::ImportValue found nothing: share the live ones.
        stack.cross_stack_resources = self.exports
        stack.resource_map.cross_stack_resources = self.exports
        try:
            cs.apply()
        except _CfnError as e:
            if updating or not _refused_rolled_back(stack, e):
                raise
            cs.execution_status = "EXECUTE_FAILED"
            return
        stack.template = cs.template
        stack._parse_template()
        stack.description = stack.template_dict.get("Description")
        if cs.parameters:
            stack.parameters = cs.parameters
        stack.output_map = stack._create_output_map()
        for name in old_exports:
            self.exports.pop(name, None)
        for export in stack.exports:
            self.exports[export.name] = export
        stack._add_stack_event(("UPDATE" if updating else "CREATE") + "_COMPLETE")
        cs.execution_status = "EXECUTE_COMPLETE"
        stack.status = ("UPDATE" if updating else "CREATE") + "_COMPLETE"
        stack.stack_status_reason = None

    _cfm.CloudFormationBackend.execute_change_set = execute_change_set

    # ---- 4. forced failure on the direct (CreateStack / UpdateStack) route
    _orig_create_stack = _cfm.CloudFormationBackend.create_stack
    _orig_create_resources = _cfm.Stack.create_resources

    def _create_resources(self):
        failing = _failing_resource(self.template_dict, None)
        if failing:
            _roll_back(self, failing, False)
            self.resource_map._resource_json_map = {}  # else a later lookup would create them
            self.output_map = _cfm.OutputMap(self.resource_map, {}, self.stack_id)
            return
        try:
            return _orig_create_resources(self)
        except _CfnError as e:
            if not _refused_rolled_back(self, e):
                raise

    _cfm.Stack.create_resources = _create_resources

    _orig_update_stack = _cfm.CloudFormationBackend.update_stack

    def update_stack(self, name, template, role_arn, parameters, tags):
        stack = self.get_stack(name)
        failing = _failing_resource(_cfm.Stack.parse_template(template), stack.template_dict)
        if failing:
            _roll_back(stack, failing, True)
            return stack
        result = _orig_update_stack(self, name, template, role_arn, parameters, tags)
        result.stack_status_reason = None
        return result

    _cfm.CloudFormationBackend.update_stack = update_stack

    # ---- 3. custom resources answer without Lambda
    def _run_bucket_deployment(logical_id, account_id, region_name, request_type, properties, old_properties):
        try:
            return _bucket_deployment(account_id, region_name, request_type, properties, old_properties)
        except Exception as e:
            # A clear answer to the deploy call instead of moto's HTML 500.
            raise _nx_refused(logical_id, BUCKET_DEPLOYMENT, str(e))

    def _custom_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        properties = cloudformation_json.get("Properties") or {}
        resource = _ccm.CustomModel(region_name, "nx-sst-local", kwargs["LogicalId"], resource_name)
        resource.nx_resource_type = kwargs.get("ResourceType")
        resource.nx_properties = properties
        resource.nx_account_id = account_id
        data = {}
        if resource.nx_resource_type == BUCKET_DEPLOYMENT:
            data = _run_bucket_deployment(kwargs["LogicalId"], account_id, region_name, "Create", properties, {})
        resource.set_data(data)
        stack = _cfm.cloudformation_backends[account_id][region_name].get_stack(kwargs["StackId"])
        stack.add_custom_resource(resource)
        return resource

    def _empty_bucket(account_id, region_name, bucket_name):
        from moto.s3.models import s3_backends
        from moto.utilities.utils import get_partition
        backend = s3_backends[account_id][get_partition(region_name)]
        try:
            bucket = backend.get_bucket(bucket_name)
        except Exception:
            return
        for key_name, versions in list(bucket.keys.iterlists()):
            for version in list(versions):
                backend.delete_object(bucket_name, key_name, version_id=getattr(version, "version_id", None))
        for key_name in list(bucket.keys.keys()):
            backend.delete_object(bucket_name, key_name)

    def _custom_delete(self, account_id, region_name):
        resource_type = getattr(self, "nx_resource_type", None)
        if resource_type == "Custom::S3AutoDeleteObjects":
            bucket_name = (self.nx_properties or {}).get("BucketName")
            if bucket_name:
                _empty_bucket(account_id, region_name, bucket_name)
        elif resource_type == BUCKET_DEPLOYMENT:
            _bucket_deployment(account_id, region_name, "Delete", self.nx_properties or {}, {})

    def _custom_update(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
        # moto has no update for custom resources and would drop the resource from the stack,
        # so a later delete (e.g. emptying an autoDeleteObjects bucket) would never run.
        old_properties = getattr(original_resource, "nx_properties", None) or {}
        original_resource.nx_properties = cloudformation_json.get("Properties") or {}
        if getattr(original_resource, "nx_resource_type", None) == BUCKET_DEPLOYMENT:
            original_resource.set_data(_run_bucket_deployment(
                original_resource.logical_id, account_id, region_name, "Update",
                original_resource.nx_properties, old_properties))
        return original_resource

    # moto deletes a stack's resources in set order, not in reverse dependency order, and its S3
    # "deletes" a non-empty bucket by doing nothing. Custom resources (which depend on what they
    # manage, e.g. the bucket they empty) therefore run their delete first, as on AWS.
    from moto.cloudformation import parsing as _cfp
    _orig_resource_map_delete = _cfp.ResourceMap.delete

    def _resource_map_delete(self):
        for resource in list(self._parsed_resources.values()):
            if isinstance(resource, _ccm.CustomModel):
                try:
                    resource.delete(self._account_id, self._region_name)
                except Exception as e:
                    _nx_log("custom resource delete failed: " + repr(e))
        return _orig_resource_map_delete(self)

    _cfp.ResourceMap.delete = _resource_map_delete

    _ccm.CustomModel.create_from_cloudformation_json = classmethod(_custom_create)
    _ccm.CustomModel.update_from_cloudformation_json = classmethod(_custom_update)
    _ccm.CustomModel.delete = _custom_delete


# ---- 5. AWS::ApiGatewayV2::{Api,Stage,Integration,Route,Authorizer} onto moto's own apigatewayv2 backend
def _patch_apigatewayv2_cfn():
    try:
        from moto.core.common_models import CloudFormationModel
        from moto.cloudformation import parsing as _cfp
        from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
        from moto.apigatewayv2 import models as _agm
        from moto.apigatewayv2.exceptions import ApiNotFound
        _ok = all(hasattr(x, y) for x, y in [
            (_cfp, "get_model_list"), (_cfp, "get_model_map"), (_cfp, "get_name_type_map"),
            (_agm, "apigatewayv2_backends"), (_agm.Api, "create_route"), (_agm.Api, "create_integration"),
            (_agm.Api, "create_stage"), (_agm.Api, "create_authorizer"), (_agm.ApiGatewayV2Backend, "create_api"),
        ])
    except Exception as e:  # pragma: no cover - depends on the installed moto
        _ok = False
        _nx_log("ApiGatewayV2 CloudFormation patch skipped: " + repr(e))
    if not _ok:
        return
    if "AWS::ApiGatewayV2::Api" in _cfp.get_model_map():
        return  # a moto that models these itself

    def _backend(account_id, region_name):
        return _agm.apigatewayv2_backends[account_id][region_name]

    def _camel(d):
        # CloudFormation spells nested settings in PascalCase, the API (and moto's model) in camelCase.
        if not isinstance(d, dict):
            return d
        return {(k[:1].lower() + k[1:]): v for k, v in d.items()}

    def _props(cfn):
        return cfn.get("Properties") or {}

    class _CfnChild:
        """A sub-resource of an API (stage, integration, route, authorizer): physical id + owning API.
        A mixin: moto finds models through CloudFormationModel.__subclasses__(), direct ones only."""
        _attrs = {}

        def __init__(self, account_id, region_name, api_id, child_id):
            self.account_id = account_id
            self.region_name = region_name
            self.api_id = api_id
            self.child_id = child_id

        @property
        def physical_resource_id(self):
            return self.child_id

        @staticmethod
        def cloudformation_name_type():
            return ""

        @classmethod
        def has_cfn_attr(cls, attr):
            return attr in cls._attrs

        def get_cfn_attribute(self, attribute_name):
            if attribute_name in self._attrs:
                return getattr(self, self._attrs[attribute_name])
            raise UnformattedGetAttTemplateException()

        def is_created(self):
            return True

        def _api(self):
            return _backend(self.account_id, self.region_name).get_api(self.api_id)

        @classmethod
        def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
            props = _props(cloudformation_json)
            api = _backend(account_id, region_name).get_api(props["ApiId"])
            return cls(account_id, region_name, api.api_id, cls._create(api, props, None))

        @classmethod
        def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
            props = _props(cloudformation_json)
            if props.get("ApiId") != original_resource.api_id:
                # A new API means a new resource, as on AWS (replacement).
                original_resource.delete(account_id, region_name)
                return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)
            # Recreated from the full new properties (so a removed property is reset) under the same id.
            api = original_resource._api()
            original_resource.child_id = cls._create(api, props, original_resource.child_id)
            return original_resource

        @classmethod
        def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
            pass

        def delete(self, account_id, region_name):
            try:
                api = self._api()
            except ApiNotFound:
                return  # deleted with its API (moto deletes a stack's resources in no set order)
            self._remove(api, self.child_id)

    def _rekey(store, obj, attr, new_id, keep_id):
        # moto draws a fresh id; an update keeps the one CloudFormation already handed out.
        if keep_id is None:
            return new_id
        store.pop(new_id, None)
        setattr(obj, attr, keep_id)
        store[keep_id] = obj
        return keep_id

    class NxApiGatewayV2Stage(_CfnChild, CloudFormationModel):
        __module__ = "moto.apigatewayv2.models"
        _attrs = {}

        @staticmethod
        def cloudformation_type():
            return "AWS::ApiGatewayV2::Stage"

        @staticmethod
        def _create(api, props, keep_id):
            if keep_id is not None and keep_id != props.get("StageName"):
                api.delete_stage(keep_id)
            config = {"stageName": props["StageName"]}
            for key in ("AutoDeploy", "Description", "ClientCertificateId", "StageVariables", "Tags", "DeploymentId"):
                if key in props:
                    config[key[:1].lower() + key[1:]] = props[key]
            if "AccessLogSettings" in props:
                config["accessLogSettings"] = _camel(props["AccessLogSettings"])
            if "DefaultRouteSettings" in props:
                config["defaultRouteSettings"] = _camel(props["DefaultRouteSettings"])
            if "RouteSettings" in props:
                config["routeSettings"] = {k: _camel(v) for k, v in (props["RouteSettings"] or {}).items()}
            return api.create_stage(config).name

        @staticmethod
        def _remove(api, child_id):
            api.delete_stage(child_id)

    class NxApiGatewayV2Integration(_CfnChild, CloudFormationModel):
        __module__ = "moto.apigatewayv2.models"
        _attrs = {"IntegrationId": "child_id"}

        @staticmethod
        def cloudformation_type():
            return "AWS::ApiGatewayV2::Integration"

        @staticmethod
        def _create(api, props, keep_id):
            integration = api.create_integration(
                connection_type=props.get("ConnectionType"),
                description=props.get("Description"),
                integration_method=props.get("IntegrationMethod"),
                integration_type=props.get("IntegrationType"),
                integration_uri=props.get("IntegrationUri"),
                connection_id=props.get("ConnectionId"),
                content_handling_strategy=props.get("ContentHandlingStrategy"),
                credentials_arn=props.get("CredentialsArn"),
                passthrough_behavior=props.get("PassthroughBehavior"),
                payload_format_version=props.get("PayloadFormatVersion"),
                integration_subtype=props.get("IntegrationSubtype"),
                request_parameters=props.get("RequestParameters"),
                request_templates=props.get("RequestTemplates"),
                response_parameters=props.get("ResponseParameters"),
                template_selection_expression=props.get("TemplateSelectionExpression"),
                timeout_in_millis=props.get("TimeoutInMillis"),
                tls_config=_camel(props.get("TlsConfig")),
            )
            return _rekey(api.integrations, integration, "id", integration.id, keep_id)

        @staticmethod
        def _remove(api, child_id):
            api.integrations.pop(child_id, None)

    class NxApiGatewayV2Route(_CfnChild, CloudFormationModel):
        __module__ = "moto.apigatewayv2.models"
        _attrs = {"RouteId": "child_id"}

        @staticmethod
        def cloudformation_type():
            return "AWS::ApiGatewayV2::Route"

        @staticmethod
        def _create(api, props, keep_id):
            request_parameters = props.get("RequestParameters")
            if isinstance(request_parameters, dict):
                request_parameters = {k: _camel(v) for k, v in request_parameters.items()}
            route = api.create_route(
                api_key_required=bool(props.get("ApiKeyRequired", False)),
                authorization_scopes=props.get("AuthorizationScopes") or [],
                route_key=props["RouteKey"],
                target=props.get("Target"),
                authorization_type=props.get("AuthorizationType"),
                authorizer_id=props.get("AuthorizerId"),
                model_selection_expression=props.get("ModelSelectionExpression"),
                operation_name=props.get("OperationName"),
                request_models=props.get("RequestModels"),
                request_parameters=request_parameters,
                route_response_selection_expression=props.get("RouteResponseSelectionExpression"),
            )
            return _rekey(api.routes, route, "route_id", route.route_id, keep_id)

        @staticmethod
        def _remove(api, child_id):
            api.delete_route(child_id)

    class NxApiGatewayV2Authorizer(_CfnChild, CloudFormationModel):
        __module__ = "moto.apigatewayv2.models"
        _attrs = {"AuthorizerId": "child_id"}

        @staticmethod
        def cloudformation_type():
            return "AWS::ApiGatewayV2::Authorizer"

        @staticmethod
        def _create(api, props, keep_id):
            authorizer = api.create_authorizer(
                auth_creds_arn=props.get("AuthorizerCredentialsArn"),
                auth_payload_format_version=props.get("AuthorizerPayloadFormatVersion"),
                auth_result_ttl=props.get("AuthorizerResultTtlInSeconds"),
                authorizer_type=props.get("AuthorizerType"),
                authorizer_uri=props.get("AuthorizerUri"),
                enable_simple_response=props.get("EnableSimpleResponses"),
                identity_source=props.get("IdentitySource"),
                identity_validation_expr=props.get("IdentityValidationExpression"),
                jwt_config=_camel(props.get("JwtConfiguration")),
                name=props.get("Name"),
            )
            return _rekey(api.authorizers, authorizer, "id", authorizer.id, keep_id)

        @staticmethod
        def _remove(api, child_id):
            api.authorizers.pop(child_id, None)

    class NxApiGatewayV2Api(CloudFormationModel):
        __module__ = "moto.apigatewayv2.models"

        def __init__(self, account_id, region_name, api_id):
            self.account_id = account_id
            self.region_name = region_name
            self.api_id = api_id

        @property
        def physical_resource_id(self):
            return self.api_id

        @staticmethod
        def cloudformation_name_type():
            return ""  # Name is required and not unique: no generated name

        @staticmethod
        def cloudformation_type():
            return "AWS::ApiGatewayV2::Api"

        @classmethod
        def has_cfn_attr(cls, attr):
            return attr in ("ApiEndpoint", "ApiId")

        def get_cfn_attribute(self, attribute_name):
            api = _backend(self.account_id, self.region_name).get_api(self.api_id)
            if attribute_name == "ApiEndpoint":
                return api.api_endpoint
            if attribute_name == "ApiId":
                return api.api_id
            raise UnformattedGetAttTemplateException()

        def is_created(self):
            return True

        @staticmethod
        def _fields(props):
            return dict(
                api_key_selection_expression=props.get("ApiKeySelectionExpression"),
                cors_configuration=_camel(props.get("CorsConfiguration")),
                description=props.get("Description"),
                disable_schema_validation=props.get("DisableSchemaValidation"),
                disable_execute_api_endpoint=props.get("DisableExecuteApiEndpoint"),
                name=props.get("Name"),
                route_selection_expression=props.get("RouteSelectionExpression"),
                version=props.get("Version"),
            )

        @classmethod
        def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
            props = _props(cloudformation_json)
            logical_id = kwargs.get("LogicalId")
            if props.get("Body") or props.get("BodyS3Location"):
                raise _nx_refused(logical_id, "AWS::ApiGatewayV2::Api", "an OpenAPI Body is not supported by the "
                                  "nx-sst local cloud; define the routes as AWS::ApiGatewayV2::Route resources")
            if props.get("ProtocolType") not in ("HTTP", "WEBSOCKET"):
                raise _nx_refused(logical_id, "AWS::ApiGatewayV2::Api", "ProtocolType must be HTTP or WEBSOCKET")
            api = _backend(account_id, region_name).create_api(
                protocol_type=props["ProtocolType"], tags=props.get("Tags") or {}, **cls._fields(props))
            return cls(account_id, region_name, api.api_id)

        @classmethod
        def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
            props = _props(cloudformation_json)
            backend = _backend(account_id, region_name)
            api = backend.get_api(original_resource.api_id)
            if props.get("ProtocolType") and props["ProtocolType"] != api.protocol_type:
                original_resource.delete(account_id, region_name)
                return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)
            fields = cls._fields(props)
            # Every field from the new template: one left out returns to its default, as on AWS.
            api.cors_configuration = fields["cors_configuration"]
            api.description = fields["description"]
            api.disable_schema_validation = fields["disable_schema_validation"]
            api.disable_execute_api_endpoint = fields["disable_execute_api_endpoint"] or False
            api.version = fields["version"]
            api.name = fields["name"]
            api.api_key_selection_expression = fields["api_key_selection_expression"] or "$request.header.x-api-key"
            api.route_selection_expression = fields["route_selection_expression"] or "$request.method $request.path"
            backend.tag_resource(api.arn, props.get("Tags") or {})
            return original_resource

        @classmethod
        def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
            _backend(account_id, region_name).delete_api(resource_name)

        def delete(self, account_id, region_name):
            _backend(account_id, region_name).delete_api(self.api_id)

    for fn in (_cfp.get_model_list, _cfp.get_model_map, _cfp.get_name_type_map):
        fn.cache_clear()


# ---- 7. AWS::SecretsManager::Secret / SecretTargetAttachment and AWS::RDS::DBCluster (the RDS construct:
# Aurora Serverless v2 with a generated credentials secret) onto moto's secretsmanager and rds backends.
def _patch_rds_cfn():
    try:
        import json as _json
        import re as _re
        from moto.core.common_models import CloudFormationModel
        from moto.cloudformation import parsing as _cfp
        from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
        from moto.rds import models as _rdsm
        from moto.secretsmanager import models as _smm
        _ok = all(hasattr(x, y) for x, y in [
            (_rdsm, "rds_backends"), (_rdsm.RDSBackend, "create_db_cluster"), (_rdsm.RDSBackend, "delete_db_cluster"),
            (_rdsm, "DBInstance"), (_smm, "secretsmanager_backends"), (_smm.SecretsManagerBackend, "create_secret"),
            (_smm.SecretsManagerBackend, "get_random_password"), (_smm.SecretsManagerBackend, "update_secret"),
        ])
    except Exception as e:  # pragma: no cover - depends on the installed moto
        _ok = False
        _nx_log("RDS / Secrets Manager CloudFormation patch skipped: " + repr(e))
    if not _ok:
        return
    if any(t in _cfp.get_model_map() for t in (
            "AWS::SecretsManager::Secret", "AWS::SecretsManager::SecretTargetAttachment", "AWS::RDS::DBCluster")):
        _nx_log("this moto models RDS clusters or secrets in CloudFormation itself; our models are not used")
        return

    def _sm(account_id, region_name):
        return _smm.secretsmanager_backends[account_id][region_name]

    def _token():
        # a new version id for every write moto makes for us; drawn from the seeded generator for replay
        from moto.moto_api._internal import mock_random
        return str(mock_random.uuid4())

    def _rds(account_id, region_name):
        return _rdsm.rds_backends[account_id][region_name]

    _dynamic = _re.compile(r"\{\{resolve:secretsmanager:(.+?)(?::SecretString:([^:}]*)(?::([^:}]*))?(?::([^:}]*))?)?\}\}")

    def _resolve_secrets(value, account_id, region_name):
        # CloudFormation dynamic references ({{resolve:secretsmanager:...}}), which moto leaves as text.
        if isinstance(value, dict):
            return {k: _resolve_secrets(v, account_id, region_name) for k, v in value.items()}
        if isinstance(value, list):
            return [_resolve_secrets(v, account_id, region_name) for v in value]
        if not isinstance(value, str) or "{{resolve:secretsmanager:" not in value:
            return value

        def one(match):
            secret_id, key, stage, version = match.groups()
            secret = _sm(account_id, region_name).get_secret_value(secret_id, version or None, stage or None)
            text = secret.get("SecretString") or ""
            return str(_json.loads(text)[key]) if key else text

        return _dynamic.sub(one, value)

    class NxSecret(CloudFormationModel):
        __module__ = "moto.secretsmanager.models"

        def __init__(self, account_id, region_name, arn):
            self.account_id = account_id
            self.region_name = region_name
            self.arn = arn

        @property
        def physical_resource_id(self):
            return self.arn

        @staticmethod
        def cloudformation_name_type():
            return "Name"

        @staticmethod
        def cloudformation_type():
            return "AWS::SecretsManager::Secret"

        @classmethod
        def has_cfn_attr(cls, attr):
            return attr == "Id"

        def get_cfn_attribute(self, attribute_name):
            if attribute_name == "Id":
                return self.arn
            raise UnformattedGetAttTemplateException()

        def is_created(self):
            return True

        @staticmethod
        def _value(backend, props):
            if "SecretString" in props:
                return props["SecretString"]
            generate = props.get("GenerateSecretString")
            if generate is None:
                return None
            password = _json.loads(backend.get_random_password(
                password_length=int(generate.get("PasswordLength", 32)),
                exclude_characters=generate.get("ExcludeCharacters", ""),
                exclude_numbers=bool(generate.get("ExcludeNumbers", False)),
                exclude_punctuation=bool(generate.get("ExcludePunctuation", False)),
                exclude_uppercase=bool(generate.get("ExcludeUppercase", False)),
                exclude_lowercase=bool(generate.get("ExcludeLowercase", False)),
                include_space=bool(generate.get("IncludeSpace", False)),
                require_each_included_type=bool(generate.get("RequireEachIncludedType", True)),
            ))["RandomPassword"]
            if generate.get("GenerateStringKey"):
                template = _json.loads(generate.get("SecretStringTemplate") or "{}")
                template[generate["GenerateStringKey"]] = password
                return _json.dumps(template)
            return password

        @classmethod
        def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
            props = cloudformation_json.get("Properties") or {}
            backend = _sm(account_id, region_name)
            backend.create_secret(
                name=resource_name, secret_string=cls._value(backend, props), secret_binary=None,
                description=props.get("Description"), tags=props.get("Tags"), kms_key_id=props.get("KmsKeyId"),
                client_request_token=None, replica_regions=[], force_overwrite=False)
            return cls(account_id, region_name, backend.secrets[resource_name].arn)

        @classmethod
        def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
            props = cloudformation_json.get("Properties") or {}
            backend = _sm(account_id, region_name)
            secret = backend.secrets[original_resource.arn]
            secret.description = props.get("Description")
            if "SecretString" in props:
                backend.update_secret(original_resource.arn, secret_string=props["SecretString"], client_request_token=_token())
            # A changed GenerateSecretString keeps the value, as CloudFormation does not regenerate it.
            return original_resource

        @classmethod
        def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
            pass

        def delete(self, account_id, region_name):
            backend = _sm(account_id, region_name)
            if self.arn in backend.secrets:
                backend.delete_secret(self.arn, recovery_window_in_days=None, force_delete_without_recovery=True)

    class NxSecretTargetAttachment(CloudFormationModel):
        __module__ = "moto.secretsmanager.models"

        def __init__(self, account_id, region_name, arn):
            self.account_id = account_id
            self.region_name = region_name
            self.arn = arn

        @property
        def physical_resource_id(self):
            return self.arn

        @staticmethod
        def cloudformation_name_type():
            return ""

        @staticmethod
        def cloudformation_type():
            return "AWS::SecretsManager::SecretTargetAttachment"

        @classmethod
        def has_cfn_attr(cls, attr):
            return False

        def is_created(self):
            return True

        @classmethod
        def _attach(cls, props, account_id, region_name):
            # As on AWS: the secret gains the connection details of its database.
            backend = _sm(account_id, region_name)
            secret_id = props["SecretId"]
            current = backend.get_secret_value(secret_id, None, None)
            value = _json.loads(current.get("SecretString") or "{}")
            target_type, target_id = props.get("TargetType"), props.get("TargetId")
            rds = _rds(account_id, region_name)
            if target_type == "AWS::RDS::DBCluster" and target_id in rds.clusters:
                cluster = rds.clusters[target_id]
                engine = {"aurora-postgresql": "postgres", "aurora-mysql": "mysql", "aurora": "mysql"}.get(
                    cluster.engine, cluster.engine)
                value.update({"engine": engine, "host": cluster.endpoint,
                              "port": cluster.port, "dbClusterIdentifier": cluster.db_cluster_identifier})
                if cluster.database_name:
                    value["dbname"] = cluster.database_name
            elif target_type == "AWS::RDS::DBInstance" and target_id in rds.databases:
                db = rds.databases[target_id]
                value.update({"engine": db.engine, "host": db.address, "port": db.port,
                              "dbInstanceIdentifier": db.db_instance_identifier})
            backend.update_secret(secret_id, secret_string=_json.dumps(value), client_request_token=_token())
            return cls(account_id, region_name, backend.secrets[secret_id].arn)

        @classmethod
        def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
            return cls._attach(cloudformation_json.get("Properties") or {}, account_id, region_name)

        @classmethod
        def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
            return cls._attach(cloudformation_json.get("Properties") or {}, account_id, region_name)

        @classmethod
        def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
            pass

        def delete(self, account_id, region_name):
            pass

    class NxDBCluster(CloudFormationModel):
        __module__ = "moto.rds.models"

        def __init__(self, account_id, region_name, identifier):
            self.account_id = account_id
            self.region_name = region_name
            self.identifier = identifier

        @property
        def physical_resource_id(self):
            return self.identifier

        @staticmethod
        def cloudformation_name_type():
            return "DBClusterIdentifier"

        @staticmethod
        def cloudformation_type():
            return "AWS::RDS::DBCluster"

        _attrs = ("DBClusterArn", "DBClusterResourceId", "Endpoint.Address", "Endpoint.Port",
                  "ReadEndpoint.Address", "Endpoint")

        @classmethod
        def has_cfn_attr(cls, attr):
            return attr in cls._attrs

        def get_cfn_attribute(self, attribute_name):
            cluster = _rds(self.account_id, self.region_name).clusters[self.identifier]
            if attribute_name == "DBClusterArn":
                return cluster.db_cluster_arn
            if attribute_name == "DBClusterResourceId":
                return cluster.db_cluster_resource_id
            if attribute_name in ("Endpoint.Address", "Endpoint"):
                return cluster.endpoint
            if attribute_name == "Endpoint.Port":
                return str(cluster.port)
            if attribute_name == "ReadEndpoint.Address":
                return cluster.reader_endpoint
            raise UnformattedGetAttTemplateException()

        def is_created(self):
            return True

        @staticmethod
        def _kwargs(identifier, props):
            scaling = props.get("ServerlessV2ScalingConfiguration")
            kwargs = {
                "db_cluster_identifier": identifier,
                "engine": props.get("Engine"),
                "engine_version": props.get("EngineVersion"),
                "engine_mode": props.get("EngineMode"),
                "master_username": props.get("MasterUsername"),
                "master_user_password": props.get("MasterUserPassword"),
                "database_name": props.get("DatabaseName"),
                "db_cluster_parameter_group_name": props.get("DBClusterParameterGroupName"),
                "db_subnet_group_name": props.get("DBSubnetGroupName"),
                "port": int(props["Port"]) if props.get("Port") else None,
                "vpc_security_group_ids": props.get("VpcSecurityGroupIds"),
                "storage_encrypted": bool(props.get("StorageEncrypted", False)),
                "kms_key_id": props.get("KmsKeyId"),
                "deletion_protection": bool(props.get("DeletionProtection", False)),
                "copy_tags_to_snapshot": bool(props.get("CopyTagsToSnapshot", False)),
                "backup_retention_period": int(props.get("BackupRetentionPeriod", 1)),
                "tags": props.get("Tags"),
                "enable_http_endpoint": bool(props.get("EnableHttpEndpoint", False)),
                "enable_iam_database_authentication": bool(props.get("EnableIAMDatabaseAuthentication", False)),
                "availability_zones": props.get("AvailabilityZones"),
                "manage_master_user_password": bool(props.get("ManageMasterUserPassword", False)),
            }
            if scaling:
                kwargs["serverless_v2_scaling_configuration"] = {
                    "MinCapacity": scaling.get("MinCapacity"), "MaxCapacity": scaling.get("MaxCapacity")}
            return {k: v for k, v in kwargs.items() if v is not None}

        @classmethod
        def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
            props = _resolve_secrets(cloudformation_json.get("Properties") or {}, account_id, region_name)
            identifier = str(resource_name).lower()  # RDS identifiers are lower case
            cluster = _rds(account_id, region_name).create_db_cluster(cls._kwargs(identifier, props))
            cluster.status = "available"
            if props.get("EnableHttpEndpoint") and hasattr(cluster, "_enable_http_endpoint"):
                # moto allows the Data API only for Serverless v1 versions; Aurora Serverless v2 has it too.
                cluster._enable_http_endpoint = True
            return cls(account_id, region_name, cluster.db_cluster_identifier)

        @classmethod
        def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
            props = _resolve_secrets(cloudformation_json.get("Properties") or {}, account_id, region_name)
            cluster = _rds(account_id, region_name).clusters[original_resource.identifier]
            if hasattr(cluster, "_enable_http_endpoint"):
                cluster._enable_http_endpoint = bool(props.get("EnableHttpEndpoint", False))
            cluster.deletion_protection = bool(props.get("DeletionProtection", False))
            if props.get("MasterUserPassword"):
                cluster.master_user_password = props["MasterUserPassword"]
            scaling = props.get("ServerlessV2ScalingConfiguration")
            if scaling:
                cluster.serverless_v2_scaling_configuration = {
                    "MinCapacity": scaling.get("MinCapacity"), "MaxCapacity": scaling.get("MaxCapacity")}
            return original_resource

        @classmethod
        def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
            pass

        def delete(self, account_id, region_name):
            backend = _rds(account_id, region_name)
            cluster = backend.clusters.get(self.identifier)
            if cluster is None:
                return
            for member in list(getattr(cluster, "cluster_members", None) or []):
                backend.databases.pop(member, None)
            cluster.deletion_protection = False
            backend.delete_db_cluster(self.identifier)

    # An Aurora instance joins its cluster (moto's DBInstance model ignores DBClusterIdentifier).
    _orig_instance_create = _rdsm.DBInstance.create_from_cloudformation_json.__func__

    def _instance_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json.get("Properties") or {}
        cluster_id = props.get("DBClusterIdentifier")
        if not cluster_id:
            return _orig_instance_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        backend = _rds(account_id, region_name)
        cluster = backend.clusters[cluster_id]
        identifier = str(props.get("DBInstanceIdentifier") or resource_name).lower()
        return backend.create_db_instance({
            "db_instance_identifier": identifier,
            "db_cluster_identifier": cluster.db_cluster_identifier,
            "db_instance_class": props.get("DBInstanceClass"),
            "engine": props.get("Engine") or cluster.engine,
            "publicly_accessible": bool(props.get("PubliclyAccessible", False)),
            "tags": props.get("Tags"),
        })

    _rdsm.DBInstance.create_from_cloudformation_json = classmethod(_instance_create)

    for fn in (_cfp.get_model_list, _cfp.get_model_map, _cfp.get_name_type_map):
        fn.cache_clear()


_nx_on_import("moto.iam.access_control", _patch_iam)
_nx_on_import("moto.sts.models", _patch_sts)
_nx_on_import("moto.cloudformation.responses", _patch_cloudformation)


# ---- 8. A VPC stack can be deleted: moto's RouteTable and SubnetRouteTableAssociation models have no
# delete, so their tables stayed and DeleteStack failed on the VPC ("has dependencies").
def _patch_ec2_cfn_delete():
    try:
        from moto.ec2.models import ec2_backends
        from moto.ec2.models.route_tables import RouteTable
        from moto.ec2.models.subnets import SubnetRouteTableAssociation
        _ok = not hasattr(RouteTable, "delete") and not hasattr(SubnetRouteTableAssociation, "delete")
    except Exception as e:  # pragma: no cover - depends on the installed moto
        _ok = False
        _nx_log("EC2 route table delete patch skipped: " + repr(e))
    if not _ok:
        return

    def _route_table_delete(self, account_id, region_name):
        ec2_backends[account_id][region_name].delete_route_table(self.id)

    def _association_delete(self, account_id, region_name):
        backend = ec2_backends[account_id][region_name]
        try:
            table = backend.get_route_table(self.route_table_id)
        except Exception:
            return
        for association_id, subnet_id in list(table._associations.items()):
            if subnet_id == self.subnet_id:
                backend.disassociate_route_table(association_id)

    RouteTable.delete = _route_table_delete
    SubnetRouteTableAssociation.delete = _association_delete


# ---- 9. S3 requests without a signature (a browser reading a public site) and presigned URLs.
# moto judges an anonymous object request by the bucket policy (any statement, whatever its principal
# or condition) and the object's ACL; with access control on, it reads the Authorization header of
# every S3 request and crashes (HTTP 500) on an unsigned or presigned one, the browser's CORS preflight
# included.
def _nx_anonymous_statement(statement):
    """A statement about every caller that moto can evaluate: principal "*" and no condition."""
    if statement.get("Condition") or "NotPrincipal" in statement:
        return False
    principal = statement.get("Principal")
    if isinstance(principal, dict):
        principal = principal.get("AWS") if list(principal) == ["AWS"] else None
    if isinstance(principal, list):
        return "*" in principal
    return principal == "*"


def _patch_s3_policy():
    try:
        import json as _json
        from moto.s3 import models as _s3m
        _orig_get_permission = _s3m.FakeBucket.get_permission
    except Exception as e:  # pragma: no cover - depends on the installed moto
        _nx_log("S3 bucket policy patch skipped: " + repr(e))
        return

    def _get_permission(self, action, resource):
        # Only statements about everyone speak for an anonymous caller. A statement for a role (CDK's
        # auto-delete grant) would otherwise open the bucket to all, and one with a condition moto cannot
        # evaluate (enforceSSL's aws:SecureTransport deny) would close it to all, signed callers included.
        from moto.iam.access_control import IAMPolicy, PermissionResult
        if self.policy is None:
            return PermissionResult.NEUTRAL
        try:
            policy = self.policy.decode() if isinstance(self.policy, bytes) else self.policy
            document = _json.loads(policy)
            statements = document.get("Statement") or []
        except Exception:
            return _orig_get_permission(self, action, resource)
        if isinstance(statements, dict):
            statements = [statements]
        kept = [dict(s, Principal="*") for s in statements if isinstance(s, dict) and _nx_anonymous_statement(s)]
        if not kept:
            return PermissionResult.NEUTRAL
        # moto names a HEAD "s3:HeadObject"; on AWS a HEAD needs s3:GetObject.
        if action == "s3:HeadObject":
            action = "s3:GetObject"
        return IAMPolicy(_json.dumps({"Version": "2012-10-17", "Statement": kept})).is_action_permitted(action, resource)

    _s3m.FakeBucket.get_permission = _get_permission


def _patch_s3_unsigned_auth():
    try:
        from moto.core.authorization import ActionAuthenticatorMixin as _AAM
        _orig = _AAM._authenticate_and_authorize_s3_action
    except Exception as e:  # pragma: no cover - depends on the installed moto
        _nx_log("S3 unsigned request patch skipped: " + repr(e))
        return

    def _denied(bucket_name):
        from moto.s3.exceptions import BucketAccessDeniedError, S3AccessDeniedError
        return BucketAccessDeniedError(bucket=bucket_name) if bucket_name else S3AccessDeniedError()

    def _anonymous(self, bucket_name, key_name, resource):
        from moto.iam.access_control import PermissionResult
        if self.method == "OPTIONS":
            return  # a CORS preflight is answered by the bucket's CORS rules, never authorized
        if not bucket_name:
            raise _denied(bucket_name)
        try:
            bucket = self.backend.get_bucket(bucket_name)
        except Exception:
            return  # moto answers NoSuchBucket
        permission = bucket.get_permission("s3:" + self._get_action(), resource)
        if permission == PermissionResult.PERMITTED:
            return
        if permission != PermissionResult.DENIED and key_name and self.method in ("GET", "HEAD"):
            # moto has checked an existing object's ACL before it asks here; a public-read object passes.
            try:
                key = self.backend.get_object(bucket_name, key_name)
            except Exception:
                key = None
            if key is not None and (not key.acl or key.acl.public_read):
                return
        raise _denied(bucket_name)

    def _authorize(self, bucket_name=None, key_name=None):
        # Imported here: this module loads while moto.core is still initializing.
        from urllib.parse import urlparse, parse_qs
        from moto import settings as _settings
        from moto.iam.access_control import S3IAMRequest
        from moto.utilities.utils import get_partition
        headers = self.headers
        if "Authorization" in headers or _AAM.request_count < _settings.INITIAL_NO_AUTH_ACTION_COUNT:
            return _orig(self, bucket_name=bucket_name, key_name=key_name)
        arn = (bucket_name or "*") + "/" + key_name if key_name else (bucket_name or "*")
        resource = "arn:" + get_partition(self.region) + ":s3:::" + arn
        parsed = urlparse(self.uri)
        query = parse_qs(parsed.query)
        credential = (query.get("X-Amz-Credential") or [None])[0]
        if not credential:
            return _anonymous(self, bucket_name, key_name, resource)
        # A presigned URL acts for its signer: the signer's key must exist and its policies allow the
        # action. Its signature is not checked (moto's signer check reads headers, not the query).
        signed = dict(headers)
        signed["Authorization"] = "AWS4-HMAC-SHA256 Credential=" + credential + ", SignedHeaders=host, Signature=0"
        token = (query.get("X-Amz-Security-Token") or [None])[0]
        if token:
            signed["X-Amz-Security-Token"] = token
        path = parsed.path + ("?" + parsed.query if parsed.query else "")
        request = S3IAMRequest(
            account_id=self.current_account, method=self.method, path=path, data=self.data,
            body=self.raw_body, headers=signed, action=self._get_action())
        request.check_action_permitted(resource)

    _AAM._authenticate_and_authorize_s3_action = _authorize


def _patch_s3_bucket_policy_cfn():
    try:
        import json as _json
        from moto.core.common_models import CloudFormationModel
        from moto.cloudformation import parsing as _cfp
        from moto.s3.models import s3_backends
        from moto.utilities.utils import get_partition
    except Exception as e:  # pragma: no cover - depends on the installed moto
        _nx_log("S3 BucketPolicy CloudFormation patch skipped: " + repr(e))
        return
    if "AWS::S3::BucketPolicy" in _cfp.get_model_map():
        return  # a moto that models it itself

    def _backend(account_id, region_name):
        return s3_backends[account_id][get_partition(region_name)]

    def _put(account_id, region_name, props):
        bucket = props["Bucket"]
        document = props.get("PolicyDocument") or {}
        policy = document if isinstance(document, str) else _json.dumps(document)
        _backend(account_id, region_name).put_bucket_policy(bucket, policy.encode("utf-8"))
        return bucket

    class _BucketPolicy(CloudFormationModel):
        """AWS::S3::BucketPolicy: the policy is put on moto's bucket (a StaticSite's public read)."""
        __module__ = "moto.s3.models"

        def __init__(self, account_id, region_name, bucket_name):
            self.account_id = account_id
            self.region_name = region_name
            self.bucket_name = bucket_name

        @property
        def physical_resource_id(self):
            return self.bucket_name

        @staticmethod
        def cloudformation_type():
            return "AWS::S3::BucketPolicy"

        @staticmethod
        def cloudformation_name_type():
            return ""

        @classmethod
        def has_cfn_attr(cls, attr):
            return False

        def is_created(self):
            return True

        @classmethod
        def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
            props = cloudformation_json.get("Properties") or {}
            return cls(account_id, region_name, _put(account_id, region_name, props))

        @classmethod
        def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
            props = cloudformation_json.get("Properties") or {}
            if props.get("Bucket") != original_resource.bucket_name:
                original_resource.delete(account_id, region_name)
            original_resource.bucket_name = _put(account_id, region_name, props)
            return original_resource

        @classmethod
        def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
            props = cloudformation_json.get("Properties") or {}
            if props.get("Bucket"):
                cls(account_id, region_name, props["Bucket"]).delete(account_id, region_name)

        def delete(self, account_id, region_name):
            try:
                _backend(account_id, region_name).delete_bucket_policy(self.bucket_name)
            except Exception:
                pass  # the bucket is gone already

    for fn in (_cfp.get_model_list, _cfp.get_model_map, _cfp.get_name_type_map):
        fn.cache_clear()


def _patch_s3_preflight():
    try:
        from moto.s3.responses import S3Response
        _orig_key_response = S3Response._key_response
        _ok = hasattr(S3Response, "_response_options") and hasattr(S3Response, "parse_bucket_name_from_url")
    except Exception as e:  # pragma: no cover - depends on the installed moto
        _ok = False
        _nx_log("S3 preflight patch skipped: " + repr(e))
    if not _ok:
        return

    def _key_response(self, request, full_url):
        # A CORS preflight carries no signature; moto judged it as an anonymous read of an existing
        # object (403 on a private one) before answering it from the bucket's CORS rules.
        if request.method == "OPTIONS":
            return self._response_options(request.headers, self.parse_bucket_name_from_url(request, full_url))
        return _orig_key_response(self, request, full_url)

    S3Response._key_response = _key_response


_nx_on_import("moto.s3.models", _patch_s3_policy)
_nx_on_import("moto.s3.responses", _patch_s3_preflight)
_nx_on_import("moto.core.authorization", _patch_s3_unsigned_auth)


def _patch_cloudformation_models():
    _patch_apigatewayv2_cfn()
    _patch_rds_cfn()
    _patch_ec2_cfn_delete()
    _patch_s3_bucket_policy_cfn()


_nx_on_import("moto.cloudformation.parsing", _patch_cloudformation_models)
`;
