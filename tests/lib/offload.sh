# tests/lib/offload.sh: the two-network routed topology that the offload
# scenarios apply through dfctl (tests/integration/fw_offload.sh,
# tests/integration/qemu_boot.sh, tests/hil/hil_lib.sh), so their expected
# offload figures are computed against one definition. Sourced, bash.
#
#   offload_topo OUT CHASSIS MAC_A IF_A MAC_B IF_B [REMOTE]
#       write to OUT a topology with CHASSIS (tunnel 192.168.100.1), vxlan
#       networks net-a (VNI 1001, 10.0.1.0/24) and net-b (VNI 1002,
#       10.0.2.0/24), a proactive router1 on both subnets, and two ports on
#       CHASSIS: vm-a (MAC_A, 10.0.1.10, interface IF_A) on net-a and vm-b
#       (MAC_B, 10.0.2.10, interface IF_B) on net-b. With REMOTE, also a
#       chassis REMOTE (tunnel 192.168.100.2) holding vm-c (fa:16:3e:00:02:0c,
#       10.0.2.20, tap-vm-c) on net-b.

offload_topo() {
	local out=$1 ch=$2 mac_a=$3 if_a=$4 mac_b=$5 if_b=$6 remote=${7:-}
	local remote_chassis='' remote_port=''
	if [ -n "$remote" ]; then
		remote_chassis=",
    { \"name\": \"$remote\", \"tunnel_ip\": \"192.168.100.2\" }"
		remote_port=",
    { \"id\": \"vm-c\", \"network_id\": \"net-b\", \"mac_address\": \"fa:16:3e:00:02:0c\",
      \"fixed_ips\": [ { \"subnet_id\": \"subnet-b\", \"ip_address\": \"10.0.2.20\" } ],
      \"binding:host_id\": \"$remote\", \"device_owner\": \"compute:nova\", \"dfnic:interface_name\": \"tap-vm-c\" }"
	fi
	cat >"$out" <<JSON
{
  "chassis": [
    { "name": "$ch", "tunnel_ip": "192.168.100.1" }$remote_chassis
  ],
  "networks": [
    { "id": "net-a", "name": "net-a", "provider:network_type": "vxlan",
      "provider:segmentation_id": 1001 },
    { "id": "net-b", "name": "net-b", "provider:network_type": "vxlan",
      "provider:segmentation_id": 1002 }
  ],
  "subnets": [
    { "id": "subnet-a", "network_id": "net-a", "cidr": "10.0.1.0/24", "gateway_ip": "10.0.1.1" },
    { "id": "subnet-b", "network_id": "net-b", "cidr": "10.0.2.0/24", "gateway_ip": "10.0.2.1" }
  ],
  "routers": [
    { "id": "router1", "name": "router1", "dfnic:l3_mode": "proactive",
      "interfaces": [ { "subnet_id": "subnet-a" }, { "subnet_id": "subnet-b" } ] }
  ],
  "ports": [
    { "id": "vm-a", "network_id": "net-a", "mac_address": "$mac_a",
      "fixed_ips": [ { "subnet_id": "subnet-a", "ip_address": "10.0.1.10" } ],
      "binding:host_id": "$ch", "device_owner": "compute:nova", "dfnic:interface_name": "$if_a" },
    { "id": "vm-b", "network_id": "net-b", "mac_address": "$mac_b",
      "fixed_ips": [ { "subnet_id": "subnet-b", "ip_address": "10.0.2.10" } ],
      "binding:host_id": "$ch", "device_owner": "compute:nova", "dfnic:interface_name": "$if_b" }$remote_port
  ]
}
JSON
}
