"""7. AWS::RDS::DBCluster, AWS::SecretsManager::Secret and SecretTargetAttachment (the RDS construct:
Aurora Serverless v2 with a generated credentials secret) over moto's rds and secretsmanager backends,
with {{resolve:secretsmanager:...}} references resolved; Aurora instances join their cluster.
"""

from ._hooks import _NxRecord, _nx_expect, _nx_log, _nx_patch


@_nx_patch("RDS / Secrets Manager CloudFormation")
def _patch_rds_cfn():
    import json as _json
    import re as _re
    from moto.core.common_models import CloudFormationModel
    from moto.cloudformation import parsing as _cfp
    from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
    from moto.rds import models as _rdsm
    from moto.secretsmanager import models as _smm
    _nx_expect(
        (_rdsm, "rds_backends"), (_rdsm.RDSBackend, "create_db_cluster"), (_rdsm.RDSBackend, "delete_db_cluster"),
        (_rdsm, "DBInstance"), (_smm, "secretsmanager_backends"), (_smm.SecretsManagerBackend, "create_secret"),
        (_smm.SecretsManagerBackend, "get_random_password"), (_smm.SecretsManagerBackend, "update_secret"),
    )
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

    class NxSecret(_NxRecord, CloudFormationModel):
        __module__ = "moto.secretsmanager.models"
        _cfn_type = "AWS::SecretsManager::Secret"
        _cfn_name_type = "Name"
        _id_attr = "arn"

        @classmethod
        def has_cfn_attr(cls, attr):
            return attr == "Id"

        def get_cfn_attribute(self, attribute_name):
            if attribute_name == "Id":
                return self.arn
            raise UnformattedGetAttTemplateException()

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

    class NxSecretTargetAttachment(_NxRecord, CloudFormationModel):
        __module__ = "moto.secretsmanager.models"
        _cfn_type = "AWS::SecretsManager::SecretTargetAttachment"
        _cfn_name_type = ""
        _id_attr = "arn"

        @classmethod
        def has_cfn_attr(cls, attr):
            return False

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

    class NxDBCluster(_NxRecord, CloudFormationModel):
        __module__ = "moto.rds.models"
        _cfn_type = "AWS::RDS::DBCluster"
        _cfn_name_type = "DBClusterIdentifier"
        _id_attr = "identifier"

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
