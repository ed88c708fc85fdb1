/* tests/unit/test_topo_validate.c: hostd/topo validation, defaults,
 * transaction atomicity and change notification. Every rejected change is
 * checked for the exact field its error names and for leaving nothing
 * behind. The last tests check what topo_json_parse adds to cJSON: the
 * strictness jansson had (duplicate keys, UTF-8, escapes, nesting) and
 * integer attributes given as JSON numbers. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostd/topo/topo.h"
#include "hostd/topo/topo_json.h"
#include "tests/unit/unit.h"

/* Build the object of kind k from JSON text with the API's decoder. */
static void *obj_from(enum topo_kind k, const char *js)
{
	struct topo_err e = { 0 };
	cJSON *j = topo_json_parse(js, strlen(js), "test", &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	void *o = topo_json_new_obj(k);
	int r = topo_json_decode(k, j, o, true, TOPO_JSON_API, &e);
	cJSON_Delete(j);
	CU_ASSERT_EQUAL_FATAL(r, 0);
	return o;
}

static int put(struct topo_txn *x, enum topo_kind k, const char *js, struct topo_err *e)
{
	void *o = obj_from(k, js);
	int r;
	switch (k) {
	case TOPO_NETWORK: r = topo_txn_put_network(x, o, NULL, e); break;
	case TOPO_SUBNET: r = topo_txn_put_subnet(x, o, NULL, e); break;
	case TOPO_PORT: r = topo_txn_put_port(x, o, NULL, e); break;
	case TOPO_ROUTER: r = topo_txn_put_router(x, o, NULL, e); break;
	case TOPO_FLOATINGIP: r = topo_txn_put_floatingip(x, o, NULL, e); break;
	default: r = topo_txn_put_chassis(x, o, e); break;
	}
	topo_obj_free(k, o);
	return r;
}

/* One change in its own transaction: 0, or the error (transaction undone). */
static int change(struct topo *t, enum topo_kind k, const char *js, struct topo_err *e)
{
	memset(e, 0, sizeof(*e));
	struct topo_txn *x = topo_txn_begin(t);
	int r = put(x, k, js, e);
	if (r) {
		topo_txn_abort(x);
		return r;
	}
	return topo_txn_commit(x, e);
}

/* net1 (vxlan) with sub1 10.0.0.0/24, net2 with sub2 10.0.1.0/24 and sub3
 * 10.0.0.128/25 (overlaps sub1, different network: allowed), router r1. */
static struct topo *base(void)
{
	struct topo *t = topo_new();
	struct topo_err e;
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(change(t, TOPO_NETWORK, "{\"id\":\"net1\"}", &e), 0);
	CU_ASSERT_EQUAL(change(t, TOPO_NETWORK, "{\"id\":\"net2\"}", &e), 0);
	CU_ASSERT_EQUAL(change(t, TOPO_SUBNET,
			       "{\"id\":\"sub1\",\"network_id\":\"net1\",\"cidr\":\"10.0.0.0/24\"}", &e), 0);
	CU_ASSERT_EQUAL(change(t, TOPO_SUBNET,
			       "{\"id\":\"sub2\",\"network_id\":\"net2\",\"cidr\":\"10.0.1.0/24\"}", &e), 0);
	CU_ASSERT_EQUAL(change(t, TOPO_SUBNET,
			       "{\"id\":\"sub3\",\"network_id\":\"net2\",\"cidr\":\"10.0.0.128/25\"}", &e), 0);
	CU_ASSERT_EQUAL(change(t, TOPO_ROUTER, "{\"id\":\"r1\"}", &e), 0);
	CU_ASSERT_EQUAL(e.status, 0);
	return t;
}

static void assert_err(int r, const struct topo_err *e, int status, const char *field)
{
	CU_ASSERT_NOT_EQUAL(r, 0);
	CU_ASSERT_EQUAL(e->status, status);
	CU_ASSERT_STRING_EQUAL(e->field, field);
	/* the message names the field too */
	CU_ASSERT_PTR_NOT_NULL(strstr(e->msg, field));
}

static int iface(struct topo *t, const char *router, const char *subnet, struct topo_err *e)
{
	memset(e, 0, sizeof(*e));
	struct topo_txn *x = topo_txn_begin(t);
	int r = topo_txn_add_router_iface(x, router, subnet, NULL, NULL, e);
	if (r) {
		topo_txn_abort(x);
		return r;
	}
	return topo_txn_commit(x, e);
}

static void test_overlapping_subnets_on_router(void)
{
	struct topo *t = base();
	struct topo_err e;
	CU_ASSERT_EQUAL(iface(t, "r1", "sub1", &e), 0);
	CU_ASSERT_EQUAL(iface(t, "r1", "sub2", &e), 0);
	size_t ports = topo_count(t, TOPO_PORT);
	int r = iface(t, "r1", "sub3", &e);
	assert_err(r, &e, 400, "subnet_id");
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "overlaps"));
	CU_ASSERT_EQUAL(topo_count(t, TOPO_PORT), ports);
	/* the same subnet twice */
	r = iface(t, "r1", "sub1", &e);
	assert_err(r, &e, 400, "subnet_id");
	/* the interface port holds the gateway IP */
	struct topo_router_iface ifs[4];
	CU_ASSERT_EQUAL(topo_subnet_router_ifaces(t, "sub1", ifs, 4), 1);
	CU_ASSERT_EQUAL(topo_ip_v4(ifs[0].ip), 0x0a000001);
	CU_ASSERT_STRING_EQUAL(ifs[0].router->id, "r1");
	topo_destroy(t);
}

static void test_ip_outside_subnet(void)
{
	struct topo *t = base();
	struct topo_err e;
	int r = change(t, TOPO_PORT,
		       "{\"network_id\":\"net1\",\"fixed_ips\":[{\"subnet_id\":\"sub1\","
		       "\"ip_address\":\"10.0.1.5\"}]}", &e);
	assert_err(r, &e, 400, "fixed_ips[0].ip_address");
	/* an address in no subnet of the network, without subnet_id */
	r = change(t, TOPO_PORT,
		   "{\"network_id\":\"net1\",\"fixed_ips\":[{\"ip_address\":\"192.0.2.1\"}]}", &e);
	assert_err(r, &e, 400, "fixed_ips[0].ip_address");
	/* a subnet of another network */
	r = change(t, TOPO_PORT, "{\"network_id\":\"net1\",\"fixed_ips\":[{\"subnet_id\":\"sub2\"}]}",
		   &e);
	assert_err(r, &e, 400, "fixed_ips[0].subnet_id");
	CU_ASSERT_EQUAL(topo_count(t, TOPO_PORT), 0);
	topo_destroy(t);
}

static void test_duplicate_mac_and_ip(void)
{
	struct topo *t = base();
	struct topo_err e;
	CU_ASSERT_EQUAL(change(t, TOPO_PORT,
			       "{\"id\":\"p1\",\"network_id\":\"net1\",\"mac_address\":\"fa:16:3e:00:00:01\","
			       "\"fixed_ips\":[{\"ip_address\":\"10.0.0.10\"}]}", &e), 0);
	int r = change(t, TOPO_PORT,
		       "{\"network_id\":\"net1\",\"mac_address\":\"fa:16:3e:00:00:01\"}", &e);
	assert_err(r, &e, 409, "mac_address");
	r = change(t, TOPO_PORT,
		   "{\"network_id\":\"net1\",\"fixed_ips\":[{\"subnet_id\":\"sub1\"},"
		   "{\"ip_address\":\"10.0.0.10\"}]}", &e);
	assert_err(r, &e, 409, "fixed_ips[1].ip_address");
	/* the same MAC on another network is fine */
	CU_ASSERT_EQUAL(change(t, TOPO_PORT,
			       "{\"network_id\":\"net2\",\"mac_address\":\"fa:16:3e:00:00:01\"}", &e), 0);
	/* the gateway IP is not for VM ports */
	r = change(t, TOPO_PORT, "{\"network_id\":\"net1\",\"fixed_ips\":[{\"ip_address\":\"10.0.0.1\"}]}",
		   &e);
	assert_err(r, &e, 409, "fixed_ips[0].ip_address");
	CU_ASSERT_EQUAL(topo_count(t, TOPO_PORT), 2);
	topo_destroy(t);
}

