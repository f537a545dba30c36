"""14. AWS::Lambda::Url as a CloudFormation model over moto's own function URL configs (moto 5.2.1
has CreateFunctionUrlConfig but no CloudFormation support for it: the resource was skipped and a
`Fn::GetAtt` on its FunctionUrl failed the deploy). The URL is the one moto's model gives, so the
local URL when lambda_local.py names it.
"""

from ._hooks import _NxRecord, _nx_expect, _nx_patch


@_nx_patch("Lambda Url CloudFormation")
def _patch_lambda_url_cfn():
    from moto.core.common_models import CloudFormationModel
    from moto.cloudformation import parsing as _cfp
    from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
    from moto.awslambda import models as _lm
    _nx_expect(
        (_cfp, "get_model_list"), (_cfp, "get_model_map"), (_cfp, "get_name_type_map"), (_lm, "lambda_backends"),
        (_lm.LambdaBackend, "create_function_url_config"), (_lm.LambdaBackend, "update_function_url_config"),
        (_lm.LambdaBackend, "delete_function_url_config"), (_lm.LambdaBackend, "get_function_url_config"),
    )
    if "AWS::Lambda::Url" in _cfp.get_model_map():
        return  # a moto that models it itself

    def _backend(account_id, region_name):
        return _lm.lambda_backends[account_id][region_name]

    def _config(props):
        config = {"AuthType": props.get("AuthType") or "NONE"}
        if props.get("Cors"):
            config["Cors"] = props["Cors"]
        if props.get("InvokeMode"):
            config["InvokeMode"] = props["InvokeMode"]
        return config

    class NxLambdaUrl(_NxRecord, CloudFormationModel):
        __module__ = "moto.awslambda.models"
        _cfn_type = "AWS::Lambda::Url"
        _cfn_name_type = ""
        _id_attr = "function_arn"

        @classmethod
        def has_cfn_attr(cls, attr):
            return attr in ("FunctionArn", "FunctionUrl")

        def get_cfn_attribute(self, attribute_name):
            if attribute_name == "FunctionArn":
                return self.function_arn
            if attribute_name == "FunctionUrl":
                return _backend(self.account_id, self.region_name).get_function_url_config(self.function_arn).url
            raise UnformattedGetAttTemplateException()

        @classmethod
        def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
            props = cloudformation_json.get("Properties") or {}
            backend = _backend(account_id, region_name)
            config = backend.create_function_url_config(props["TargetFunctionArn"], _config(props))
            return cls(account_id, region_name, config.function.function_arn)

        @classmethod
        def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
            props = cloudformation_json.get("Properties") or {}
            backend = _backend(account_id, region_name)
            target = backend.get_function(props["TargetFunctionArn"]).function_arn
            if target != original_resource.function_arn:
                # Another function: a new URL, as CloudFormation replaces the resource.
                original_resource.delete(account_id, region_name)
                return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)
            backend.update_function_url_config(target, _config(props))
            return original_resource

        @classmethod
        def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
            try:
                _backend(account_id, region_name).delete_function_url_config(resource_name)
            except Exception:
                pass  # the function (and its URL with it) is already gone

        def delete(self, account_id, region_name):
            try:
                _backend(account_id, region_name).delete_function_url_config(self.function_arn)
            except Exception:
                pass

    # moto caches its model lists on first use: rebuilt with the new model.
    for fn in (_cfp.get_model_list, _cfp.get_model_map, _cfp.get_name_type_map):
        fn.cache_clear()
