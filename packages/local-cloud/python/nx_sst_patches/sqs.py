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