static void test_unknown_references(void)
{
	struct topo *t = base();
	struct topo_err e;
	int r = change(t, TOPO_SUBNET, "{\"network_id\":\"nope\",\"cidr\":\"10.9.0.0/24\"}", &e);
	assert_err(r, &e, 404, "network_id");
	CU_ASSERT_STRING_EQUAL(e.type, "NetworkNotFound");
	r = change(t, TOPO_PORT, "{\"network_id\":\"nope\"}", &e);
	assert_err(r, &e, 404, "network_id");
	r = change(t, TOPO_PORT, "{\"network_id\":\"net1\",\"fixed_ips\":[{\"subnet_id\":\"nope\"}]}",
		   &e);
	assert_err(r, &e, 404, "fixed_ips[0].subnet_id");
	r = change(t, TOPO_ROUTER, "{\"external_gateway_info\":{\"network_id\":\"nope\"}}", &e);
	assert_err(r, &e, 404, "external_gateway_info.network_id");
	r = change(t, TOPO_FLOATINGIP, "{\"floating_network_id\":\"net1\"}", &e);
	assert_err(r, &e, 400, "floating_network_id"); /* not router:external */
	r = iface(t, "r1", "nope", &e);
	assert_err(r, &e, 404, "subnet_id");
	CU_ASSERT_EQUAL(topo_count(t, TOPO_SUBNET), 3);
	CU_ASSERT_EQUAL(topo_count(t, TOPO_PORT), 0);
	CU_ASSERT_EQUAL(topo_count(t, TOPO_ROUTER), 1);
	topo_destroy(t);
}

