"""9-11. S3 requests without a signature (a browser reading a public site), presigned URLs, CORS.

AWS::S3::BucketPolicy is put on moto's bucket. moto judged an anonymous object request by the bucket
policy (any statement, whatever its principal or condition) and the object's ACL; here an anonymous
caller is judged only by statements about everyone (principal "*", no condition). With access control
on, moto read the Authorization header of every S3 request and crashed (HTTP 500) on an unsigned or
presigned one, the browser's CORS preflight included.
"""

from ._hooks import _NxRecord, _nx_expect, _nx_patch


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


@_nx_patch("S3 bucket policy")
def _patch_s3_policy():
    import json as _json
    from moto.s3 import models as _s3m
    _orig_get_permission = _s3m.FakeBucket.get_permission

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


@_nx_patch("S3 unsigned request")
def _patch_s3_unsigned_auth():
    from moto.core.authorization import ActionAuthenticatorMixin as _AAM
    _orig = _AAM._authenticate_and_authorize_s3_action

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
        if "Authorization" in headers:
            return _orig(self, bucket_name=bucket_name, key_name=key_name)
        arn = (bucket_name or "*") + "/" + key_name if key_name else (bucket_name or "*")
        resource = "arn:" + get_partition(self.region) + ":s3:::" + arn
        parsed = urlparse(self.uri)
        query = parse_qs(parsed.query)
        credential = (query.get("X-Amz-Credential") or [None])[0]
        if not credential:
            # Also without access control: an anonymous caller (another user of the machine, a page)
            # lists, writes and reads only what a bucket policy or ACL opens to everyone, as on S3.
            return _anonymous(self, bucket_name, key_name, resource)
        if _AAM.request_count < _settings.INITIAL_NO_AUTH_ACTION_COUNT:
            # Without access control a presigned URL is as good as its signature (the front checked it).
            return _orig(self, bucket_name=bucket_name, key_name=key_name)
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


@_nx_patch("S3 BucketPolicy CloudFormation")
def _patch_s3_bucket_policy_cfn():
    import json as _json
    from moto.core.common_models import CloudFormationModel
    from moto.cloudformation import parsing as _cfp
    from moto.s3.models import s3_backends
    from moto.utilities.utils import get_partition
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

    class _BucketPolicy(_NxRecord, CloudFormationModel):
        """AWS::S3::BucketPolicy: the policy is put on moto's bucket (a StaticSite's public read)."""
        __module__ = "moto.s3.models"
        _cfn_type = "AWS::S3::BucketPolicy"
        _cfn_name_type = ""
        _id_attr = "bucket_name"

        @classmethod
        def has_cfn_attr(cls, attr):
            return False

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


@_nx_patch("S3 preflight")
def _patch_s3_preflight():
    from moto.s3.responses import S3Response
    _orig_key_response = S3Response._key_response
    _nx_expect((S3Response, "_response_options"), (S3Response, "parse_bucket_name_from_url"))

    def _key_response(self, request, full_url):
        # A CORS preflight carries no signature; moto judged it as an anonymous read of an existing
        # object (403 on a private one) before answering it from the bucket's CORS rules.
        if request.method == "OPTIONS":
            return self._response_options(request.headers, self.parse_bucket_name_from_url(request, full_url))
        return _orig_key_response(self, request, full_url)

    S3Response._key_response = _key_response


def _nx_cors_matches(patterns, value):
    """An S3 CORS pattern (one `*` wildcard at most) against the whole value, case as S3 compares it."""
    import re as _re
    for pattern in patterns or []:
        if _re.fullmatch(".*".join(_re.escape(part) for part in str(pattern).split("*")), value or ""):
            return True
    return False


def _nx_cors_rule(bucket, origin, method, requested=()):
    """The first CORS rule of the bucket that allows this origin, method and every requested header,
    as S3 picks it; None when none does."""
    for rule in bucket.cors or []:
        if not _nx_cors_matches(rule.allowed_origins, origin):
            continue
        if method not in (rule.allowed_methods or []):
            continue
        allowed = [h.lower() for h in (rule.allowed_headers or [])]
        if all(_nx_cors_matches(allowed, h.lower()) for h in requested):
            return rule
    return None


