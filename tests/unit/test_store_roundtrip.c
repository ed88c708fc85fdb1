/* tests/unit/test_store_roundtrip.c: hostd/store: what is committed comes
 * back identical after a reopen, key counters survive, a process killed
 * (SIGKILL) right after acknowledged commits loses none of them, and a
 * newer schema is refused. */
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hostd/store/store.h"
#include "hostd/topo/topo_json.h"
#include "tests/unit/unit.h"

static char dir[256];

static void fresh_dir(const char *name)
{
	char cmd[400];
	snprintf(dir, sizeof(dir), "%s/dfnic-store-%s-%d", unit_tmpdir(), name, (int)getpid());
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CU_ASSERT_EQUAL(system(cmd), 0);
}

static void rm_dir(void)
{
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CU_ASSERT_EQUAL(system(cmd), 0);
}

static int apply_json(struct topo *t, enum topo_kind k, const char *js)
{
	struct topo_err e = { 0 };
	cJSON *j = topo_json_parse(js, strlen(js), "test", &e);
	void *o = topo_json_new_obj(k);
	int r = j ? topo_json_decode(k, j, o, true, TOPO_JSON_API, &e) : -EINVAL;
	cJSON_Delete(j);
	if (r) {
		topo_obj_free(k, o);
		return r;
	}
	struct topo_txn *x = topo_txn_begin(t);
	switch (k) {
	case TOPO_NETWORK: r = topo_txn_put_network(x, o, NULL, &e); break;
	case TOPO_SUBNET: r = topo_txn_put_subnet(x, o, NULL, &e); break;
	case TOPO_PORT: r = topo_txn_put_port(x, o, NULL, &e); break;
	case TOPO_ROUTER: r = topo_txn_put_router(x, o, NULL, &e); break;
	case TOPO_FLOATINGIP: r = topo_txn_put_floatingip(x, o, NULL, &e); break;
	default: r = topo_txn_put_chassis(x, o, &e); break;
	}
	topo_obj_free(k, o);
	if (r) {
		topo_txn_abort(x);
		return r;
	}
	return topo_txn_commit(x, &e);
}

