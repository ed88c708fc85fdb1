# tests/lib/topo.sh: topologies (Neutron-style JSON for `dfctl apply` or
# POST /v2.0/dfnic/apply) shared by integration tests and benchmarks, so
# that scenarios meant to run the same network use one definition.
# Sourced, bash; see tests/lib/offload.sh for the offload scenarios' one.
#
#   topo_one_chassis MODE VNI1 VNI2
#       print a topology with chassis c1 (dpid 1, tunnel 192.168.50.1),
#       vxlan networks net1 (VNI1, sub1 10.0.1.0/24) and net2 (VNI2, sub2
#       10.0.2.0/24), router r1 on both with dfnic:l3_mode MODE
#       (proactive/reactive), and on c1 the ports vma (02:00:00:00:01:0a,
#       10.0.1.10, interface vma-c1) on net1 and vmb (02:00:00:00:02:14,
#       10.0.2.20, interface vmb-c1) on net2.

topo_one_chassis() {
	cat <<EOF
{"chassis": [{"name": "c1", "datapath_id": "0000000000000001", "tunnel_ip": "192.168.50.1"}],
 "networks": [{"id": "net1", "name": "net1", "provider:network_type": "vxlan", "provider:segmentation_id": $2},
              {"id": "net2", "name": "net2", "provider:network_type": "vxlan", "provider:segmentation_id": $3}],
 "subnets": [{"id": "sub1", "name": "sub1", "network_id": "net1", "cidr": "10.0.1.0/24", "gateway_ip": "10.0.1.1"},
             {"id": "sub2", "name": "sub2", "network_id": "net2", "cidr": "10.0.2.0/24", "gateway_ip": "10.0.2.1"}],
 "routers": [{"id": "r1", "name": "r1", "dfnic:l3_mode": "$1",
              "interfaces": [{"subnet_id": "sub1"}, {"subnet_id": "sub2"}]}],
 "ports": [{"id": "vma", "name": "vma", "network_id": "net1", "mac_address": "02:00:00:00:01:0a",
            "fixed_ips": [{"ip_address": "10.0.1.10"}], "binding:host_id": "c1",
            "device_owner": "compute:nova", "dfnic:interface_name": "vma-c1"},
           {"id": "vmb", "name": "vmb", "network_id": "net2", "mac_address": "02:00:00:00:02:14",
            "fixed_ips": [{"ip_address": "10.0.2.20"}], "binding:host_id": "c1",
            "device_owner": "compute:nova", "dfnic:interface_name": "vmb-c1"}]}
EOF
}