static void decode_err(enum topo_kind k, const char *js, const char *field)
{
	struct topo_err e = { 0 };
	cJSON *j = topo_json_parse(js, strlen(js), "test", &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	void *o = topo_json_new_obj(k);
	int r = topo_json_decode(k, j, o, true, TOPO_JSON_API, &e);
	assert_err(r, &e, 400, field);
	cJSON_Delete(j);
	topo_obj_free(k, o);
}

static void test_bad_cidr_mac_and_attributes(void)
{
	decode_err(TOPO_SUBNET, "{\"cidr\":\"10.0.0.1/24\"}", "cidr");    /* host bits */
	decode_err(TOPO_SUBNET, "{\"cidr\":\"10.0.0.0/33\"}", "cidr");
	decode_err(TOPO_SUBNET, "{\"cidr\":\"10.0.0/8\"}", "cidr");
	decode_err(TOPO_SUBNET, "{\"cidr\":\"fd00::/129\"}", "cidr");
	decode_err(TOPO_SUBNET, "{\"cidr\":24}", "cidr");
	decode_err(TOPO_SUBNET, "{\"gateway_ip\":\"10.0.0.256\"}", "gateway_ip");
	decode_err(TOPO_SUBNET, "{\"allocation_pools\":[{\"start\":\"10.0.0.2\",\"end\":\"x\"}]}",
		   "allocation_pools[0].end");
	decode_err(TOPO_PORT, "{\"mac_address\":\"fa:16:3e:00:00\"}", "mac_address");
	decode_err(TOPO_PORT, "{\"mac_address\":\"01:00:5e:00:00:01\"}", "mac_address"); /* multicast */
	decode_err(TOPO_PORT, "{\"mac_address\":\"fa:16:3e:00:00:0g\"}", "mac_address");
	decode_err(TOPO_PORT, "{\"fixed_ips\":[{\"ip_address\":\"10.0.0.1\",\"x\":1}]}",
		   "fixed_ips[0].x");
	decode_err(TOPO_NETWORK, "{\"provider:network_type\":\"geneve\"}", "provider:network_type");
	decode_err(TOPO_NETWORK, "{\"bogus\":1}", "bogus");
	decode_err(TOPO_ROUTER, "{\"routes\":[{\"destination\":\"10.1.0.0/16\",\"nexthop\":\"q\"}]}",
		   "routes[0].nexthop");
	decode_err(TOPO_ROUTER, "{\"dfnic:l3_mode\":\"eager\"}", "dfnic:l3_mode");
	decode_err(TOPO_CHASSIS, "{\"datapath_id\":\"xyz\"}", "datapath_id");
}

static void test_segmentation_ranges(void)
{
	struct topo *t = topo_new();
	struct topo_err e;
	int r = change(t, TOPO_NETWORK,
		       "{\"provider:network_type\":\"vlan\",\"provider:segmentation_id\":4095}", &e);
	assert_err(r, &e, 400, "provider:segmentation_id");
	r = change(t, TOPO_NETWORK,
		   "{\"provider:network_type\":\"vxlan\",\"provider:segmentation_id\":16777216}", &e);
	assert_err(r, &e, 400, "provider:segmentation_id");
	r = change(t, TOPO_NETWORK,
		   "{\"provider:network_type\":\"flat\",\"provider:segmentation_id\":3}", &e);
	assert_err(r, &e, 400, "provider:segmentation_id");
	/* full widths accepted */
	CU_ASSERT_EQUAL(change(t, TOPO_NETWORK,
			       "{\"id\":\"v\",\"provider:network_type\":\"vxlan\","
			       "\"provider:segmentation_id\":16777215}", &e), 0);
	CU_ASSERT_EQUAL(change(t, TOPO_NETWORK,
			       "{\"id\":\"g\",\"provider:network_type\":\"gre\","
			       "\"provider:segmentation_id\":4294967295}", &e), 0);
	CU_ASSERT_EQUAL(topo_network_get(t, "v")->segmentation_id, 16777215u);
	CU_ASSERT_EQUAL(topo_network_get(t, "g")->segmentation_id, 4294967295u);
	/* duplicates refused, absent ids allocated */
	r = change(t, TOPO_NETWORK,
		   "{\"provider:network_type\":\"vxlan\",\"provider:segmentation_id\":16777215}", &e);
	assert_err(r, &e, 409, "provider:segmentation_id");
	CU_ASSERT_EQUAL(change(t, TOPO_NETWORK, "{\"id\":\"auto\"}", &e), 0);
	CU_ASSERT_EQUAL(topo_network_get(t, "auto")->segmentation_id, 1u);
	CU_ASSERT_EQUAL(topo_count(t, TOPO_NETWORK), 3);
	topo_destroy(t);
}

static void test_delete_referenced(void)
{
	struct topo *t = base();
	struct topo_err e;
	CU_ASSERT_EQUAL(change(t, TOPO_PORT, "{\"id\":\"p1\",\"network_id\":\"net1\"}", &e), 0);
	struct topo_txn *x = topo_txn_begin(t);
	CU_ASSERT_EQUAL(topo_txn_delete(x, TOPO_SUBNET, "sub1", &e), 0);
	int r = topo_txn_commit(x, &e);
	CU_ASSERT_EQUAL(r, -EEXIST);
	CU_ASSERT_EQUAL(e.status, 409);
	CU_ASSERT_STRING_EQUAL(e.type, "SubnetInUse");
	CU_ASSERT_STRING_EQUAL(e.field, "fixed_ips[0].subnet_id");
	CU_ASSERT_PTR_NOT_NULL(topo_subnet_get(t, "sub1"));
	/* the undone delete kept sub1's place in creation order */
	const struct topo_subnet *first = topo_subnet_next(t, NULL);
	CU_ASSERT_STRING_EQUAL(first->id, "sub1");
	CU_ASSERT_STRING_EQUAL(topo_subnet_next(t, first)->id, "sub2");
	CU_ASSERT_EQUAL(topo_count(t, TOPO_SUBNET), 3);
	/* deleting the port and then the subnet in one transaction works */
	x = topo_txn_begin(t);
	CU_ASSERT_EQUAL(topo_txn_delete(x, TOPO_PORT, "p1", &e), 0);
	CU_ASSERT_EQUAL(topo_txn_delete(x, TOPO_SUBNET, "sub1", &e), 0);
	CU_ASSERT_EQUAL(topo_txn_commit(x, &e), 0);
	CU_ASSERT_PTR_NULL(topo_subnet_get(t, "sub1"));
	/* unknown id */
	x = topo_txn_begin(t);
	CU_ASSERT_EQUAL(topo_txn_delete(x, TOPO_PORT, "p1", &e), -ENOENT);
	CU_ASSERT_EQUAL(e.status, 404);
	topo_txn_abort(x);
	/* a router interface port is removed through the router */
	CU_ASSERT_EQUAL(iface(t, "r1", "sub2", &e), 0);
	struct topo_router_iface ifs[2];
	CU_ASSERT_EQUAL_FATAL(topo_router_ifaces(t, "r1", ifs, 2), 1);
	x = topo_txn_begin(t);
	CU_ASSERT_EQUAL(topo_txn_delete(x, TOPO_PORT, ifs[0].port->id, &e), -EEXIST);
	CU_ASSERT_STRING_EQUAL(e.field, "device_owner");
	CU_ASSERT_EQUAL(topo_txn_delete(x, TOPO_ROUTER, "r1", &e), -EEXIST);
	CU_ASSERT_STRING_EQUAL(e.type, "RouterInUse");
	topo_txn_abort(x);
	topo_destroy(t);
}

static void test_routes_need_connected_nexthop(void)
{
	struct topo *t = base();
	struct topo_err e;
	CU_ASSERT_EQUAL(iface(t, "r1", "sub1", &e), 0);
	int r = change(t, TOPO_ROUTER,
		       "{\"id\":\"r1\",\"routes\":[{\"destination\":\"172.16.0.0/16\","
		       "\"nexthop\":\"10.0.1.9\"}]}", &e);
	assert_err(r, &e, 400, "routes[0].nexthop");
	CU_ASSERT_EQUAL(change(t, TOPO_ROUTER,
			       "{\"id\":\"r1\",\"routes\":[{\"destination\":\"172.16.0.0/16\","
			       "\"nexthop\":\"10.0.0.9\"}]}", &e), 0);
	CU_ASSERT_EQUAL(topo_router_get(t, "r1")->n_routes, 1u);
	/* the interface carrying the next hop cannot go while the route is there */
	struct topo_txn *x = topo_txn_begin(t);
	CU_ASSERT_EQUAL(topo_txn_remove_router_iface(x, "r1", "sub1", NULL, NULL, NULL, &e), 0);
	r = topo_txn_commit(x, &e);
	assert_err(r, &e, 409, "routes[0].nexthop");
	CU_ASSERT_EQUAL(topo_router_ifaces(t, "r1", NULL, 0), 1u);
	topo_destroy(t);
}

/* Count notifications. */
struct seen {
	size_t calls;                   /* callbacks */
	size_t n;                       /* changes */
	enum topo_op ops[16];           /* first 16 ops */
	enum topo_kind kinds[16];       /* and kinds */
	char ids[16][40];               /* and ids */
};

static void on_change(const struct topo *t, const struct topo_change *c, size_t n, void *arg)
{
	struct seen *s = arg;
	s->calls++;
	for (size_t i = 0; i < n; i++, s->n++)
		if (s->n < 16) {
			s->ops[s->n] = c[i].op;
			s->kinds[s->n] = c[i].kind;
			snprintf(s->ids[s->n], sizeof(s->ids[0]), "%s", c[i].id);
		}
}

static void test_atomic_transaction(void)
{
	struct topo *t = base();
	struct topo_err e;
	struct seen s = { 0 };
	CU_ASSERT_EQUAL(topo_subscribe(t, on_change, &s), 0);
	uint32_t keys[TOPO_KIND_COUNT];
	for (int k = 0; k < TOPO_KIND_COUNT; k++)
		keys[k] = topo_next_key(t, k);
	/* network + subnet + a bad port: nothing of it may remain */
	struct topo_txn *x = topo_txn_begin(t);
	CU_ASSERT_EQUAL(put(x, TOPO_NETWORK, "{\"id\":\"n9\"}", &e), 0);
	CU_ASSERT_EQUAL(put(x, TOPO_SUBNET,
			    "{\"id\":\"s9\",\"network_id\":\"n9\",\"cidr\":\"10.9.0.0/24\"}", &e), 0);
	CU_ASSERT_EQUAL(put(x, TOPO_PORT,
			    "{\"id\":\"p9\",\"network_id\":\"n9\",\"fixed_ips\":[{\"subnet_id\":\"s9\"}]}",
			    &e), 0);
	CU_ASSERT_EQUAL(put(x, TOPO_PORT,
			    "{\"id\":\"p10\",\"network_id\":\"n9\",\"fixed_ips\":[{\"subnet_id\":\"s9\","
			    "\"ip_address\":\"10.9.0.2\"}]}", &e), 0); /* p9 got .2 already */
	CU_ASSERT_EQUAL(topo_count(topo_txn_view(x), TOPO_PORT), 2); /* visible inside */
	int r = topo_txn_commit(x, &e);
	assert_err(r, &e, 409, "fixed_ips[0].ip_address");
	CU_ASSERT_PTR_NULL(topo_network_get(t, "n9"));
	CU_ASSERT_PTR_NULL(topo_subnet_get(t, "s9"));
	CU_ASSERT_PTR_NULL(topo_port_get(t, "p9"));
	CU_ASSERT_EQUAL(topo_count(t, TOPO_PORT), 0);
	CU_ASSERT_EQUAL(topo_count(t, TOPO_NETWORK), 2);
	for (int k = 0; k < TOPO_KIND_COUNT; k++)
		CU_ASSERT_EQUAL(topo_next_key(t, k), keys[k]);
	/* indexes restored: the MAC/IP of the undone port are free again */
	CU_ASSERT_EQUAL(s.calls, 0);
	/* a good transaction: one notification with every change */
	x = topo_txn_begin(t);
	CU_ASSERT_EQUAL(put(x, TOPO_NETWORK, "{\"id\":\"n9\"}", &e), 0);
	CU_ASSERT_EQUAL(put(x, TOPO_SUBNET,
			    "{\"id\":\"s9\",\"network_id\":\"n9\",\"cidr\":\"10.9.0.0/24\"}", &e), 0);
	CU_ASSERT_EQUAL(put(x, TOPO_PORT, "{\"id\":\"p9\",\"network_id\":\"n9\"}", &e), 0);
	CU_ASSERT_EQUAL(topo_txn_commit(x, &e), 0);
	CU_ASSERT_EQUAL(s.calls, 1);
	CU_ASSERT_EQUAL(s.n, 3);
	CU_ASSERT_EQUAL(s.kinds[2], TOPO_PORT);
	CU_ASSERT_EQUAL(s.ops[2], TOPO_OP_CREATE);
	CU_ASSERT_STRING_EQUAL(s.ids[2], "p9");
	const struct topo_port *p = topo_port_get(t, "p9");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(topo_ip_v4(&p->fixed_ips[0].ip), 0x0a090002); /* .2 again */
	CU_ASSERT_EQUAL(p->mac[0], 0xfa);
	CU_ASSERT_STRING_EQUAL(p->ifname, "tapp9");
	CU_ASSERT_PTR_EQUAL(topo_port_by_key(t, p->key), p);
	CU_ASSERT_PTR_EQUAL(topo_network_by_key(t, topo_network_get(t, "n9")->key),
			    topo_network_get(t, "n9"));
	/* a no-op update is not a change; a real one is */
	s.calls = s.n = 0;
	struct topo_network *n = topo_obj_dup(TOPO_NETWORK, topo_network_get(t, "n9"));
	x = topo_txn_begin(t);
	CU_ASSERT_EQUAL(topo_txn_put_network(x, n, NULL, &e), 0);
	CU_ASSERT_EQUAL(topo_txn_commit(x, &e), 0);
	CU_ASSERT_EQUAL(s.calls, 0);
	free(n->name);
	n->name = strdup("x");
	x = topo_txn_begin(t);
	CU_ASSERT_EQUAL(topo_txn_put_network(x, n, NULL, &e), 0);
	CU_ASSERT_EQUAL(topo_txn_commit(x, &e), 0);
	topo_obj_free(TOPO_NETWORK, n);
	CU_ASSERT_EQUAL(s.n, 1);
	CU_ASSERT_STRING_EQUAL(topo_network_get(t, "n9")->name, "x");
	CU_ASSERT_EQUAL(s.ops[0], TOPO_OP_UPDATE);
	topo_unsubscribe(t, on_change, &s);
	topo_destroy(t);
}

/* A store that fails its commit: the transaction must be undone. */
static int f_ok(void *arg) { return 0; }
static int f_put(void *arg, enum topo_kind k, const char *id, const void *o) { return 0; }
static int f_del(void *arg, enum topo_kind k, const char *id) { return 0; }
static int f_fail(void *arg) { return -EIO; }
static void f_rb(void *arg) { (*(int *)arg)++; }

static void test_store_failure_undoes(void)
{
	struct topo *t = base();
	struct topo_err e;
	int rollbacks = 0;
	const struct topo_persist p = { .begin = f_ok, .put = f_put, .del = f_del,
					.commit = f_fail, .rollback = f_rb, .arg = &rollbacks };
	topo_set_persist(t, &p);
	int r = change(t, TOPO_PORT, "{\"id\":\"p1\",\"network_id\":\"net1\"}", &e);
	CU_ASSERT_NOT_EQUAL(r, 0);
	CU_ASSERT_EQUAL(e.status, 500);
	CU_ASSERT_EQUAL(rollbacks, 1);
	CU_ASSERT_PTR_NULL(topo_port_get(t, "p1"));
	topo_set_persist(t, NULL);
	CU_ASSERT_EQUAL(change(t, TOPO_PORT, "{\"id\":\"p1\",\"network_id\":\"net1\"}", &e), 0);
	topo_destroy(t);
}

static void test_ipv6_and_defaults(void)
{
	struct topo *t = base();
	struct topo_err e;
	CU_ASSERT_EQUAL(change(t, TOPO_SUBNET,
			       "{\"id\":\"v6\",\"network_id\":\"net1\",\"cidr\":\"fd00:1::/64\"}", &e), 0);
	const struct topo_subnet *s = topo_subnet_get(t, "v6");
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(s->ip_version, 6);
	char b[TOPO_IP_STRLEN];
	CU_ASSERT_STRING_EQUAL(topo_ip_fmt(&s->gateway, b), "fd00:1::1");
	CU_ASSERT_STRING_EQUAL(topo_ip_fmt(&s->pools[0].start, b), "fd00:1::2");
	/* explicit IPv6 address on a port */
	CU_ASSERT_EQUAL(change(t, TOPO_PORT,
			       "{\"id\":\"p6\",\"network_id\":\"net1\",\"fixed_ips\":[{\"subnet_id\":\"sub1\"},"
			       "{\"ip_address\":\"fd00:1::99\"}]}", &e), 0);
	const struct topo_port *p = topo_port_get(t, "p6");
	CU_ASSERT_EQUAL(p->n_fixed_ips, 2);
	CU_ASSERT_STRING_EQUAL(p->fixed_ips[1].subnet_id, "v6");
	struct topo_ip ip;
	CU_ASSERT_EQUAL(topo_ip_parse("fd00:1::99", &ip), 0);
	CU_ASSERT_PTR_EQUAL(topo_subnet_containing(t, NULL, &ip), s);
	/* v4 defaults: gateway .1, pool .2-.254; a null gateway keeps .1 in the pool */
	s = topo_subnet_get(t, "sub1");
	CU_ASSERT_STRING_EQUAL(topo_ip_fmt(&s->gateway, b), "10.0.0.1");
	CU_ASSERT_STRING_EQUAL(topo_ip_fmt(&s->pools[0].end, b), "10.0.0.254");
	CU_ASSERT_EQUAL(change(t, TOPO_SUBNET,
			       "{\"id\":\"nogw\",\"network_id\":\"net2\",\"cidr\":\"10.7.0.0/24\","
			       "\"gateway_ip\":null}", &e), 0);
	s = topo_subnet_get(t, "nogw");
	CU_ASSERT_EQUAL(s->gateway.version, 0);
	CU_ASSERT_STRING_EQUAL(topo_ip_fmt(&s->pools[0].start, b), "10.7.0.1");
	/* pool containing the gateway */
	int r = change(t, TOPO_SUBNET,
		       "{\"network_id\":\"net2\",\"cidr\":\"10.8.0.0/24\",\"allocation_pools\":"
		       "[{\"start\":\"10.8.0.1\",\"end\":\"10.8.0.9\"}]}", &e);
	assert_err(r, &e, 400, "allocation_pools[0]");
	topo_destroy(t);
}

static void test_floatingip_and_gateway(void)
{
	struct topo *t = base();
	struct topo_err e;
	CU_ASSERT_EQUAL(change(t, TOPO_NETWORK, "{\"id\":\"ext\",\"router:external\":true}", &e), 0);
	CU_ASSERT_EQUAL(change(t, TOPO_SUBNET,
			       "{\"id\":\"extsub\",\"network_id\":\"ext\",\"cidr\":\"203.0.113.0/24\"}",
			       &e), 0);
	CU_ASSERT_EQUAL(change(t, TOPO_PORT, "{\"id\":\"vm\",\"network_id\":\"net1\"}", &e), 0);
	/* no router connects them yet */
	int r = change(t, TOPO_FLOATINGIP,
		       "{\"id\":\"f1\",\"floating_network_id\":\"ext\",\"port_id\":\"vm\"}", &e);
	assert_err(r, &e, 404, "port_id");
	CU_ASSERT_EQUAL(topo_count(t, TOPO_PORT), 1); /* the floating port was undone */
	CU_ASSERT_EQUAL(change(t, TOPO_ROUTER,
			       "{\"id\":\"r1\",\"external_gateway_info\":{\"network_id\":\"ext\"}}", &e), 0);
	CU_ASSERT_EQUAL(iface(t, "r1", "sub1", &e), 0);
	const struct topo_router *rt = topo_router_get(t, "r1");
	struct topo_ip gw = topo_router_gw_ip(t, rt);
	CU_ASSERT_EQUAL(topo_ip_v4(&gw), 0xcb007102); /* 203.0.113.2 */
	CU_ASSERT_EQUAL(change(t, TOPO_FLOATINGIP,
			       "{\"id\":\"f1\",\"floating_network_id\":\"ext\",\"port_id\":\"vm\"}", &e), 0);
	const struct topo_floatingip *f = topo_floatingip_get(t, "f1");
	CU_ASSERT_STRING_EQUAL(f->router_id, "r1");
	CU_ASSERT_EQUAL(topo_ip_v4(&f->floating_ip), 0xcb007103);
	CU_ASSERT_EQUAL(topo_ip_v4(&f->fixed_ip), 0x0a000002);
	/* the router cannot lose that interface while the floating IP uses it */
	struct topo_txn *x = topo_txn_begin(t);
	CU_ASSERT_EQUAL(topo_txn_remove_router_iface(x, "r1", "sub1", NULL, NULL, NULL, &e), 0);
	CU_ASSERT_NOT_EQUAL(topo_txn_commit(x, &e), 0);
	CU_ASSERT_EQUAL(e.status, 409);
	CU_ASSERT_STRING_EQUAL(e.field, "port_id");
	/* nor can the port, nor the router its gateway, nor (once no longer
	 * owned by the router) the gateway port go (checked without walking
	 * every object: only what refers to ports and routers) */
	x = topo_txn_begin(t);
	CU_ASSERT_EQUAL(topo_txn_delete(x, TOPO_PORT, "vm", &e), 0);
	r = topo_txn_commit(x, &e);
	assert_err(r, &e, 409, "port_id");
	CU_ASSERT_STRING_EQUAL(e.type, "PortInUse");
	CU_ASSERT_STRING_EQUAL(e.msg, "port vm is in use by floatingip f1 (port_id)");
	r = change(t, TOPO_ROUTER, "{\"id\":\"r1\",\"external_gateway_info\":null}", &e);
	assert_err(r, &e, 409, "port_id");
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "the change would break floatingip f1"));
	char gwp[TOPO_ID_MAX + 1], js[160];
	snprintf(gwp, sizeof(gwp), "%s", topo_router_get(t, "r1")->gw_port_id);
	snprintf(js, sizeof(js), "{\"id\":\"%s\",\"network_id\":\"ext\",\"device_owner\":\"\"}", gwp);
	CU_ASSERT_EQUAL(change(t, TOPO_PORT, js, &e), 0);
	x = topo_txn_begin(t);
	CU_ASSERT_EQUAL(topo_txn_delete(x, TOPO_PORT, gwp, &e), 0);
	r = topo_txn_commit(x, &e);
	assert_err(r, &e, 409, "gw_port_id");
	CU_ASSERT_STRING_EQUAL(e.type, "PortInUse");
	CU_ASSERT_PTR_NOT_NULL(topo_port_get(t, gwp));
	CU_ASSERT_PTR_NOT_NULL(topo_port_get(t, "vm"));
	/* deleting the floating IP removes its port */
	size_t ports = topo_count(t, TOPO_PORT);
	x = topo_txn_begin(t);
	CU_ASSERT_EQUAL(topo_txn_delete(x, TOPO_FLOATINGIP, "f1", &e), 0);
	CU_ASSERT_EQUAL(topo_txn_commit(x, &e), 0);
	CU_ASSERT_EQUAL(topo_count(t, TOPO_PORT), ports - 1);
	topo_destroy(t);
}