/* Every object of every kind as API JSON, in iteration order. */
static char *dump(struct topo *t)
{
	json_t *all = json_object();
	for (int k = 0; k < TOPO_KIND_COUNT; k++) {
		json_t *a = json_array();
		for (const void *o = topo_next(t, k, NULL); o; o = topo_next(t, k, o)) {
			json_array_append_new(a, topo_json_encode(t, k, o, TOPO_JSON_API));
		}
		json_object_set_new(all, topo_kind_plural(k), a);
	}
	char *s = json_dumps(all, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(all);
	return s;
}

static struct topo *open_load(struct store **s)
{
	struct topo *t = topo_new();
	struct topo_err e = { 0 };
	CU_ASSERT_EQUAL_FATAL(store_open(dir, s), 0);
	CU_ASSERT_EQUAL(store_load(*s, t, &e), 0);
	store_attach(*s, t);
	return t;
}

static void close_all(struct topo *t, struct store *s)
{
	store_attach(NULL, t);
	store_close(s);
	topo_destroy(t);
}

static void build(struct topo *t)
{
	CU_ASSERT_EQUAL(apply_json(t, TOPO_CHASSIS, "{\"name\":\"c1\",\"datapath_id\":\"ff00000000000001\","
				   "\"tunnel_ip\":\"192.0.2.1\",\"network_node\":true}"), 0);
	CU_ASSERT_EQUAL(apply_json(t, TOPO_NETWORK, "{\"id\":\"ext\",\"router:external\":true,"
				   "\"provider:network_type\":\"flat\",\"provider:physical_network\":\"pub\"}"), 0);
	CU_ASSERT_EQUAL(apply_json(t, TOPO_SUBNET, "{\"id\":\"es\",\"network_id\":\"ext\","
				   "\"cidr\":\"203.0.113.0/24\"}"), 0);
	CU_ASSERT_EQUAL(apply_json(t, TOPO_NETWORK, "{\"id\":\"n1\",\"name\":\"n\\u00e9t\","
				   "\"provider:network_type\":\"gre\",\"provider:segmentation_id\":4000000000}"), 0);
	CU_ASSERT_EQUAL(apply_json(t, TOPO_SUBNET, "{\"id\":\"s1\",\"network_id\":\"n1\","
				   "\"cidr\":\"10.0.0.0/24\",\"allocation_pools\":[{\"start\":\"10.0.0.50\","
				   "\"end\":\"10.0.0.60\"}]}"), 0);
	CU_ASSERT_EQUAL(apply_json(t, TOPO_SUBNET, "{\"id\":\"s6\",\"network_id\":\"n1\","
				   "\"cidr\":\"fd00::/64\",\"gateway_ip\":null}"), 0);
	CU_ASSERT_EQUAL(apply_json(t, TOPO_ROUTER, "{\"id\":\"r1\",\"dfnic:l3_mode\":\"proactive\","
				   "\"external_gateway_info\":{\"network_id\":\"ext\",\"enable_snat\":false}}"), 0);
	struct topo_err e;
	struct topo_txn *x = topo_txn_begin(t);
	CU_ASSERT_EQUAL(topo_txn_add_router_iface(x, "r1", "s1", NULL, NULL, &e), 0);
	CU_ASSERT_EQUAL(topo_txn_commit(x, &e), 0);
	CU_ASSERT_EQUAL(apply_json(t, TOPO_ROUTER, "{\"id\":\"r1\",\"dfnic:l3_mode\":\"proactive\","
				   "\"external_gateway_info\":{\"network_id\":\"ext\",\"enable_snat\":false},"
				   "\"routes\":[{\"destination\":\"172.16.0.0/12\",\"nexthop\":\"10.0.0.9\"}]}"), 0);
	CU_ASSERT_EQUAL(apply_json(t, TOPO_PORT, "{\"id\":\"vm1\",\"network_id\":\"n1\","
				   "\"binding:host_id\":\"c1\",\"device_owner\":\"compute:nova\","
				   "\"fixed_ips\":[{\"subnet_id\":\"s1\"},{\"ip_address\":\"fd00::5\"}]}"), 0);
	CU_ASSERT_EQUAL(apply_json(t, TOPO_FLOATINGIP, "{\"id\":\"f1\",\"floating_network_id\":\"ext\","
				   "\"port_id\":\"vm1\"}"), 0);
}

static void test_round_trip(void)
{
	fresh_dir("rt");
	struct store *s;
	struct topo *t = open_load(&s);
	build(t);
	char *before = dump(t);
	uint32_t next_port = topo_next_key(t, TOPO_PORT);
	/* delete the newest port: its key must not be handed out again */
	struct topo_err e;
	struct topo_txn *x = topo_txn_begin(t);
	CU_ASSERT_EQUAL(topo_txn_delete(x, TOPO_FLOATINGIP, "f1", &e), 0);
	CU_ASSERT_EQUAL(topo_txn_commit(x, &e), 0);
	char *after_del = dump(t);
	close_all(t, s);

	t = open_load(&s);
	char *reloaded = dump(t);
	CU_ASSERT_STRING_EQUAL(reloaded, after_del);
	CU_ASSERT_STRING_NOT_EQUAL(reloaded, before);
	CU_ASSERT_EQUAL(topo_next_key(t, TOPO_PORT), next_port);
	CU_ASSERT_EQUAL(apply_json(t, TOPO_PORT, "{\"id\":\"vm2\",\"network_id\":\"n1\"}"), 0);
	CU_ASSERT_EQUAL(topo_port_get(t, "vm2")->key, next_port);
	/* the proactive router, the GRE key at full width, the v6 subnet */
	CU_ASSERT_EQUAL(topo_router_get(t, "r1")->l3_mode, TOPO_L3_PROACTIVE);
	CU_ASSERT_EQUAL(topo_router_get(t, "r1")->n_routes, 1u);
	CU_ASSERT_EQUAL(topo_network_get(t, "n1")->segmentation_id, 4000000000u);
	CU_ASSERT_EQUAL(topo_subnet_get(t, "s6")->gateway.version, 0);
	CU_ASSERT_STRING_EQUAL(topo_chassis_by_dpid(t, 0xff00000000000001ull)->name, "c1");
	char *again = dump(t);
	close_all(t, s);
	/* a second reload is identical to the state before it */
	t = open_load(&s);
	char *third = dump(t);
	CU_ASSERT_STRING_EQUAL(third, again);
	close_all(t, s);
	free(before);
	free(after_del);
	free(reloaded);
	free(again);
	free(third);
	rm_dir();
}

/* Child: commit ports one by one, report each acknowledged id on the
 * pipe, and SIGKILL itself after `n`. */
static void crash_child(int wfd, int n)
{
	struct store *s;
	struct topo *t = topo_new();
	struct topo_err e;
	if (store_open(dir, &s) || store_load(s, t, &e))
		_exit(3);
	store_attach(s, t);
	for (int i = 0; i < n; i++) {
		char js[128];
		snprintf(js, sizeof(js), "{\"id\":\"p%d\",\"network_id\":\"n1\"}", i);
		if (apply_json(t, TOPO_PORT, js))
			_exit(4);
		char line[32];
		int len = snprintf(line, sizeof(line), "p%d\n", i);
		if (write(wfd, line, (size_t)len) != len)
			_exit(5);
	}
	kill(getpid(), SIGKILL);
	_exit(6);
}

static void test_crash_loses_nothing_acknowledged(void)
{
	fresh_dir("crash");
	struct store *s;
	struct topo *t = open_load(&s);
	CU_ASSERT_EQUAL(apply_json(t, TOPO_NETWORK, "{\"id\":\"n1\"}"), 0);
	CU_ASSERT_EQUAL(apply_json(t, TOPO_SUBNET, "{\"id\":\"s1\",\"network_id\":\"n1\","
				   "\"cidr\":\"10.0.0.0/16\"}"), 0);
	close_all(t, s);
	int fds[2];
	CU_ASSERT_EQUAL_FATAL(pipe(fds), 0);
	pid_t pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (!pid) {
		close(fds[0]);
		crash_child(fds[1], 40);
	}
	close(fds[1]);
	char buf[4096];
	size_t len = 0;
	ssize_t r;
	while ((r = read(fds[0], buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)r;
	buf[len] = '\0';
	close(fds[0]);
	int st;
	CU_ASSERT_EQUAL(waitpid(pid, &st, 0), pid);
	CU_ASSERT(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	t = open_load(&s);
	int acked = 0;
	for (char *save, *tok = strtok_r(buf, "\n", &save); tok; tok = strtok_r(NULL, "\n", &save)) {
		CU_ASSERT_PTR_NOT_NULL(topo_port_get(t, tok));
		acked++;
	}
	CU_ASSERT_EQUAL(acked, 40);
	CU_ASSERT_EQUAL(topo_count(t, TOPO_PORT), 40);
	/* distinct addresses survived (allocation state is the ports themselves) */
	CU_ASSERT_EQUAL(apply_json(t, TOPO_PORT, "{\"id\":\"after\",\"network_id\":\"n1\"}"), 0);
	CU_ASSERT_EQUAL(topo_ip_v4(&topo_port_get(t, "after")->fixed_ips[0].ip), 0x0a00002a);
	close_all(t, s);
	rm_dir();
}

static void test_newer_schema_refused(void)
{
	fresh_dir("schema");
	struct store *s;
	CU_ASSERT_EQUAL_FATAL(store_open(dir, &s), 0);
	char path[400];
	snprintf(path, sizeof(path), "%s", store_path(s));
	store_close(s);
	sqlite3 *db;
	CU_ASSERT_EQUAL_FATAL(sqlite3_open(path, &db), SQLITE_OK);
	CU_ASSERT_EQUAL(sqlite3_exec(db, "PRAGMA user_version=99", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	CU_ASSERT_EQUAL(store_open(dir, &s), -EPROTO);
	rm_dir();
}

static void test_corrupt_document_refused(void)
{
	fresh_dir("corrupt");
	struct store *s;
	struct topo *t = open_load(&s);
	CU_ASSERT_EQUAL(apply_json(t, TOPO_NETWORK, "{\"id\":\"n1\"}"), 0);
	char path[400];
	snprintf(path, sizeof(path), "%s", store_path(s));
	close_all(t, s);
	sqlite3 *db;
	CU_ASSERT_EQUAL_FATAL(sqlite3_open(path, &db), SQLITE_OK);
	CU_ASSERT_EQUAL(sqlite3_exec(db, "INSERT INTO subnets VALUES('x','{\"id\":\"x\","
				     "\"network_id\":\"gone\",\"cidr\":\"10.0.0.0/24\"}')",
				     NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	CU_ASSERT_EQUAL_FATAL(store_open(dir, &s), 0);
	t = topo_new();
	struct topo_err e = { 0 };
	CU_ASSERT_EQUAL(store_load(s, t, &e), -ENOENT);
	CU_ASSERT_STRING_EQUAL(e.field, "network_id");
	store_close(s);
	topo_destroy(t);
	rm_dir();
}

/* The store's documents are written as text without jansson
 * (topo_json_store_doc): byte for byte what jansson dumps of the STORE
 * encoding, for every object of a topology with odd names (quotes,
 * backslashes, control characters, UTF-8), flat and tunnelled networks,
 * IPv6, pools and ports with several or no fixed IPs. */
static void test_store_doc_is_janssons(void)
{
	struct topo *t = topo_new();
	char *buf = NULL;
	size_t cap = 0;
	build(t);
	CU_ASSERT_EQUAL(apply_json(t, TOPO_NETWORK, "{\"id\":\"n2\",\"name\":\"q\\\"b\\\\s"
				   "\\u0001\\u001f\\t\\n\\r\\b\\f/\\u007f\\u20ac\","
				   "\"provider:network_type\":\"vlan\",\"provider:physical_network\":\"p\\\"1\"}"), 0);
	CU_ASSERT_EQUAL(apply_json(t, TOPO_SUBNET, "{\"id\":\"s2\",\"network_id\":\"n2\","
				   "\"cidr\":\"10.2.0.0/16\",\"name\":\"\\u00e9\",\"enable_dhcp\":false}"), 0);
	CU_ASSERT_EQUAL(apply_json(t, TOPO_SUBNET, "{\"id\":\"s3\",\"network_id\":\"n2\","
				   "\"cidr\":\"2001:db8::/64\"}"), 0);
	CU_ASSERT_EQUAL(apply_json(t, TOPO_PORT, "{\"id\":\"pm\",\"network_id\":\"n2\","
				   "\"fixed_ips\":[{\"subnet_id\":\"s2\"},{\"subnet_id\":\"s3\"},"
				   "{\"ip_address\":\"10.2.255.254\"}],\"binding:host_id\":\"c1\","
				   "\"device_owner\":\"compute:x\\\"\",\"name\":\"\\\\\"}"), 0);
	CU_ASSERT_EQUAL(apply_json(t, TOPO_PORT, "{\"id\":\"p0\",\"network_id\":\"n2\","
				   "\"fixed_ips\":[],\"mac_address\":\"fa:16:3e:00:0a:ff\"}"), 0);
	size_t n = 0;
	for (int k = 0; k < TOPO_KIND_COUNT; k++) {
		for (const void *o = topo_next(t, k, NULL); o; o = topo_next(t, k, o)) {
			json_t *j = topo_json_encode(NULL, k, o, TOPO_JSON_STORE);
			char *want = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
			size_t len = topo_json_store_doc(k, o, &buf, &cap);
			CU_ASSERT_PTR_NOT_NULL_FATAL(want);
			CU_ASSERT_EQUAL(len, strlen(want));
			CU_ASSERT_STRING_EQUAL(buf, want);
			free(want);
			json_decref(j);
			n++;
		}
	}
	CU_ASSERT(n >= 12);
	free(buf);
	topo_destroy(t);
}

UNIT_SUITE(store_roundtrip, NULL, NULL,
	   UNIT_TEST(test_store_doc_is_janssons),
	   UNIT_TEST(test_round_trip),
	   UNIT_TEST(test_crash_loses_nothing_acknowledged),
	   UNIT_TEST(test_newer_schema_refused),
	   UNIT_TEST(test_corrupt_document_refused));
