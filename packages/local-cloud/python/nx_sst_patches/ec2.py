"""8. A VPC stack can be deleted: moto's RouteTable and SubnetRouteTableAssociation models have no
delete, so their tables stayed and DeleteStack failed on the VPC ("has dependencies").
"""

from ._hooks import _nx_patch


@_nx_patch("EC2 route table delete")
def _patch_ec2_cfn_delete():
    from moto.ec2.models import ec2_backends
    from moto.ec2.models.route_tables import RouteTable
    from moto.ec2.models.subnets import SubnetRouteTableAssociation
    if hasattr(RouteTable, "delete") or hasattr(SubnetRouteTableAssociation, "delete"):
        return  # a moto that deletes them itself

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