static void test_chassis(void)
{
	struct topo *t = topo_new();
	struct topo_err e;
	CU_ASSERT_EQUAL(change(t, TOPO_CHASSIS,
			       "{\"name\":\"c1\",\"datapath_id\":\"0x00000000000000a1\","
			       "\"tunnel_ip\":\"192.0.2.1\"}", &e), 0);
	int r = change(t, TOPO_CHASSIS, "{\"name\":\"c2\",\"datapath_id\":\"a1\"}", &e);
	assert_err(r, &e, 409, "datapath_id");
	r = change(t, TOPO_CHASSIS, "{\"name\":\"c2\",\"tunnel_ip\":\"192.0.2.1\"}", &e);
	assert_err(r, &e, 409, "tunnel_ip");
	r = change(t, TOPO_CHASSIS, "{\"name\":\"bad name\"}", &e);
	assert_err(r, &e, 400, "name");
	CU_ASSERT_STRING_EQUAL(topo_chassis_by_dpid(t, 0xa1)->name, "c1");
	CU_ASSERT_PTR_NULL(topo_chassis_by_dpid(t, 0xa2));
	topo_destroy(t);
}

/* One port change in its own transaction, with the commit's counts. */
static int change_stats(struct topo *t, const char *js, struct topo_commit_stats *st,
			struct topo_err *e)
{
	memset(e, 0, sizeof(*e));
	memset(st, 0, sizeof(*st));
	struct topo_txn *x = topo_txn_begin(t);
	int r = put(x, TOPO_PORT, js, e);
	if (r) {
		topo_txn_abort(x);
		return r;
	}
	return topo_txn_commit_stats(x, st, e);
}

