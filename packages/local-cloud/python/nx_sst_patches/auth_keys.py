"""15. Custom::NxSstAuthKeys (the Auth construct of @nx-sst/constructs) without its Lambda.

On AWS a Lambda generates an RSA key pair (2048 bits, PEM: SPKI public, PKCS#8 private) into two
SecureString parameters; here the same is done on moto's SSM in the same process, so a deployed Auth
has its keys on the local stage too. The keys never pass through the template or the response.
Called from the custom-resource model in cloudformation.py.
"""

AUTH_KEYS = "Custom::NxSstAuthKeys"


def _generate_pair():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return public, private


def _ssm(account_id, region_name):
    from moto.ssm.models import ssm_backends
    return ssm_backends[account_id][region_name]


def _put(backend, name, value):
    backend.put_parameter(
        name=name, description="", value=value, parameter_type="SecureString", allowed_pattern=None,
        keyid=None, overwrite=True, tags=[], data_type="text", tier=None, policies=None)


def _read(backend, name):
    parameter = backend.get_parameter(name)
    return parameter.value if parameter is not None else None


def _paths(properties):
    public, private = properties.get("PublicKeyParameter"), properties.get("PrivateKeyParameter")
    if not public or not private:
        raise ValueError("PublicKeyParameter and PrivateKeyParameter are required")
    return public, private


def _auth_keys(account_id, region_name, request_type, properties, old_properties):
    backend = _ssm(account_id, region_name)
    public, private = _paths(properties)
    if request_type == "Create":
        pair = _generate_pair()
    elif request_type == "Update":
        old_public, old_private = _paths(old_properties)
        if (old_public, old_private) == (public, private):
            return {}
        # The pair moves with the construct (as the Lambda does); the old names go, as AWS's delete
        # of the old physical resource would remove them.
        pair = (_read(backend, old_public), _read(backend, old_private))
        if None in pair:
            pair = _generate_pair()
        backend.delete_parameters([old_public, old_private])
    elif request_type == "Delete":
        backend.delete_parameters([public, private])
        return {}
    else:
        raise ValueError("unknown request type " + str(request_type))
    _put(backend, private, pair[1])
    _put(backend, public, pair[0])
    return {}
