"""8. A VPC stack can be deleted: moto's RouteTable and SubnetRouteTableAssociation models have no
delete, so their tables stayed and DeleteStack failed on the VPC ("has dependencies").
"""

from ._hooks import _nx_log


def _patch_ec2_cfn_delete():
    try:
        from moto.ec2.models import ec2_backends
        from moto.ec2.models.route_tables import RouteTable
        from moto.ec2.models.subnets import SubnetRouteTableAssociation
        _ok = not hasattr(RouteTable, "delete") and not hasattr(SubnetRouteTableAssociation, "delete")
    except Exception as e:  # pragma: no cover - depends on the installed moto
        _ok = False
        _nx_log("EC2 route table delete patch skipped: " + repr(e))
    if not _ok:
        return

    def _route_table_delete(self, account_id, region_name):
        ec2_backends[account_id][region_name].delete_route_table(self.id)

    def _association_delete(self, account_id, region_name):
        backend = ec2_backends[account_id][region_name]
        try:
            table = backend.get_route_table(self.route_table_id)
        except Exception:
            return
        for association_id, subnet_id in list(table._associations.items()):
            if subnet_id == self.subnet_id:
                backend.disassociate_route_table(association_id)

    RouteTable.delete = _route_table_delete
    SubnetRouteTableAssociation.delete = _association_delete
