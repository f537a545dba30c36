"""16. EventBridge rules with function targets, run by the daemon (moto's Lambda runs code only in Docker):

- PutEvents: moto matches each rule's event pattern (its own matcher, Rule.send_to_targets) and
  delivers to log groups, queues, buses and archives itself; the function targets of a matching rule
  are recorded instead of raising NotImplementedError, and the daemon drains them through
  /moto-api/nx-sst/event-deliveries and runs each function once, asynchronously. As in AWS, a
  DISABLED rule gets no events, and a rule with a schedule and no pattern gets only its schedule.
- Schedules: /moto-api/nx-sst/schedules lists the rules with a ScheduleExpression (the daemon keeps
  the clock), and /moto-api/nx-sst/schedule-fire answers the function deliveries of one rule's
  Scheduled Event at a given time. Both are reads: a fire changes no state, so nothing is journaled
  and a rate(1 minute) rule does not grow the journal. Other targets of a schedule get nothing.

A target's Input (constant JSON), InputPath and InputTransformer (moto's EventTemplateParser) shape
what the function gets, as in AWS.

- CloudFormation: `Ref` of an AWS::Events::EventBus is its name, as on AWS (moto's bus had no physical
  id, so a rule on a custom bus, as the EventBus construct makes, failed with "'EventBus' object has
  no attribute 'split'").
"""

import json

from ._hooks import _nx_expect, _nx_patch

# Function deliveries of PutEvents, until the daemon drains them.
_nx_event_deliveries = []


def _iso(value):
    from datetime import datetime, timezone
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value


def _is_function(target):
    return str(target.get("Arn", "")).startswith("arn:aws:lambda:")


def _enabled(rule):
    return str(getattr(rule, "state", "ENABLED")).startswith("ENABLED")


def _target_input(target, event):
    """The payload a target gets for `event` (EventBridge's shape, `time` in ISO 8601), as JSON text."""
    if target.get("Input") is not None:
        return target["Input"]
    if target.get("InputPath"):
        from jsonpath_ng.ext import parse
        found = parse(target["InputPath"]).find(event)
        return json.dumps(found[0].value if found else None)
    transformer = target.get("InputTransformer")
    if transformer:
        from moto.events.utils import EventTemplateParser
        with_ingestion = dict(event, **{"ingestion-time": event.get("time")})
        return json.dumps(EventTemplateParser.parse(
            input_template=transformer.get("InputTemplate"),
            input_paths_map=transformer.get("InputPathsMap", {}),
            event=with_ingestion,
        ))
    return json.dumps(event)


def _deliveries(rule, event):
    out = []
    for target in rule.targets:
        if not _is_function(target):
            continue
        try:
            payload = _target_input(target, event)
            error = None
        except Exception as e:  # a template moto cannot fill: the daemon logs it
            payload, error = None, repr(e)
        out.append({
            "ruleArn": rule.arn,
            "targetId": target.get("Id"),
            "functionArn": target["Arn"],
            "eventId": event.get("id"),
            "payload": payload,
            "error": error,
        })
    return out


def _lambda_event(original_event):
    event = {k: v for k, v in original_event.items() if k != "ingestion-time"}
    event["time"] = _iso(event.get("time"))
    return event


@_nx_patch("EventBridge function targets run by the daemon")
def _patch_events_lambda_targets():
    from moto.events import models as _evm
    _nx_expect((_evm.Rule, "send_to_targets"), (_evm.EventPattern, "matches_event"), (_evm.EventPattern, "get_pattern"))
    original = _evm.Rule.send_to_targets

    def send_to_targets(self, original_event, transform_input=True):
        if not _enabled(self):
            return
        pattern = self.event_pattern.get_pattern() if hasattr(self.event_pattern, "get_pattern") else None
        if self.scheduled_expression and not pattern:
            return
        functions = [t for t in self.targets if _is_function(t)]
        if functions and self.event_pattern.matches_event(original_event):
            _nx_event_deliveries.extend(_deliveries(self, _lambda_event(original_event)))
        if len(functions) == len(self.targets):
            return None
        # moto raises NotImplementedError on a function target: hide them for this call only. Writes
        # run one at a time (the daemon's gate), so no other request sees the shorter list.
        targets = self.targets
        self.targets = [t for t in targets if not _is_function(t)]
        try:
            return original(self, original_event, transform_input)
        finally:
            self.targets = targets

    _evm.Rule.send_to_targets = send_to_targets


@_nx_patch("EventBus Ref in templates")
def _patch_event_bus_ref():
    from moto.events import models as _evm
    _nx_expect((_evm, "EventBus"))
    if "physical_resource_id" not in vars(_evm.EventBus):
        _evm.EventBus.physical_resource_id = property(lambda self: self.name)


def _patch_events_models():
    _patch_events_lambda_targets()
    _patch_event_bus_ref()


def _rules(account, region):
    from moto.events.models import events_backends
    backend = events_backends[account][region]
    for bus in list(backend.event_buses.values()):
        for rule in list(bus.rules.values()):
            yield rule


def _query(full_url):
    from urllib.parse import parse_qs, urlparse
    query = parse_qs(urlparse(full_url).query)
    return lambda name: (query.get(name) or [""])[0]


def _event_deliveries_route(request, full_url, headers):
    drained = list(_nx_event_deliveries)
    del _nx_event_deliveries[:len(drained)]
    return 200, {"content-type": "application/json"}, json.dumps(drained)


def _schedules_route(request, full_url, headers):
    one = _query(full_url)
    rules = [
        {
            "arn": rule.arn,
            "name": rule.name,
            "eventBusName": rule.event_bus_name,
            "scheduleExpression": rule.scheduled_expression,
            "state": rule.state,
            "functionTargets": len([t for t in rule.targets if _is_function(t)]),
        }
        for rule in _rules(one("account"), one("region"))
        if rule.scheduled_expression
    ]
    return 200, {"content-type": "application/json"}, json.dumps(rules)


def _schedule_fire_route(request, full_url, headers):
    import time
    import uuid
    one = _query(full_url)
    account, region, arn = one("account"), one("region"), one("arn")
    for rule in _rules(account, region):
        if rule.arn != arn:
            continue
        event = {
            "version": "0",
            # Not moto's seeded generator: a read must leave the seeded sequence of writes alone.
            "id": str(uuid.uuid4()),
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": account,
            "time": one("time") or _iso(time.time()),
            "region": region,
            "resources": [rule.arn],
            "detail": {},
        }
        body = {"state": rule.state, "deliveries": _deliveries(rule, event)}
        return 200, {"content-type": "application/json"}, json.dumps(body)
    return 404, {"content-type": "application/json"}, json.dumps({"message": "no rule " + arn})


@_nx_patch("EventBridge routes for the daemon")
def _patch_events_routes():
    from moto.moto_api._internal import urls as _urls
    _nx_expect((_urls, "url_paths"))
    _urls.url_paths["{0}/moto-api/nx-sst/event-deliveries"] = _event_deliveries_route
    _urls.url_paths["{0}/moto-api/nx-sst/schedules"] = _schedules_route
    _urls.url_paths["{0}/moto-api/nx-sst/schedule-fire"] = _schedule_fire_route
