"""CloudFormation change sets, outputs, custom resources and fault injection.

1. Change sets are looked up per stack (moto looks names up across all stacks, crashes deleting a
   missing one, and answers a missing one with "Stack with id <change set> does not exist").
2. Executing a change set recomputes the stack's template, Outputs and exports (moto kept the
   Outputs of the template the stack had before, i.e. none for a stack created by a change set),
   and resolves Fn::ImportValue against the exports of other stacks.
3. Custom::* / AWS::CloudFormation::CustomResource resources complete without invoking their
   Lambda (moto would run it in Docker); Custom::S3AutoDeleteObjects empties its bucket on delete;
   Custom::CDKBucketDeployment is done by bucket_deployment.py, Custom::NxSstAuthKeys by auth_keys.py,
   Custom::AWS DynamoDB item writes by aws_custom_resource.py.
4. A forced failure of named resource types (fault injection; the front passes them in the
   x-nx-sst-fail-resource-types header) rolls the deploy back and names the failing resource.

12. A deploy that fails on a resource rolls back as CloudFormation's does (_patch_cfn_update_rollback):
    a new stack to ROLLBACK_COMPLETE with what it had created deleted; an update to
    UPDATE_ROLLBACK_COMPLETE with the resources, template and outputs it had before. An update
    creates and updates first and deletes what the new template dropped only once all of that
    succeeded (moto deleted first, so a failed update lost them), and keeps a resource whose
    DeletionPolicy is Retain. The failure event names the logical id and the cause.
13. Names CloudFormation generates for S3 buckets fit S3's 63 characters whatever the logical id's
    length, as on AWS (moto appended the whole logical id, and a long construct id failed with
    InvalidBucketName).
14. Deleting a stack whose resource is already gone (deleted outside the stack) succeeds, as on AWS.
"""

import threading

from ._hooks import _nx_expect, _nx_failure, _nx_log, _nx_patch, _nx_refused
from .auth_keys import AUTH_KEYS, _auth_keys
from .aws_custom_resource import AWS_CUSTOM_RESOURCE, _aws_call
from .bucket_deployment import BUCKET_DEPLOYMENT, _bucket_deployment


