"""IAM and STS as AWS answers them.

- A resource policy naming an account (or its root) as principal trusts every principal of that account.
- A trust statement for a service or federated users says nothing of an IAM caller (moto failed the
  whole AssumeRole with HTTP 500).
- A call that touches several resources (GetParameters) must be allowed on each.
- STS session tokens have the length and prefix of AWS's.
"""

import sys

from ._hooks import _nx_on_import, _nx_patch


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
