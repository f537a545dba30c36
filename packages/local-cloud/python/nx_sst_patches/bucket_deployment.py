"""6. Custom::CDKBucketDeployment (aws-s3-deployment, used by StaticSite) without its Lambda.

Does what the CDK handler (aws-cdk-lib custom-resource-handlers/.../bucket-deployment-handler/index.py)
does with the AWS CLI: unzip the sources, replace the markers, sync to the destination (prune, metadata)
and empty the prefix on delete when the bucket is not owned -- on moto's S3 in the same process, so a
StaticSite's files are in its bucket after a deploy. Called from the custom-resource model in
cloudformation.py.
"""

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