/* Ports keep their fixed IPs in an array sized to use and their chassis /
 * device owner as shared strings: equal values share one copy, updates
 * compare by content (an identical update changes nothing), a changed
 * chassis or address list is a real update. */
static void test_port_compact_fields(void)
{
	struct topo *t = base();
	struct topo_commit_stats st;
	struct topo_err e;
	char b[TOPO_IP_STRLEN];
	const char *c1 = topo_intern("host-a");
	CU_ASSERT_PTR_NOT_NULL_FATAL(c1);
	CU_ASSERT_PTR_EQUAL(topo_intern("host-a"), c1);
	CU_ASSERT_PTR_NOT_EQUAL(topo_intern("host-b"), c1);
	CU_ASSERT_STRING_EQUAL(topo_intern(NULL), "");
	topo_intern_put(c1);
	topo_intern_put(c1);
	topo_intern_put(topo_intern("host-b")); /* (both: the one just taken too) */
	topo_intern_put(topo_intern("host-b"));

	const char *p1 = "{\"id\":\"p1\",\"network_id\":\"net1\",\"binding:host_id\":\"host-a\","
			 "\"device_owner\":\"compute:nova\",\"fixed_ips\":[{\"ip_address\":\"10.0.0.5\"},"
			 "{\"ip_address\":\"10.0.0.6\"}]}";
	CU_ASSERT_EQUAL(change_stats(t, p1, &st, &e), 0);
	CU_ASSERT_EQUAL(change(t, TOPO_PORT, "{\"id\":\"p2\",\"network_id\":\"net1\","
				"\"binding:host_id\":\"host-a\",\"device_owner\":\"compute:nova\"}", &e), 0);
	const struct topo_port *a = topo_port_get(t, "p1"), *b2 = topo_port_get(t, "p2");
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b2);
	CU_ASSERT_STRING_EQUAL(a->chassis, "host-a");
	CU_ASSERT_PTR_EQUAL(a->chassis, b2->chassis);
	CU_ASSERT_PTR_EQUAL(a->device_owner, b2->device_owner);
	CU_ASSERT_EQUAL(a->n_fixed_ips, 2);
	CU_ASSERT_STRING_EQUAL(topo_ip_fmt(&a->fixed_ips[1].ip, b), "10.0.0.6");
	CU_ASSERT_STRING_EQUAL(a->fixed_ips[1].subnet_id, "sub1");
	CU_ASSERT_EQUAL(b2->n_fixed_ips, 1);
	CU_ASSERT_PTR_EQUAL(topo_port_by_ifname(t, "host-a", a->ifname), a);

	/* The same content again (as the API's update starts: from a copy of
	 * the committed port): not an update. */
	struct topo_port *same = topo_obj_dup(TOPO_PORT, a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(same);
	CU_ASSERT_PTR_NOT_EQUAL(same->fixed_ips, a->fixed_ips);
	struct topo_txn *x = topo_txn_begin(t);
	CU_ASSERT_EQUAL(topo_txn_put_port(x, same, NULL, &e), 0);
	CU_ASSERT_EQUAL(topo_txn_commit_stats(x, &st, &e), 0);
	CU_ASSERT_EQUAL(st.updated, 0);
	topo_obj_free(TOPO_PORT, same);
	/* One address less, another chassis: an update, indexes follow. */
	CU_ASSERT_EQUAL(change_stats(t, "{\"id\":\"p1\",\"network_id\":\"net1\","
				     "\"binding:host_id\":\"host-c\",\"fixed_ips\":"
				     "[{\"ip_address\":\"10.0.0.5\"}]}", &st, &e), 0);
	CU_ASSERT_EQUAL(st.updated, 1);
	a = topo_port_get(t, "p1");
	CU_ASSERT_STRING_EQUAL(a->chassis, "host-c");
	CU_ASSERT_STRING_EQUAL(b2->chassis, "host-a"); /* p2 still holds its copy */
	CU_ASSERT_EQUAL(a->n_fixed_ips, 1);
	CU_ASSERT_PTR_NULL(topo_port_by_ip(t, "net1", &(struct topo_ip){ 0 }));
	struct topo_ip six;
	topo_ip_parse("10.0.0.6", &six);
	CU_ASSERT_PTR_NULL(topo_port_by_ip(t, "net1", &six));
	CU_ASSERT_PTR_NULL(topo_port_by_ifname(t, "host-a", a->ifname));
	CU_ASSERT_PTR_EQUAL(topo_port_by_ifname(t, "host-c", a->ifname), a);

	/* The C API checks the lengths the JSON layer checks. */
	char longer[TOPO_HOST_MAX + 2];
	memset(longer, 'h', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	struct topo_port in = *a;
	in.chassis = longer;
	x = topo_txn_begin(t);
	int r = topo_txn_put_port(x, &in, NULL, &e);
	topo_txn_abort(x);
	assert_err(r, &e, 400, "binding:host_id");
	CU_ASSERT_STRING_EQUAL(e.msg, "binding:host_id: longer than 63 characters");
	topo_destroy(t);
}

/* A network's subnets and networks sharing a segment are indexed: the
 * lookups still answer in creation order (an undone delete keeps its
 * place), follow replaced and deleted subnets, and name the first
 * conflicting network. */
static void test_indexed_network_lookups(void)
{
	struct topo *t = base();
	struct topo_err e;
	struct topo_ip ip;
	CU_ASSERT_EQUAL(change(t, TOPO_SUBNET,
			       "{\"id\":\"sub4\",\"network_id\":\"net2\",\"cidr\":\"10.9.0.0/16\"}", &e), 0);
	CU_ASSERT_EQUAL(change(t, TOPO_SUBNET,
			       "{\"id\":\"sub5\",\"network_id\":\"net2\",\"cidr\":\"10.10.1.0/24\"}", &e), 0);
	const char *want[] = { "sub2", "sub3", "sub4", "sub5" };
	size_t n = 0;
	for (const struct topo_subnet *s = topo_network_subnet_next(t, "net2", NULL); s;
	     s = topo_network_subnet_next(t, "net2", s), n++)
		if (n < 4)
			CU_ASSERT_STRING_EQUAL(s->id, want[n]);
	CU_ASSERT_EQUAL(n, 4);
	CU_ASSERT_PTR_NULL(topo_network_subnet_next(t, "nope", NULL));
	/* the network's own subnets only (overlapping ones elsewhere too) */
	CU_ASSERT_EQUAL(topo_ip_parse("10.10.1.7", &ip), 0);
	CU_ASSERT_STRING_EQUAL(topo_subnet_containing(t, "net2", &ip)->id, "sub5");
	CU_ASSERT_PTR_NULL(topo_subnet_containing(t, "net1", &ip));
	CU_ASSERT_EQUAL(topo_ip_parse("10.0.0.200", &ip), 0);
	CU_ASSERT_STRING_EQUAL(topo_subnet_containing(t, "net1", &ip)->id, "sub1");
	CU_ASSERT_STRING_EQUAL(topo_subnet_containing(t, "net2", &ip)->id, "sub3");
	/* a replaced subnet stays in place; a deleted one leaves the index,
	 * an undone delete comes back in its place */
	CU_ASSERT_EQUAL(change(t, TOPO_SUBNET, "{\"id\":\"sub3\",\"network_id\":\"net2\","
			       "\"cidr\":\"10.0.0.128/25\",\"name\":\"renamed\"}", &e), 0);
	struct topo_txn *x = topo_txn_begin(t);
	CU_ASSERT_EQUAL(topo_txn_delete(x, TOPO_SUBNET, "sub4", &e), 0);
	CU_ASSERT_EQUAL(topo_ip_parse("10.9.2.1", &ip), 0);
	CU_ASSERT_PTR_NULL(topo_subnet_containing(topo_txn_view(x), "net2", &ip));
	topo_txn_abort(x);
	CU_ASSERT_STRING_EQUAL(topo_subnet_containing(t, "net2", &ip)->id, "sub4");
	n = 0;
	for (const struct topo_subnet *s = topo_network_subnet_next(t, "net2", NULL); s;
	     s = topo_network_subnet_next(t, "net2", s), n++)
		if (n < 4)
			CU_ASSERT_STRING_EQUAL(s->id, want[n]);
	CU_ASSERT_EQUAL(n, 4);
	CU_ASSERT_STRING_EQUAL(topo_network_subnet_next(t, "net2", topo_subnet_get(t, "sub2"))->name,
			       "renamed");
	x = topo_txn_begin(t);
	CU_ASSERT_EQUAL(topo_txn_delete(x, TOPO_SUBNET, "sub4", &e), 0);
	CU_ASSERT_EQUAL(topo_txn_commit(x, &e), 0);
	CU_ASSERT_PTR_NULL(topo_subnet_containing(t, "net2", &ip));
	CU_ASSERT_STRING_EQUAL(topo_network_subnet_next(t, "net2", topo_subnet_get(t, "sub3"))->id,
			       "sub5");
	/* segments: flat per physical network, ids per type; the first
	 * network in creation order is the one named */
	CU_ASSERT_EQUAL(change(t, TOPO_NETWORK, "{\"id\":\"f1\",\"provider:network_type\":\"flat\","
			       "\"provider:physical_network\":\"pa\"}", &e), 0);
	CU_ASSERT_EQUAL(change(t, TOPO_NETWORK, "{\"id\":\"f2\",\"provider:network_type\":\"flat\","
			       "\"provider:physical_network\":\"pb\"}", &e), 0);
	int r = change(t, TOPO_NETWORK, "{\"id\":\"f3\",\"provider:network_type\":\"flat\","
		       "\"provider:physical_network\":\"pa\"}", &e);
	assert_err(r, &e, 409, "provider:physical_network");
	CU_ASSERT_STRING_EQUAL(e.type, "FlatNetworkInUse");
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "network f1"));
	CU_ASSERT_EQUAL(change(t, TOPO_NETWORK, "{\"id\":\"v7\",\"provider:network_type\":\"vlan\","
			       "\"provider:segmentation_id\":7,\"provider:physical_network\":\"pa\"}", &e), 0);
	CU_ASSERT_EQUAL(change(t, TOPO_NETWORK, "{\"id\":\"x7\",\"provider:network_type\":\"vxlan\","
			       "\"provider:segmentation_id\":7}", &e), 0);
	x = topo_txn_begin(t);
	CU_ASSERT_EQUAL(put(x, TOPO_NETWORK, "{\"id\":\"v7b\",\"provider:network_type\":\"vlan\","
			    "\"provider:segmentation_id\":7,\"provider:physical_network\":\"pa\"}", &e), 0);
	CU_ASSERT_EQUAL(put(x, TOPO_NETWORK, "{\"id\":\"v7c\",\"provider:network_type\":\"vlan\","
			    "\"provider:segmentation_id\":7,\"provider:physical_network\":\"pa\"}", &e), 0);
	r = topo_txn_commit(x, &e);
	assert_err(r, &e, 409, "provider:segmentation_id");
	CU_ASSERT_STRING_EQUAL(e.type, "SegmentationIdInUse");
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "network v7"));
	CU_ASSERT_PTR_NULL(strstr(e.msg, "network v7b"));
	/* once f1 is gone its physical network takes a flat network again */
	x = topo_txn_begin(t);
	CU_ASSERT_EQUAL(topo_txn_delete(x, TOPO_NETWORK, "f1", &e), 0);
	CU_ASSERT_EQUAL(topo_txn_commit(x, &e), 0);
	CU_ASSERT_EQUAL(change(t, TOPO_NETWORK, "{\"id\":\"f3\",\"provider:network_type\":\"flat\","
			       "\"provider:physical_network\":\"pa\"}", &e), 0);
	topo_destroy(t);
}

