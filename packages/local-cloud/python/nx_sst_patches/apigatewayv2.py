"""5. AWS::ApiGatewayV2::{Api,Stage,Integration,Route,Authorizer} as CloudFormation models over moto's
own apigatewayv2 backend (moto 5.2.1 has the API model but no CloudFormation support for it).
"""

from ._hooks import _NxRecord, _nx_expect, _nx_patch, _nx_refused


@_nx_patch("ApiGatewayV2 CloudFormation")
def _patch_apigatewayv2_cfn():
    from moto.core.common_models import CloudFormationModel
    from moto.cloudformation import parsing as _cfp
    from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
    from moto.apigatewayv2 import models as _agm
    from moto.apigatewayv2.exceptions import ApiNotFound
    _nx_expect(
        (_cfp, "get_model_list"), (_cfp, "get_model_map"), (_cfp, "get_name_type_map"),
        (_agm, "apigatewayv2_backends"), (_agm.Api, "create_route"), (_agm.Api, "create_integration"),
        (_agm.Api, "create_stage"), (_agm.Api, "create_authorizer"), (_agm.ApiGatewayV2Backend, "create_api"),
    )
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

    class _CfnChild(_NxRecord):
        """A sub-resource of an API (stage, integration, route, authorizer): physical id + owning API.
        A mixin: moto finds models through CloudFormationModel.__subclasses__(), direct ones only."""
        _attrs = {}
        _id_attr = "child_id"

        def __init__(self, account_id, region_name, api_id, child_id):
            super().__init__(account_id, region_name, child_id)
            self.api_id = api_id

        @classmethod
        def has_cfn_attr(cls, attr):
            return attr in cls._attrs

        def get_cfn_attribute(self, attribute_name):
            if attribute_name in self._attrs:
                return getattr(self, self._attrs[attribute_name])
            raise UnformattedGetAttTemplateException()

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
        _cfn_type = "AWS::ApiGatewayV2::Stage"

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
        _cfn_type = "AWS::ApiGatewayV2::Integration"

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
        _cfn_type = "AWS::ApiGatewayV2::Route"

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
        _cfn_type = "AWS::ApiGatewayV2::Authorizer"

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

    class NxApiGatewayV2Api(_NxRecord, CloudFormationModel):
        __module__ = "moto.apigatewayv2.models"
        _cfn_type = "AWS::ApiGatewayV2::Api"
        _cfn_name_type = ""  # Name is required and not unique: no generated name
        _id_attr = "api_id"

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
