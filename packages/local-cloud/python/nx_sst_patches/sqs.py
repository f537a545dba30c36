"""13. A FIFO queue without a QueueName gets a name ending in .fifo, as CloudFormation generates it.

moto names an unnamed AWS::SQS::Queue `{stack}-{logical id}-{suffix}` whatever its FifoQueue, and
its SQS then refuses the FIFO queue ("Queue name must end in .fifo for FIFO queues"), so a template
AWS deploys (CDK's `new sqs.Queue(this, 'Q', { fifo: true })`, OpenNext's revalidation queue) failed.
"""

from ._hooks import _nx_expect, _nx_patch


@_nx_patch("SQS FIFO queue generated name")
def _patch_sqs_cfn_fifo_name():
    from moto.sqs import models as _sqsm
    _nx_expect((_sqsm.Queue, "create_from_cloudformation_json"))
    _orig = _sqsm.Queue.create_from_cloudformation_json.__func__

    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        properties = (cloudformation_json or {}).get("Properties") or {}
        fifo = str(properties.get("FifoQueue", "false")).lower() == "true"
        if fifo and not properties.get("QueueName") and not str(resource_name).endswith(".fifo"):
            # SQS allows 80 characters, the suffix included.
            resource_name = str(resource_name)[: 80 - len(".fifo")] + ".fifo"
        return _orig(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)

    _sqsm.Queue.create_from_cloudformation_json = classmethod(create_from_cloudformation_json)


@_nx_patch("SQS queue URL on the local endpoint")
def _patch_sqs_queue_url():
    """A queue's Ref (its URL) names the local cloud, as the QueueUrl SQS's own API answers does.

    moto gives a CloudFormation queue `https://sqs.REGION.amazonaws.com/ACCOUNT/NAME`: the URL a deploy
    binds (SSM, a function's environment). The AWS SDK v3 sends a request to its queue URL's host when
    no endpoint is set in code (`useQueueUrlAsEndpoint`), so a bound function or process that sent to
    the queue reached for AWS and failed offline.
    """
    import os

    from moto.sqs import models as _sqsm
    _nx_expect((_sqsm.Queue, "physical_resource_id"))
    endpoint = os.environ.get("NX_SST_PUBLIC_ENDPOINT", "").rstrip("/")
    if not endpoint:
        return
    _orig = _sqsm.Queue.physical_resource_id

    def physical_resource_id(self):
        return f"{endpoint}/{self.account_id}/{self.name}"

    _sqsm.Queue.physical_resource_id = property(physical_resource_id, doc=getattr(_orig, "__doc__", None))