/* ---- input strictness (topo_json_parse on cJSON) ---------------------- */

/* An error of malformed text (400 MalformedRequestBody) about field,
 * its message containing msg. */
static void malformed(const struct topo_err *e, const char *field, const char *msg)
{
	CU_ASSERT_EQUAL(e->status, 400);
	CU_ASSERT_STRING_EQUAL(e->type, "MalformedRequestBody");
	CU_ASSERT_STRING_EQUAL(e->field, field);
	if (!strstr(e->msg, msg))
		fprintf(stderr, "\n  message '%s' lacks '%s'\n", e->msg, msg);
	CU_ASSERT_PTR_NOT_NULL(strstr(e->msg, msg));
}

static void parse_refused(const char *js, size_t len, const char *field, const char *msg)
{
	struct topo_err e = { 0 };
	cJSON *j = topo_json_parse(js, len, "the request body", &e);
	CU_ASSERT_PTR_NULL(j);
	cJSON_Delete(j);
	malformed(&e, field, msg);
}

#define REFUSED(lit, field, msg) parse_refused((lit), sizeof(lit) - 1, (field), (msg))

/* The decoder's error for kind k on text that parses. */
static void decode_refused(enum topo_kind k, const char *js, const char *field, const char *msg)
{
	decode_err(k, js, field);
	struct topo_err e = { 0 };
	cJSON *j = topo_json_parse(js, strlen(js), "test", &e);
	void *o = topo_json_new_obj(k);
	CU_ASSERT_NOT_EQUAL(topo_json_decode(k, j, o, true, TOPO_JSON_API, &e), 0);
	if (!strstr(e.msg, msg))
		fprintf(stderr, "\n  message '%s' lacks '%s'\n", e.msg, msg);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, msg));
	cJSON_Delete(j);
	topo_obj_free(k, o);
}

