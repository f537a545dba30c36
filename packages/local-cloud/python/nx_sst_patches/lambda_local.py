"""12. What the daemon needs to run functions itself (moto's Lambda runs code only in Docker):

- a route on moto's internal port, /moto-api/nx-sst/lambda-code, that hands the daemon the zip of a
  function (moto keeps the bytes in memory and answers GetFunction with a Location nobody can read);
- the endpoints the local cloud serves for an HTTP API and a function URL, instead of AWS's names,
  so that CloudFormation outputs, GetApi and GetFunctionUrlConfig give a URL that answers here:
  http://127.0.0.1:PORT/_aws/execute-api/API_ID and http://127.0.0.1:PORT/_aws/lambda-url/URL_ID/.
  The daemon passes its published endpoint in NX_SST_PUBLIC_ENDPOINT.
"""

import os

from ._hooks import _nx_expect, _nx_patch


def _public_endpoint():
    return (os.environ.get("NX_SST_PUBLIC_ENDPOINT") or "").rstrip("/")


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

    _urls.url_paths["{0}/moto-api/nx-sst/lambda-code"] = lambda_code


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
            url_id = self.url.split("//", 1)[1].split(".", 1)[0]
            self.url = base + "/_aws/lambda-url/" + url_id + "/"

    _lm.FunctionUrlConfig.__init__ = __init__