@_nx_patch("CloudFormation")
def _patch_cloudformation():
    from moto.cloudformation import models as _cfm
    from moto.cloudformation import responses as _cfr
    from moto.cloudformation import custom_model as _ccm
    from moto.cloudformation.exceptions import CloudFormationError as _CfnError, ValidationError as _ValidationError
    _nx_expect(
        (_cfm, "CloudFormationBackend"), (_cfm, "ChangeSet"), (_cfm, "Stack"), (_cfm, "Event"),
        (_cfm.CloudFormationBackend, "execute_change_set"), (_cfm.CloudFormationBackend, "describe_change_set"),
        (_cfm.CloudFormationBackend, "delete_change_set"), (_cfm.CloudFormationBackend, "create_stack"),
        (_cfm.CloudFormationBackend, "update_stack"), (_cfr, "CloudFormationResponse"),
        (_ccm, "CustomModel"),
    )
    class ChangeSetNotFound(_CfnError):
        code = "ChangeSetNotFoundException"

    _local = threading.local()

    def _fail_types():
        return getattr(_local, "fail_types", None) or set()

    # ---- 4. the forced-failure header reaches the backend through the request's thread
    _orig_call_action = _cfr.CloudFormationResponse.call_action

    def _call_action(self):
        header = self.headers.get("x-nx-sst-fail-resource-types") or ""
        _local.fail_types = {t.strip() for t in header.split(",") if t.strip()}
        try:
            return _orig_call_action(self)
        finally:
            _local.fail_types = set()

    _cfr.CloudFormationResponse.call_action = _call_action

    # ---- 1. change sets per stack
    def _stack_matches(change_set, stack_name):
        if not stack_name:
            return True
        return change_set.stack.name == stack_name or change_set.stack.stack_id == stack_name

    def _find_change_set(self, change_set_name, stack_name=None):
        if change_set_name in self.change_sets:
            return self.change_sets[change_set_name]
        found = None
        for cs in self.change_sets.values():
            if cs.change_set_name == change_set_name and _stack_matches(cs, stack_name):
                found = cs
        return found

    def _not_found(change_set_name):
        return ChangeSetNotFound("ChangeSet [" + str(change_set_name) + "] does not exist")

    def describe_change_set(self, change_set_name, stack_name=None):
        cs = _find_change_set(self, change_set_name, stack_name)
        if cs is None:
            raise _not_found(change_set_name)
        return cs

    def delete_change_set(self, change_set_name, stack_name=None):
        cs = _find_change_set(self, change_set_name, stack_name)
        if cs is not None:
            del self.change_sets[cs.change_set_id]
        elif stack_name and not any(s.name == stack_name or s.stack_id == stack_name for s in self.stacks.values()):
            raise _ValidationError(stack_name)
        # Deleting a change set that is not there succeeds when the stack exists, as on AWS.

    _cfm.CloudFormationBackend.describe_change_set = describe_change_set
    _cfm.CloudFormationBackend.delete_change_set = delete_change_set

    def _r_describe_change_set(self):
        cs = self.cloudformation_backend.describe_change_set(
            change_set_name=self._get_param("ChangeSetName"), stack_name=self._get_param("StackName"))
        return _cfr.ActionResult(cs)

    def _r_delete_change_set(self):
        self.cloudformation_backend.delete_change_set(
            change_set_name=self._get_param("ChangeSetName"), stack_name=self._get_param("StackName"))
        return _cfr.EmptyResult()

    def _r_list_change_sets(self):
        stack_name = self._get_param("StackName")
        summaries = [cs for cs in self.cloudformation_backend.list_change_sets() if _stack_matches(cs, stack_name)]
        return _cfr.ActionResult({"Summaries": summaries})

    _cfr.CloudFormationResponse.describe_change_set = _r_describe_change_set
    _cfr.CloudFormationResponse.delete_change_set = _r_delete_change_set
    _cfr.CloudFormationResponse.list_change_sets = _r_list_change_sets

    # ---- 4. rollback of a forced failure
    def _resource_event(stack, logical_id, resource_type, status, reason):
        event = _cfm.Event(
            stack_id=stack.stack_id, stack_name=stack.name, logical_resource_id=logical_id,
            physical_resource_id="", resource_type=resource_type, resource_status=status,
            resource_status_reason=reason, resource_properties=None)
        stack.events.append(event)

    def _failing_resource(template_dict, old_template_dict):
        types = _fail_types()
        if not types:
            return None
        old = (old_template_dict or {}).get("Resources") or {}
        for logical_id, resource in ((template_dict or {}).get("Resources") or {}).items():
            if resource.get("Type") in types and old.get(logical_id) != resource:
                return logical_id, resource.get("Type"), logical_id in old
        return None

    def _roll_back(stack, failing, updating, message=None):
        logical_id, resource_type, existed = failing
        reason = "Resource handler returned message: \"" + resource_type + " failed: " + (
            message or "fault injected by the nx-sst local cloud (failResourceTypes)") + "\""
        verb = "UPDATE" if existed else "CREATE"
        if message is None:  # a refused resource fails after the deploy has started
            if updating:
                stack._add_stack_event("UPDATE_IN_PROGRESS", resource_status_reason="User Initiated")
            else:
                stack._add_stack_event("CREATE_IN_PROGRESS", resource_status_reason="User Initiated")
        _resource_event(stack, logical_id, resource_type, verb + "_IN_PROGRESS", None)
        _resource_event(stack, logical_id, resource_type, verb + "_FAILED", reason)
        summary = "The following resource(s) failed to " + verb.lower() + ": [" + logical_id + "]. " + (
            (message + " ") if message else "")
        if updating:
            stack._add_stack_event("UPDATE_ROLLBACK_IN_PROGRESS", resource_status_reason=summary)
            stack._add_stack_event("UPDATE_ROLLBACK_COMPLETE")
            stack.status = "UPDATE_ROLLBACK_COMPLETE"
        else:
            stack._add_stack_event("ROLLBACK_IN_PROGRESS", resource_status_reason=summary + "Rollback requested by user.")
            stack._add_stack_event("ROLLBACK_COMPLETE")
            stack.status = "ROLLBACK_COMPLETE"
        stack.stack_status_reason = summary

    def _refused_rolled_back(stack, error):
        # A new stack whose resource failed (or that we refused): delete what was created, roll back
        # naming the resource, so nothing is left half-made.
        failed = _nx_failure(error)
        if failed is None:
            return False
        logical_id, resource_type, _, message = failed
        try:
            stack.resource_map.delete()
        except Exception as e:
            _nx_log("rollback of " + stack.name + " left resources: " + repr(e))
        # moto's resource map creates a resource when it is first looked up (DescribeStackResources would
        # bring the deleted ones back): a rolled-back stack has none.
        stack.resource_map._resource_json_map = {}
        stack.output_map = _cfm.OutputMap(stack.resource_map, {}, stack.stack_id)
        _roll_back(stack, (logical_id, resource_type, False), False, message)
        return True

    # ---- 1 + 2 + 4. executing a change set
    def execute_change_set(self, change_set_name, stack_name=None):
        cs = _find_change_set(self, change_set_name, stack_name)
        if cs is None:
            raise _not_found(change_set_name)
        stack = self.stacks[cs.stack_id]
        updating = cs.change_set_type != "CREATE"
        failing = _failing_resource(cs.template_dict, stack.template_dict if updating else None)
        if failing:
            _roll_back(stack, failing, updating)
            cs.execution_status = "EXECUTE_FAILED"
            return
        if updating:
            stack._add_stack_event("UPDATE_IN_PROGRESS", resource_status_reason="User Initiated")
        else:
            stack._add_stack_event("CREATE_IN_PROGRESS", resource_status_reason="User Initiated")
        old_exports = [e.name for e in stack.exports]
        # A stack that a change set created was made without the backend's exports (moto passes
        # them only to CreateStack), so its Fn::ImportValue found nothing: share the live ones.
        stack.cross_stack_resources = self.exports
        stack.resource_map.cross_stack_resources = self.exports
        try:
            cs.apply()
        except Exception as e:
            if updating:
                # The resource map put itself back as it was (_patch_cfn_update_rollback); say so.
                failed = _nx_failure(e)
                if failed is None:
                    raise
                logical_id, resource_type, verb, message = failed
                _roll_back(stack, (logical_id, resource_type, verb == "UPDATE"), True, message)
            elif not _refused_rolled_back(stack, e):
                raise
            cs.execution_status = "EXECUTE_FAILED"
            return
        stack.template = cs.template
        stack._parse_template()
        stack.description = stack.template_dict.get("Description")
        if cs.parameters:
            stack.parameters = cs.parameters
        stack.output_map = stack._create_output_map()
        for name in old_exports:
            self.exports.pop(name, None)
        for export in stack.exports:
            self.exports[export.name] = export
        stack._add_stack_event(("UPDATE" if updating else "CREATE") + "_COMPLETE")
        cs.execution_status = "EXECUTE_COMPLETE"
        stack.status = ("UPDATE" if updating else "CREATE") + "_COMPLETE"
        stack.stack_status_reason = None

    _cfm.CloudFormationBackend.execute_change_set = execute_change_set

    # ---- 4. forced failure on the direct (CreateStack / UpdateStack) route
    _orig_create_resources = _cfm.Stack.create_resources

    def _create_resources(self):
        failing = _failing_resource(self.template_dict, None)
        if failing:
            _roll_back(self, failing, False)
            self.resource_map._resource_json_map = {}  # else a later lookup would create them
            self.output_map = _cfm.OutputMap(self.resource_map, {}, self.stack_id)
            return
        try:
            return _orig_create_resources(self)
        except Exception as e:
            if not _refused_rolled_back(self, e):
                raise

    _cfm.Stack.create_resources = _create_resources

    _orig_update_stack = _cfm.CloudFormationBackend.update_stack

    def update_stack(self, name, template, role_arn, parameters, tags):
        stack = self.get_stack(name)
        failing = _failing_resource(_cfm.Stack.parse_template(template), stack.template_dict)
        if failing:
            _roll_back(stack, failing, True)
            return stack
        before = (stack.template, stack.template_dict, stack.description)
        try:
            result = _orig_update_stack(self, name, template, role_arn, parameters, tags)
        except Exception as e:
            failed = _nx_failure(e)
            if failed is None:
                raise
            # moto's Stack.update took the new template before its resources: give the old one back.
            stack.template, stack.template_dict, stack.description = before
            logical_id, resource_type, verb, message = failed
            _roll_back(stack, (logical_id, resource_type, verb == "UPDATE"), True, message)
            return stack
        result.stack_status_reason = None
        return result

    _cfm.CloudFormationBackend.update_stack = update_stack

    # ---- 3. custom resources answer without Lambda
    def _run_bucket_deployment(logical_id, account_id, region_name, request_type, properties, old_properties):
        try:
            return _bucket_deployment(account_id, region_name, request_type, properties, old_properties)
        except Exception as e:
            # A clear answer to the deploy call instead of moto's HTML 500.
            raise _nx_refused(logical_id, BUCKET_DEPLOYMENT, str(e))

    def _run_auth_keys(logical_id, account_id, region_name, request_type, properties, old_properties):
        try:
            return _auth_keys(account_id, region_name, request_type, properties, old_properties)
        except Exception as e:
            raise _nx_refused(logical_id, AUTH_KEYS, str(e))

    def _run_aws_call(logical_id, account_id, region_name, request_type, properties):
        try:
            return _aws_call(account_id, region_name, request_type, properties)
        except Exception as e:
            raise _nx_refused(logical_id, AWS_CUSTOM_RESOURCE, str(e))

    def _custom_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        properties = cloudformation_json.get("Properties") or {}
        resource = _ccm.CustomModel(region_name, "nx-sst-local", kwargs["LogicalId"], resource_name)
        resource.nx_resource_type = kwargs.get("ResourceType")
        resource.nx_properties = properties
        resource.nx_account_id = account_id
        data = {}
        if resource.nx_resource_type == BUCKET_DEPLOYMENT:
            data = _run_bucket_deployment(kwargs["LogicalId"], account_id, region_name, "Create", properties, {})
        elif resource.nx_resource_type == AUTH_KEYS:
            data = _run_auth_keys(kwargs["LogicalId"], account_id, region_name, "Create", properties, {})
        elif resource.nx_resource_type == AWS_CUSTOM_RESOURCE:
            data = _run_aws_call(kwargs["LogicalId"], account_id, region_name, "Create", properties)
        resource.set_data(data)
        stack = _cfm.cloudformation_backends[account_id][region_name].get_stack(kwargs["StackId"])
        stack.add_custom_resource(resource)
        return resource

    def _empty_bucket(account_id, region_name, bucket_name):
        from moto.s3.models import s3_backends
        from moto.utilities.utils import get_partition
        backend = s3_backends[account_id][get_partition(region_name)]
        try:
            bucket = backend.get_bucket(bucket_name)
        except Exception:
            return
        for key_name, versions in list(bucket.keys.iterlists()):
            for version in list(versions):
                backend.delete_object(bucket_name, key_name, version_id=getattr(version, "version_id", None))
        for key_name in list(bucket.keys.keys()):
            backend.delete_object(bucket_name, key_name)

    def _custom_delete(self, account_id, region_name):
        resource_type = getattr(self, "nx_resource_type", None)
        if resource_type == "Custom::S3AutoDeleteObjects":
            bucket_name = (self.nx_properties or {}).get("BucketName")
            if bucket_name:
                _empty_bucket(account_id, region_name, bucket_name)
        elif resource_type == BUCKET_DEPLOYMENT:
            _bucket_deployment(account_id, region_name, "Delete", self.nx_properties or {}, {})
        elif resource_type == AUTH_KEYS:
            _auth_keys(account_id, region_name, "Delete", self.nx_properties or {}, {})
        elif resource_type == AWS_CUSTOM_RESOURCE:
            _aws_call(account_id, region_name, "Delete", self.nx_properties or {})

    def _custom_update(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
        # moto has no update for custom resources and would drop the resource from the stack,
        # so a later delete (e.g. emptying an autoDeleteObjects bucket) would never run.
        old_properties = getattr(original_resource, "nx_properties", None) or {}
        original_resource.nx_properties = cloudformation_json.get("Properties") or {}
        if getattr(original_resource, "nx_resource_type", None) == BUCKET_DEPLOYMENT:
            original_resource.set_data(_run_bucket_deployment(
                original_resource.logical_id, account_id, region_name, "Update",
                original_resource.nx_properties, old_properties))
        elif getattr(original_resource, "nx_resource_type", None) == AUTH_KEYS:
            _run_auth_keys(original_resource.logical_id, account_id, region_name, "Update",
                           original_resource.nx_properties, old_properties)
        elif getattr(original_resource, "nx_resource_type", None) == AWS_CUSTOM_RESOURCE:
            # As CloudFormation does, an update runs the Update call only when the properties changed.
            if original_resource.nx_properties != old_properties:
                _run_aws_call(original_resource.logical_id, account_id, region_name, "Update",
                              original_resource.nx_properties)
        return original_resource

    # moto deletes a stack's resources in set order, not in reverse dependency order, and its S3
    # "deletes" a non-empty bucket by doing nothing. Custom resources (which depend on what they
    # manage, e.g. the bucket they empty) therefore run their delete first, as on AWS.
    from moto.cloudformation import parsing as _cfp
    _orig_resource_map_delete = _cfp.ResourceMap.delete

    def _resource_map_delete(self):
        for resource in list(self._parsed_resources.values()):
            if isinstance(resource, _ccm.CustomModel):
                try:
                    resource.delete(self._account_id, self._region_name)
                except Exception as e:
                    _nx_log("custom resource delete failed: " + repr(e))
        return _orig_resource_map_delete(self)

    _cfp.ResourceMap.delete = _resource_map_delete

    _ccm.CustomModel.create_from_cloudformation_json = classmethod(_custom_create)
    _ccm.CustomModel.update_from_cloudformation_json = classmethod(_custom_update)
    _ccm.CustomModel.delete = _custom_delete

    # Applied here, where moto's CloudFormation is loaded, each on its own (one missing does not stop the other).
    _patch_cfn_update_rollback()
    _patch_cfn_generated_bucket_names()
    _patch_cfn_delete_gone_resources()


@_nx_patch("CloudFormation update rollback")
def _patch_cfn_update_rollback():
    """12. An update in CloudFormation's order, undone when a resource fails.

    moto's ResourceMap.update deleted the resources the new template dropped (Retain ones too) before
    creating the new ones, and raised half-way on the first failure: the stack kept its old template
    and status while resources of it were gone, and the next deploy, finding the template unchanged,
    never brought them back. Here the new and changed resources come first; the dropped ones are
    deleted (Retain ones kept) only once all of them succeeded. On a failure the created resources
    are deleted, the changed ones updated back, and the map restored; the error then carries the
    failing logical id, its type and the cause (execute_change_set reports UPDATE_ROLLBACK_COMPLETE).
    """
    from moto.cloudformation import parsing as _cfp
    _nx_expect(
        (_cfp, "ResourceMap"), (_cfp, "parse_and_create_resource"), (_cfp, "parse_and_update_resource"),
        (_cfp, "MAX_UPDATE_ATTEMPTS"), (_cfp.ResourceMap, "update"), (_cfp.ResourceMap, "build_resource_diff"),
        (_cfp.ResourceMap, "_delete_resource"), (_cfp.ResourceMap, "load_parameters"),
        (_cfp.ResourceMap, "load_conditions"), (_cfp.ResourceMap, "load_mapping"),
    )
    from ._hooks import _nx_cause

    def _noted(fn, verb):
        # The innermost resource names the failure: a resource created because another refers to it
        # fails as itself, not as the one that referred to it.
        def wrapper(logical_id, resource_json, *args, **kwargs):
            try:
                return fn(logical_id, resource_json, *args, **kwargs)
            except Exception as e:
                if getattr(e, "nx_failed", None) is None and getattr(e, "nx_refused", None) is None:
                    try:
                        e.nx_failed = (str(logical_id), str((resource_json or {}).get("Type", "?")), verb, _nx_cause(e))
                    except AttributeError:  # an exception type that takes no attributes
                        pass
                raise

        return wrapper

    _cfp.parse_and_create_resource = _noted(_cfp.parse_and_create_resource, "CREATE")
    _cfp.parse_and_update_resource = _noted(_cfp.parse_and_update_resource, "UPDATE")

    def _retrying(names, step):
        # moto's habit: a dependency not yet there fails a step; it is tried again in the next pass.
        pending = list(names)
        last = None
        for _ in range(_cfp.MAX_UPDATE_ATTEMPTS):
            if not pending:
                return
            for name in list(pending):
                try:
                    step(name)
                except Exception as e:
                    last = e
                else:
                    pending.remove(name)
        if pending:
            raise last

    def _snapshot(rmap):
        return {
            "template": rmap._template, "json": rmap._resource_json_map, "parsed": dict(rmap._parsed_resources),
            "input": rmap.input_parameters, "resolved": dict(getattr(rmap, "resolved_parameters", {}) or {}),
            "conditions": getattr(rmap, "lazy_condition_map", None),
            "no_echo": list(getattr(rmap, "no_echo_parameter_keys", []) or []),
        }

    def _restore(rmap, before):
        rmap._template = before["template"]
        rmap._resource_json_map = before["json"]
        rmap.input_parameters = before["input"]
        # In place: the old conditions were bound to these very dicts.
        rmap._parsed_resources.clear()
        rmap._parsed_resources.update(before["parsed"])
        if hasattr(rmap, "resolved_parameters"):
            rmap.resolved_parameters.clear()
            rmap.resolved_parameters.update(before["resolved"])
        if before["conditions"] is not None:
            rmap.lazy_condition_map = before["conditions"]
        rmap.no_echo_parameter_keys = before["no_echo"]

    def _undo(rmap, before, new_json, modified):
        """Deletes what the failed update created and updates back what it changed. Returns what it
        could not undo, for the log."""
        left = []
        created = [n for n in rmap._parsed_resources if n not in before["parsed"] and n in new_json]
        changed = {n: rmap._parsed_resources.get(n) for n in modified}
        for name in reversed(created):
            resource = rmap._parsed_resources.get(name)
            if resource is None or isinstance(resource, str):
                continue
            try:
                rmap._delete_resource(resource, new_json[name])
            except Exception as e:
                left.append(name + " (not deleted: " + _nx_cause(e) + ")")
        _restore(rmap, before)
        for name, resource in changed.items():
            if resource is None:
                continue
            rmap._parsed_resources[name] = resource
            try:
                reverted = _cfp.parse_and_update_resource(
                    name, before["json"][name], rmap, account_id=rmap._account_id, region_name=rmap._region_name)
                if reverted is not None:
                    rmap._parsed_resources[name] = reverted
            except Exception as e:
                left.append(name + " (not updated back: " + _nx_cause(e) + ")")
        return left

    def update(self, template, parameters=None):
        actions = self.build_resource_diff(template, parameters)
        before = _snapshot(self)
        modified = []
        try:
            self._template = template
            if parameters:
                self.input_parameters = parameters
            self.load_mapping()
            self.load_parameters()
            self.load_conditions()
            self._resource_json_map = template["Resources"]
            for name in actions["Add"]:
                _ = self[name]  # moto's resource map creates a resource when it is first looked up

            def modify(name):
                changed = _cfp.parse_and_update_resource(
                    name, self._resource_json_map[name], self, account_id=self._account_id,
                    region_name=self._region_name)
                self._parsed_resources[name] = changed
                modified.append(name)

            _retrying(actions["Modify"], modify)
        except Exception as e:
            left = _undo(self, before, template.get("Resources") or {}, modified)
            if left:
                _nx_log("rollback of " + str(self.stack_id) + " left: " + "; ".join(left))
            raise e

        # Clean-up, as CloudFormation's UPDATE_COMPLETE_CLEANUP_IN_PROGRESS: a failure here does not
        # fail the update.
        old_json = before["json"]

        def remove(name):
            resource = self._parsed_resources.get(name)
            if old_json[name].get("DeletionPolicy") not in ("Retain", "RetainExceptOnCreate") and resource is not None and not isinstance(resource, str):
                self._delete_resource(resource, old_json[name])
            self._parsed_resources.pop(name, None)

        try:
            _retrying(actions["Remove"], remove)
        except Exception as e:
            _nx_log("clean-up of " + str(self.stack_id) + " left a resource: " + _nx_cause(e))

    _cfp.ResourceMap.update = update


@_nx_patch("CloudFormation generated bucket names")
def _patch_cfn_generated_bucket_names():
    """13. `{stack}-{logical id}-{suffix}`, each part cut so the whole fits S3's 63 characters."""
    from moto.cloudformation import parsing as _cfp
    from moto.cloudformation import utils as _cfu
    _nx_expect((_cfp, "generate_resource_name"), (_cfu, "random_suffix"))
    _orig = _cfp.generate_resource_name

    def generate_resource_name(resource_type, stack_name, logical_id):
        if resource_type != "AWS::S3::Bucket":
            return _orig(resource_type, stack_name, logical_id)
        suffix = _cfu.random_suffix().lower()
        room = 63 - len(suffix) - 2
        logical = logical_id.lower()[: max(room - len(stack_name), room // 2)]
        stack = stack_name.lower()[: room - len(logical)]
        name = "-".join(part.strip("-.") for part in (stack, logical, suffix) if part.strip("-."))
        return name

    _cfp.generate_resource_name = generate_resource_name


@_nx_patch("CloudFormation delete of resources already gone")
def _patch_cfn_delete_gone_resources():
    """14. A resource deleted outside its stack counts as deleted when the stack deletes it; moto's
    error (e.g. ParameterNotFound) failed the whole stack deletion."""
    from moto.cloudformation import parsing as _cfp
    _nx_expect((_cfp.ResourceMap, "_delete_resource"))
    _orig = _cfp.ResourceMap._delete_resource

    def _delete_resource(self, parsed_resource, resource_json):
        try:
            return _orig(self, parsed_resource, resource_json)
        except Exception as e:
            code = str(getattr(e, "code", None) or getattr(e, "error_type", None) or type(e).__name__)
            if "NotFound" in code or code.startswith("NoSuch"):
                _nx_log("delete of " + str(getattr(parsed_resource, "logical_resource_id", "?")) + ": already gone (" + code + ")")
                return None
            raise

    _cfp.ResourceMap._delete_resource = _delete_resource


@_nx_patch("CloudFormation AWS::NoValue in lists")
def _patch_cfn_no_value_in_lists():
    """A list element that resolves to `AWS::NoValue` (`Fn::If` of a condition, as in the CDK
    bootstrap template's trust policies) is removed from the list, as CloudFormation does; moto kept a
    `null` there, and IAM then failed every AssumeRole of such a role."""
    from moto.cloudformation import parsing as _cfp
    _orig_clean_json = _cfp.clean_json

    def _clean_json(resource_json, resources_map):
        cleaned = _orig_clean_json(resource_json, resources_map)
        if isinstance(resource_json, list) and isinstance(cleaned, list):
            return [value for value in cleaned if value is not None]
        return cleaned

    _cfp.clean_json = _clean_json