static void test_json_duplicate_keys(void)
{
	REFUSED("{\"id\":\"a\",\"name\":\"x\",\"name\":\"y\"}", "name",
		"name: duplicate key");
	REFUSED("{\"ports\":[{\"id\":\"p\"},{\"id\":\"q\",\"fixed_ips\":[{\"subnet_id\":\"s\","
		"\"ip_address\":\"10.0.0.1\",\"subnet_id\":\"t\"}]}]}",
		"ports[1].fixed_ips[0].subnet_id", "ports[1].fixed_ips[0].subnet_id: duplicate key");
	REFUSED("{\"network\":{\"id\":\"n\"},\"network\":{\"id\":\"m\"}}", "network",
		"duplicate key");
	/* a big object is checked sorted: the later of the two is named */
	char big[2048];
	size_t n = (size_t)snprintf(big, sizeof(big), "{");
	for (int i = 0; i < 100; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, "\"k%d\":%d,", i, i);
	snprintf(big + n, sizeof(big) - n, "\"k42\":true}");
	parse_refused(big, strlen(big), "k42", "k42: duplicate key");
	/* same key in different objects, and keys differing late: fine */
	struct topo_err e = { 0 };
	const char *ok = "{\"a\":{\"x\":1},\"b\":{\"x\":2},\"ab\":1,\"ac\":2}";
	cJSON *j = topo_json_parse(ok, strlen(ok), "test", &e);
	CU_ASSERT_PTR_NOT_NULL(j);
	cJSON_Delete(j);
}

