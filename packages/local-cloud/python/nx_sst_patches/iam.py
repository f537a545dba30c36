"""IAM and STS as AWS answers them.

- A resource policy naming an account (or its root) as principal trusts every principal of that account.
- A trust statement for a service or federated users says nothing of an IAM caller (moto failed the
  whole AssumeRole with HTTP 500).
- A call that touches several resources (GetParameters) must be allowed on each.
- A role made by CloudFormation gets its ManagedPolicyArns (AWS-managed ones included).
- A policy statement that is no object (`null`) is ignored, and an inline policy of a role made by
  CloudFormation is read, instead of failing the call (HTTP 500).
- STS session tokens have the length and prefix of AWS's.
"""

import sys

from ._hooks import _nx_expect, _nx_log, _nx_on_import, _nx_patch


def _patch_iam():
    _patch_iam_trust()
    _patch_iam_resources()


@_nx_patch("IAM trust")
def _patch_iam_trust():
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

    # A statement that is no object (a `null` left by a CloudFormation `Fn::If` with `AWS::NoValue` in
    # a role made before that was fixed) says nothing; moto failed every AssumeRole of the role on it
    # (`'NoneType' object has no attribute 'get'`, HTTP 500): the CDK bootstrap roles with IAM on.
    # An inline policy of a role made by CloudFormation (`Policies`) is kept as a parsed document,
    # which moto could not read (KeyError 'policy_document', HTTP 500 on every call of the role).
    import json as _json
    _orig_policy_init = _iac.IAMPolicy.__init__

    def _policy_init(self, policy):
        if isinstance(policy, dict) and "policy_document" not in policy:
            policy = _json.dumps(policy)
        _orig_policy_init(self, policy)
        statements = self._policy_json.get("Statement") if isinstance(self._policy_json, dict) else None
        if isinstance(statements, list):
            self._policy_json["Statement"] = [s for s in statements if isinstance(s, dict)]

    _iac.IAMPolicy.__init__ = _policy_init


@_nx_patch("IAM resource")
def _patch_iam_resources():
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


@_nx_patch("STS session token")
def _patch_sts():
    import base64 as _b64
    from moto.sts import utils as _stsu, models as _stsm
    from moto.moto_api._internal import mock_random as _mock_random

    def _random_session_token():
        prefix = _stsu.SESSION_TOKEN_PREFIX
        return prefix + _b64.b64encode(_mock_random.randbytes(266))[len(prefix):].decode()

    _stsu.random_session_token = _random_session_token
    _stsm.random_session_token = _random_session_token


@_nx_patch("IAM Role ManagedPolicyArns CloudFormation")
def _patch_iam_role_managed_policies():
    """AWS::IAM::Role's ManagedPolicyArns were ignored, so with IAM enforced a role made by a stack
    lacked what AWS-managed policies grant it (the CDK deploy role's AWSCloudFormationReadOnlyAccess,
    a Lambda role's AWSLambdaBasicExecutionRole). They are attached on create and update (an
    AWS-managed policy is loaded from moto's own copy when first named) and detached on delete."""
    import json as _json
    from moto.iam import models as _im
    from moto.utilities.utils import get_partition
    _nx_expect(
        (_im, "aws_managed_policies_data"),
        (_im.AWSManagedPolicy, "from_data"),
        (_im.Role, "create_from_cloudformation_json"),
        (_im.Role, "update_from_cloudformation_json"),
        (_im.Role, "delete_from_cloudformation_json"),
    )

    def _aws_managed(backend, arn):
        # One policy out of moto's 4 MB document, without parsing the rest.
        name = arn.rsplit("/", 1)[-1]
        key = '\n "' + name + '":'
        at = _im.aws_managed_policies_data.find(key)
        if at < 0:
            return None
        data, _ = _json.JSONDecoder().raw_decode(_im.aws_managed_policies_data, at + len(key))
        policy = _im.AWSManagedPolicy.from_data(name, backend.account_id, backend.region_name, data)
        if policy.arn != arn:
            return None
        backend.managed_policies[policy.arn] = policy
        return policy

    def _sync(role, arns, account_id, region_name):
        backend = _im.iam_backends[account_id][get_partition(region_name)]
        wanted = [str(a) for a in (arns or []) if a]
        for arn in list(role.managed_policies):
            if arn not in wanted:
                role.managed_policies[arn].detach_from(role)
        for arn in wanted:
            if arn in role.managed_policies:
                continue
            policy = backend.managed_policies.get(arn) or (
                _aws_managed(backend, arn) if ":iam::aws:policy/" in arn else None
            )
            if policy is None:
                _nx_log("role " + role.name + ": managed policy " + arn + " does not exist; not attached")
                continue
            policy.attach_to(role)

    _orig_create = _im.Role.create_from_cloudformation_json
    _orig_update = _im.Role.update_from_cloudformation_json
    _orig_delete = _im.Role.delete_from_cloudformation_json

    def _create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        role = _orig_create(resource_name, cloudformation_json, account_id, region_name, **kwargs)
        _sync(role, (cloudformation_json.get("Properties") or {}).get("ManagedPolicyArns"), account_id, region_name)
        return role

    def _update(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
        role = _orig_update(original_resource, new_resource_name, cloudformation_json, account_id, region_name)
        _sync(role, (cloudformation_json.get("Properties") or {}).get("ManagedPolicyArns"), account_id, region_name)
        return role

    def _delete(cls, resource_name, cloudformation_json, account_id, region_name):
        backend = _im.iam_backends[account_id][get_partition(region_name)]
        for role in list(backend.roles.values()):
            if role.name == resource_name:
                for policy in list(role.managed_policies.values()):
                    policy.detach_from(role)
        return _orig_delete(resource_name, cloudformation_json, account_id, region_name)

    _im.Role.create_from_cloudformation_json = classmethod(_create)
    _im.Role.update_from_cloudformation_json = classmethod(_update)
    _im.Role.delete_from_cloudformation_json = classmethod(_delete)
