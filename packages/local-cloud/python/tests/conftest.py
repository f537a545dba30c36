"""The patches are imported before moto, as the daemon's wrapper imports them: each applies when moto
first imports the module it changes. Tests then drive moto in process (`mock_aws`) with boto3."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import nx_sst_patches  # noqa: E402,F401  (registers the import hooks)

# boto3 must never reach AWS from a test, whatever the machine's configuration.
os.environ["AWS_ACCESS_KEY_ID"] = "testing"
os.environ["AWS_SECRET_ACCESS_KEY"] = "testing"
os.environ["AWS_DEFAULT_REGION"] = "us-east-1"
os.environ.pop("AWS_PROFILE", None)