static void test_json_invalid_utf8(void)
{
	/* the place is reported: byte 11 of line 1, byte 3 of line 2 */
	REFUSED("{\"name\":\"a\xc3\x28\"}", "", "line 1 column 11: invalid UTF-8 (byte 0xc3)");
	REFUSED("{\n \"\xff\": 1}", "", "line 2 column 3: invalid UTF-8 (byte 0xff)");
	REFUSED("{\"name\":\"\xc0\xaf\"}", "", "invalid UTF-8 (byte 0xc0)");        /* overlong '/' */
	REFUSED("{\"name\":\"\xe0\x80\xaf\"}", "", "invalid UTF-8 (byte 0xe0)");    /* overlong, 3 bytes */
	REFUSED("{\"name\":\"\xf0\x80\x80\xaf\"}", "", "invalid UTF-8 (byte 0xf0)");/* overlong, 4 bytes */
	REFUSED("{\"name\":\"\xed\xa0\x80\"}", "", "invalid UTF-8 (byte 0xed)");    /* U+D800 encoded */
	REFUSED("{\"name\":\"\xf4\x90\x80\x80\"}", "", "invalid UTF-8 (byte 0xf4)");/* U+110000 */
	REFUSED("{\"name\":\"\x80\"}", "", "invalid UTF-8 (byte 0x80)");            /* lone continuation */
	REFUSED("{\"name\":\"\xe2\x82\"}", "", "invalid UTF-8 (byte 0xe2)");        /* cut short */
	/* escapes cJSON would turn into bad UTF-8 or a cut string */
	REFUSED("{\"name\":\"\\ud800\"}", "", "line 1 column 10: \\uD800: a lone UTF-16 surrogate");
	REFUSED("{\"name\":\"\\udc00x\"}", "", "\\uDC00: a lone UTF-16 surrogate");
	REFUSED("{\"name\":\"\\ud800\\u0041\"}", "", "\\uD800: a lone UTF-16 surrogate");
	REFUSED("{\"name\":\"a\\u0000b\"}", "", "\\u0000 (NUL) is not allowed");
	REFUSED("{\"name\":\"\\u00zz\"}", "", "\\u needs 4 hex digits");
	REFUSED("{\"name\":\"a\x01\"}", "", "control character 0x01 in a string");
	REFUSED("{\x01\"name\":\"a\"}", "", "control character 0x01 outside a string");
	REFUSED("{\"name\":\"a\"} x", "", "line 1 column 14: text after the JSON value");
	REFUSED("{\"name\":", "", "malformed JSON in the request body, line 1 column");
	/* well-formed: 2, 3 and 4 byte forms, and a surrogate pair escape */
	const char *ok = "{\"id\":\"n\",\"name\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"
			 "\\ud83d\\ude00\"}";
	struct topo_network *n = obj_from(TOPO_NETWORK, ok);
	CU_ASSERT_STRING_EQUAL(n->name, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf0\x9f\x98\x80");
	topo_obj_free(TOPO_NETWORK, n);
}

static void test_json_numbers(void)
{
	decode_refused(TOPO_NETWORK, "{\"mtu\":1500.5}", "mtu",
		       "mtu: must be an integer in 0..4294967295");
	decode_refused(TOPO_NETWORK, "{\"mtu\":-1}", "mtu", "must be an integer");
	decode_refused(TOPO_NETWORK, "{\"mtu\":4294967296}", "mtu", "must be an integer");
	decode_refused(TOPO_NETWORK, "{\"mtu\":1e400}", "mtu", "must be an integer");
	decode_refused(TOPO_SUBNET, "{\"ip_version\":4.5}", "ip_version", "ip_version: must be 4 or 6");
	/* a whole number written with a fraction is taken (topo_json.c) */
	struct topo_network *n = obj_from(TOPO_NETWORK, "{\"id\":\"n\",\"mtu\":1400.0}");
	CU_ASSERT_EQUAL(n->mtu, 1400u);
	topo_obj_free(TOPO_NETWORK, n);
	/* datapath ids: numbers up to 2^53 - 1, hex strings for the rest */
	struct topo_chassis *c = obj_from(TOPO_CHASSIS, "{\"name\":\"c\",\"datapath_id\":9007199254740991}");
	CU_ASSERT_EQUAL(c->dpid, UINT64_C(9007199254740991));
	topo_obj_free(TOPO_CHASSIS, c);
	decode_refused(TOPO_CHASSIS, "{\"datapath_id\":9007199254740992}", "datapath_id",
		       "datapath_id: numbers from 2^53 on are not exact in JSON: give the datapath "
		       "id as a hex string");
	decode_refused(TOPO_CHASSIS, "{\"datapath_id\":18446744073709551615}", "datapath_id",
		       "as a hex string");
	decode_refused(TOPO_CHASSIS, "{\"datapath_id\":12.5}", "datapath_id",
		       "must be a hex string or an integer");
	c = obj_from(TOPO_CHASSIS, "{\"name\":\"c\",\"datapath_id\":\"0xffffffffffffffff\"}");
	CU_ASSERT_EQUAL(c->dpid, UINT64_MAX);
	topo_obj_free(TOPO_CHASSIS, c);
}

static void test_json_nesting(void)
{
	/* TOPO_JSON_MAX_DEPTH levels parse (here inside an ignored attribute) */
	char doc[300000];
	size_t n = (size_t)snprintf(doc, sizeof(doc), "{\"id\":\"n\",\"tags\":");
	for (int i = 1; i < TOPO_JSON_MAX_DEPTH; i++)
		doc[n++] = '[';
	for (int i = 1; i < TOPO_JSON_MAX_DEPTH; i++)
		doc[n++] = ']';
	doc[n++] = '}';
	doc[n] = '\0';
	topo_obj_free(TOPO_NETWORK, obj_from(TOPO_NETWORK, doc));
	/* one more is refused, where it opens */
	n = (size_t)snprintf(doc, sizeof(doc), "{\"tags\":");
	for (int i = 0; i < TOPO_JSON_MAX_DEPTH; i++)
		doc[n++] = '[';
	doc[n] = '\0';
	parse_refused(doc, n, "", "line 1 column 40: nested deeper than 32 levels");
	/* far deeper than cJSON's own limit: a 400, not a crash */
	memset(doc, '[', 200000);
	parse_refused(doc, 200000, "", "nested deeper than 32 levels");
	memset(doc, '{', 200000);
	parse_refused(doc, 200000, "", "nested deeper than 32 levels");
}

/* ---- apply documents read one element at a time (topo_json_doc_*) ---- */

/* Reads text the streaming way, every member: each element or value
 * printed compactly after "key[i]=" or "key=" into out (space separated).
 * 0, or -EINVAL with *e filled. */
static int doc_read(const char *text, size_t len, char *out, size_t cap, struct topo_err *e)
{
	struct topo_json_doc d;
	struct topo_json_iter it;
	size_t n = 0;
	out[0] = '\0';
	memset(e, 0, sizeof(*e));
	if (topo_json_doc_open(&d, text, len, "the request body", e))
		return -EINVAL;
	for (size_t i = 0; i < d.n; i++) {
		cJSON *v;
		char *p;
		if (topo_json_iter_start(&d, &d.m[i], &it)) {
			while ((v = topo_json_iter_next(&d, &it, e))) {
				p = cJSON_PrintUnformatted(v);
				n += (size_t)snprintf(out + n, cap - n, "%s%s[%zu]=%s", n ? " " : "",
						      d.m[i].key, it.i - 1, p);
				cJSON_free(p);
				cJSON_Delete(v);
			}
			if (e->status)
				goto refused;
			continue;
		}
		if (!(v = topo_json_doc_value(&d, &d.m[i], e)))
			goto refused;
		p = cJSON_PrintUnformatted(v);
		n += (size_t)snprintf(out + n, cap - n, "%s%s=%s", n ? " " : "", d.m[i].key, p);
		cJSON_free(p);
		cJSON_Delete(v);
	}
	topo_json_doc_close(&d);
	return 0;
refused:
	topo_json_doc_close(&d);
	return -EINVAL;
}

static void test_json_doc_elements(void)
{
	char out[512];
	struct topo_err e;
	/* whitespace anywhere, an escaped key, empty lists, scalars, nesting */
	const char *doc = " {\n \"net\\u0077orks\" : [ {\"id\":\"n1\"} ,\n\t{\"id\":\"n2\",\"tags\":[[],{}]} ] ,"
			  "\"ports\":[],\"prune\":true,\"x\":\"a\\\"]}\",\"y\":-1.5e2 } \n";
	CU_ASSERT_EQUAL(doc_read(doc, strlen(doc), out, sizeof(out), &e), 0);
	CU_ASSERT_STRING_EQUAL(out, "networks[0]={\"id\":\"n1\"} networks[1]={\"id\":\"n2\",\"tags\":[[],{}]} "
				    "prune=true x=\"a\\\"]}\" y=-150");
	CU_ASSERT_EQUAL(doc_read("{}", 2, out, sizeof(out), &e), 0);
	CU_ASSERT_STRING_EQUAL(out, "");
	/* only the document's own bytes are read (no NUL after them) */
	const char cut[] = "{\"ports\":[1]}XYZ";
	CU_ASSERT_EQUAL(doc_read(cut, sizeof(cut) - 4, out, sizeof(out), &e), 0);
	CU_ASSERT_STRING_EQUAL(out, "ports[0]=1");
}

/* Text the streaming reader refuses (when opening it or reading a member):
 * 400 MalformedRequestBody, the field, a message containing msg. */
static void doc_refused(const char *js, const char *field, const char *msg)
{
	char out[512];
	struct topo_err e;
	CU_ASSERT_EQUAL(doc_read(js, strlen(js), out, sizeof(out), &e), -EINVAL);
	malformed(&e, field, msg);
}

static void test_json_doc_refused(void)
{
	/* in an element: the path starts with the list and its index */
	doc_refused("{\"ports\":[{\"id\":\"a\"},{\"id\":\"b\",\"name\":\"x\",\"name\":\"y\"}]}",
		    "ports[1].name", "ports[1].name: duplicate key");
	doc_refused("{\"a\":1,\"b\":2,\"a\":3}", "a", "a: duplicate key");
	/* the place of a syntax error is counted from the document's start */
	doc_refused("{\n\"ports\":[\n{\"id\":\"a\"},\n{\"id\": x}]}", "",
		    "line 4 column 8: not valid JSON at 'x}]}'");
	doc_refused("{\"ports\":[1,]}", "", "not valid JSON at ',]}'");
	doc_refused("{\"ports\":[1 2]}", "", "not valid JSON at '2]}'");
	doc_refused("{\"ports\":[1,,2]}", "", "not valid JSON");
	doc_refused("{\"prune\":tru}", "", "not valid JSON");
	/* the top level: brackets that do not pair, missing parts, other values */
	doc_refused("{\"ports\":[{\"id\":\"a\"}}}", "", "malformed JSON in the request body");
	doc_refused("{\"ports\" [1]}", "", "malformed JSON in the request body");
	doc_refused("{\"ports\":[1]", "", "malformed JSON in the request body");
	doc_refused("{\"ports\":[1]} x", "", "line 1 column 15: text after the JSON value");
	doc_refused("[1, 2]", "", "the request body must be a JSON object");
	doc_refused("", "", "no JSON value");
	doc_refused("{\"name\":\"a\xc3\x28\"}", "", "line 1 column 11: invalid UTF-8");
	char many[512];
	size_t n = (size_t)snprintf(many, sizeof(many), "{");
	for (int i = 0; i <= TOPO_JSON_DOC_MAX; i++)
		n += (size_t)snprintf(many + n, sizeof(many) - n, "%s\"k%d\":[]", i ? "," : "", i);
	snprintf(many + n, sizeof(many) - n, "}");
	doc_refused(many, "k16", "more than 16 members");
}

UNIT_SUITE(topo_validate, NULL, NULL,
	   UNIT_TEST(test_port_compact_fields),
	   UNIT_TEST(test_overlapping_subnets_on_router),
	   UNIT_TEST(test_ip_outside_subnet),
	   UNIT_TEST(test_duplicate_mac_and_ip),
	   UNIT_TEST(test_unknown_references),
	   UNIT_TEST(test_bad_cidr_mac_and_attributes),
	   UNIT_TEST(test_segmentation_ranges),
	   UNIT_TEST(test_delete_referenced),
	   UNIT_TEST(test_routes_need_connected_nexthop),
	   UNIT_TEST(test_atomic_transaction),
	   UNIT_TEST(test_store_failure_undoes),
	   UNIT_TEST(test_ipv6_and_defaults),
	   UNIT_TEST(test_floatingip_and_gateway),
	   UNIT_TEST(test_chassis),
	   UNIT_TEST(test_indexed_network_lookups),
	   UNIT_TEST(test_json_duplicate_keys),
	   UNIT_TEST(test_json_invalid_utf8),
	   UNIT_TEST(test_json_doc_elements),
	   UNIT_TEST(test_json_doc_refused),
	   UNIT_TEST(test_json_numbers),
	   UNIT_TEST(test_json_nesting));