def _nx_cors_headers(rule, origin, requested=None):
    headers = {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Methods": ", ".join(rule.allowed_methods),
        "Vary": "Origin, Access-Control-Request-Headers, Access-Control-Request-Method",
    }
    if requested:
        headers["Access-Control-Allow-Headers"] = ", ".join(requested)
    if rule.exposed_headers:
        headers["Access-Control-Expose-Headers"] = ", ".join(rule.exposed_headers)
    if rule.max_age_seconds is not None:
        headers["Access-Control-Max-Age"] = str(rule.max_age_seconds)
    return headers


@_nx_patch("S3 CORS rules")
def _patch_s3_cors():
    """10. CORS only as the bucket's CORS rules say. moto's server answered every preflight of every
    service from a blanket flask-cors layer (the daemon turns it off); its S3 preflight applied every
    rule at once (a second rule for another origin refused all) and matched origins by prefix
    (`http://localhost*` style patterns let `http://localhost.evil.example` in); its answers to actual
    requests ignored the method."""
    from moto.s3.exceptions import AccessForbidden
    from moto.s3.responses import S3Response
    _nx_expect((S3Response, "_set_cors_headers_options"), (S3Response, "_get_cors_headers_other"))

    def _set_cors_headers_options(self, headers, bucket):
        origin = headers.get("Origin")
        method = headers.get("Access-Control-Request-Method")
        requested = [h.strip() for h in (headers.get("Access-Control-Request-Headers") or "").split(",") if h.strip()]
        rule = _nx_cors_rule(bucket, origin, method, requested) if origin and method else None
        if rule is None:
            raise AccessForbidden(
                "CORSResponse: This CORS request is not allowed. This is usually because the evalution of "
                "Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers "
                "are not whitelisted by the resource's CORS spec."
            )
        self.response_headers.update(_nx_cors_headers(rule, origin, requested))

    def _get_cors_headers_other(self):
        origin = self.headers.get("Origin")
        if not origin:
            return {}
        try:
            bucket = self.backend.get_bucket(self.bucket_name)
        except Exception:
            return {}
        rule = _nx_cors_rule(bucket, origin, self.method)
        return _nx_cors_headers(rule, origin) if rule is not None else {}

    S3Response._set_cors_headers_options = _set_cors_headers_options
    S3Response._get_cors_headers_other = _get_cors_headers_other


def _nx_api_cors_rules(configuration):
    """CloudFormation's CorsConfiguration in the shape of PutBucketCors (moto's set_cors)."""
    rules = []
    for rule in (configuration or {}).get("CorsRules") or []:
        out = {"AllowedMethod": rule.get("AllowedMethods") or [], "AllowedOrigin": rule.get("AllowedOrigins") or []}
        if rule.get("AllowedHeaders"):
            out["AllowedHeader"] = rule["AllowedHeaders"]
        if rule.get("ExposedHeaders"):
            out["ExposeHeader"] = rule["ExposedHeaders"]
        if rule.get("MaxAge") is not None:
            out["MaxAgeSeconds"] = str(rule["MaxAge"])
        if rule.get("Id"):
            out["ID"] = str(rule["Id"])
        rules.append(out)
    return rules


@_nx_patch("S3 Bucket CorsConfiguration CloudFormation")
def _patch_s3_bucket_cors_cfn():
    """11. AWS::S3::Bucket's CorsConfiguration was ignored: a `Bucket` with `cors: true` had no rules,
    so a page could not upload to it once CORS is answered from the rules only."""
    from moto.s3 import models as _s3m
    _orig_create = _s3m.FakeBucket.create_from_cloudformation_json
    _orig_update = _s3m.FakeBucket.update_from_cloudformation_json

    def _apply(bucket, cloudformation_json):
        props = (cloudformation_json or {}).get("Properties") or {}
        rules = _nx_api_cors_rules(props.get("CorsConfiguration"))
        if rules:
            bucket.set_cors(rules)
        else:
            bucket.delete_cors()

    def _create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        bucket = _orig_create(resource_name, cloudformation_json, account_id, region_name, **kwargs)
        _apply(bucket, cloudformation_json)
        return bucket

    def _update(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
        bucket = _orig_update(original_resource, new_resource_name, cloudformation_json, account_id, region_name)
        _apply(bucket, cloudformation_json)
        return bucket

    _s3m.FakeBucket.create_from_cloudformation_json = classmethod(_create)
    _s3m.FakeBucket.update_from_cloudformation_json = classmethod(_update)
