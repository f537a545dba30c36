"""The machinery every patch uses: the daemon-log line, the refusal that rolls a deploy back, and the
post-import hook that applies a patch when moto itself first imports the module it changes.
"""

import functools
import importlib.abc
import importlib.util
import sys


def _nx_log(msg):
    sys.stderr.write("nx-sst moto patch: " + msg + "\n")


class _NxMissing(Exception):
    """The installed moto lacks something a patch wraps."""


def _nx_expect(*needed):
    """The (object, attribute) pairs a patch wraps; a moto without one of them skips the patch."""
    for owner, attr in needed:
        if not hasattr(owner, attr):
            raise _NxMissing(getattr(owner, "__name__", type(owner).__name__) + "." + attr)


def _nx_patch(label):
    """Makes a patch safe to apply to any moto: when the installed one lacks what the patch imports or
    wraps (an ImportError, an AttributeError, _nx_expect), the patch is skipped with a line in the
    daemon log and moto keeps its own behaviour; the patches applied after it still are."""

    def wrap(fn):
        @functools.wraps(fn)
        def apply():
            try:
                fn()
            except Exception as e:  # pragma: no cover - depends on the installed moto
                _nx_log(label + " patch skipped: " + repr(e))

        return apply

    return wrap


def _nx_refused(logical_id, resource_type, message):
    """A resource our models refuse: a creating deploy rolls back naming it (see execute_change_set)."""
    from moto.cloudformation.exceptions import ValidationError
    error = ValidationError(message=str(logical_id) + " (" + resource_type + "): " + message)
    error.nx_refused = (str(logical_id), resource_type, message)
    return error

def _nx_failure(error):
    """What a failed deploy step says about its resource: (logical id, type, CREATE or UPDATE, cause),
    from our refusal or from the note the resource map adds to any error (_patch_cfn_update_rollback);
    None for an error that happened outside a resource."""
    refused = getattr(error, "nx_refused", None)
    if refused is not None:
        logical_id, resource_type, message = refused
        return logical_id, resource_type, "CREATE", message
    return getattr(error, "nx_failed", None)


def _nx_cause(error):
    """An error as AWS would word it: `Code: message` for a service error, else its type and text."""
    code = getattr(error, "code", None) or getattr(error, "error_type", None)
    message = getattr(error, "message", None) or str(error)
    if code and isinstance(code, str):
        return code + ": " + str(message)
    return type(error).__name__ + ": " + str(message)


# Patches are applied when moto itself first imports the module they change: importing moto's
# CloudFormation eagerly loads every service model and would add seconds to each cold start.
_nx_hooks = {}


def _nx_run_hook(name):
    fn = _nx_hooks.pop(name, None)
    if fn is not None:
        try:
            fn()
        except Exception as e:  # pragma: no cover - depends on the installed moto
            _nx_log(name + " patch failed: " + repr(e))


class _NxPostImport(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if fullname not in _nx_hooks:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                break
        else:
            return None
        loader = spec.loader
        if loader is None or not hasattr(loader, "exec_module"):
            return None
        original = loader.exec_module

        def exec_module(module):
            original(module)
            _nx_run_hook(fullname)

        loader.exec_module = exec_module
        return spec


sys.meta_path.insert(0, _NxPostImport())


def _nx_on_import(name, fn):
    _nx_hooks[name] = fn
    if name in sys.modules:
        _nx_run_hook(name)


class _NxRecord:
    """What each of our CloudFormation resource models shares. moto keeps the resource in the stack's
    map under `physical_resource_id` and asks the class for its type and name property. A subclass
    lists it before CloudFormationModel (moto registers only direct subclasses of CloudFormationModel)
    and sets `_cfn_type`, `_cfn_name_type` ("" for no generated name) and `_id_attr`, the attribute its
    own code reads the physical id from."""

    _cfn_type = ""
    _cfn_name_type = ""
    _id_attr = "physical_id"

    def __init__(self, account_id, region_name, physical_id):
        self.account_id = account_id
        self.region_name = region_name
        setattr(self, self._id_attr, physical_id)

    @property
    def physical_resource_id(self):
        return getattr(self, self._id_attr)

    @classmethod
    def cloudformation_type(cls):
        return cls._cfn_type

    @classmethod
    def cloudformation_name_type(cls):
        return cls._cfn_name_type

    def is_created(self):
        return True
