/* hostd/topo/topo.h: hostd's in-memory topology model (Neutron-shaped).
 *
 * Who uses it:
 *  - hostd/api (REST) and dfctl's `apply` change it through transactions
 *    (topo_txn_*): every change is validated as a whole, written to the
 *    store (hostd/store, SQLite) and only then made visible, or rejected
 *    leaving nothing half-applied;
 *  - hostd/pipeline compiles it into OpenFlow: it reads objects under the
 *    read lock (topo_rdlock) and learns what changed through topo_subscribe();
 *  - hostd/store rebuilds it at start (topo_load_*) and persists every
 *    committed transaction (struct topo_persist hook).
 *
 * Object model: every object is immutable once committed. An update
 * replaces the object by a new one (copy-on-write), so a pointer obtained
 * under the read lock stays valid until the lock is released. References
 * between objects are ids (strings), never pointers; resolve them with the
 * topo_*_get() lookups. Each object also carries an internal 32-bit key
 * allocated by hostd, never reused, persisted with the object (stable
 * across restarts); 0 means "no key".
 *
 * Threading: one writer at a time (the transaction holds the write lock
 * from topo_txn_begin() to commit/abort, but between a stage and its next
 * step); readers take topo_rdlock(). Subscribers are called by the
 * committing thread, write lock held.
 *
 * Durability and generations: a commit makes its change visible (a new
 * generation, topo_gen(); subscribers told), then writes it to the store
 * with the write lock released, so that the pipeline can compile and send
 * the change while SQLite works. During that write topo_rdlock() waits
 * (ordinary readers never see a change the store may still refuse);
 * topo_rdlock_early() does not, and its reader must not let what it read
 * leave hostd before topo_gen_fate() says the generation is durable (the
 * controller holds the bundle commit until then). Should the store refuse
 * the change, it is undone, subscribers are told the reverse, the refused
 * generation's fate becomes -1, and the commit fails (500 StoreError).
 * topo_txn_commit returns after the store write: an acknowledged change is
 * durable.
 *
 * Staged transactions: a large transaction (dfctl apply) may publish its
 * creations so far before it commits (topo_txn_stage): they become
 * generations of their own that subscribers are told and early readers
 * see, while ordinary readers keep waiting until the transaction ends.
 * The staged generations become durable with the commit's store write, or
 * are refused (-1) all together when the transaction fails in any way,
 * and subscribers are then told the reverse of everything staged. The
 * controller keeps the stages in one bundle (converge.c, conv_extend) and
 * commits it only when the whole is durable.
 */
#ifndef DFNIC_HOSTD_TOPO_H
#define DFNIC_HOSTD_TOPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- limits ---------------------------------------------------------- */

#define TOPO_ID_MAX 36          /* ids: UUID text, or 1..36 of [A-Za-z0-9._-] */
#define TOPO_NAME_MAX 255       /* names/descriptions, like Neutron */
#define TOPO_HOST_MAX 63        /* chassis name (a host name) */
#define TOPO_OWNER_MAX 63       /* device_owner */
#define TOPO_IFNAME_MAX 15      /* Linux IFNAMSIZ - 1 */
#define TOPO_PHYSNET_MAX 63     /* provider:physical_network */
#define TOPO_MAX_FIXED_IPS 5    /* per port (Neutron's max_fixed_ips_per_port) */
#define TOPO_MAX_POOLS 16       /* allocation pools per subnet */
#define TOPO_MAX_ROUTES 30      /* extra routes per router (Neutron's max_routes) */
#define TOPO_MAX_GW_IPS 4       /* external fixed IPs of a router gateway */

typedef char topo_id_t[TOPO_ID_MAX + 1]; /* "" = none */

/* ---- resource kinds (X-macro: ENUM, singular, plural / URL collection) -- */
#define TOPO_KINDS(X)                                   \
	X(NETWORK, network, networks)                   \
	X(SUBNET, subnet, subnets)                      \
	X(PORT, port, ports)                            \
	X(ROUTER, router, routers)                      \
	X(FLOATINGIP, floatingip, floatingips)          \
	X(CHASSIS, chassis, chassis)

enum topo_kind {
#define X(E, s, p) TOPO_##E,
	TOPO_KINDS(X)
#undef X
	TOPO_KIND_COUNT
};
const char *topo_kind_name(enum topo_kind k);   /* "network" ... */
const char *topo_kind_plural(enum topo_kind k); /* "networks" ... */

/* ---- addresses -------------------------------------------------------- */

/* An IPv4 or IPv6 address. version 0 = unset (e.g. no gateway). */
struct topo_ip {
	uint8_t version;   /* 4, 6, or 0 when unset */
	uint8_t b[16];     /* network byte order; IPv4 in b[0..3], rest zero */
};

/* A prefix; the address has no host bits set (validated). */
struct topo_cidr {
	struct topo_ip addr; /* network address */
	uint8_t plen;        /* prefix length, 0..32 or 0..128 */
};

/* IPv4 address as a host-order integer (0 if not IPv4). */
uint32_t topo_ip_v4(const struct topo_ip *ip);
struct topo_ip topo_ip_from_v4(uint32_t host_order);
bool topo_ip_eq(const struct topo_ip *a, const struct topo_ip *b);
bool topo_cidr_contains(const struct topo_cidr *c, const struct topo_ip *ip);
bool topo_cidr_overlap(const struct topo_cidr *a, const struct topo_cidr *b);
/* Parsers: 0 or -EINVAL. topo_cidr_parse rejects host bits ("10.0.0.1/24"). */
int topo_ip_parse(const char *s, struct topo_ip *out);
int topo_cidr_parse(const char *s, struct topo_cidr *out);
int topo_mac_parse(const char *s, uint8_t mac[6]);
/* Formatters into caller buffers (INET6_ADDRSTRLEN / +4 / 18 bytes). */
#define TOPO_IP_STRLEN 46
#define TOPO_CIDR_STRLEN 50
#define TOPO_MAC_STRLEN 18
const char *topo_ip_fmt(const struct topo_ip *ip, char *buf);
const char *topo_cidr_fmt(const struct topo_cidr *c, char *buf);
const char *topo_mac_fmt(const uint8_t mac[6], char *buf);

/* ---- networks --------------------------------------------------------- */

/* Network types and their segmentation id range (X: ENUM, name, min, max). */
#define TOPO_NET_TYPES(X)                               \
	X(FLAT, flat, 0, 0)                             \
	X(VLAN, vlan, 1, 4094)                          \
	X(VXLAN, vxlan, 1, 16777215)                    \
	X(GRE, gre, 1, 4294967295u)

enum topo_net_type {
#define X(E, n, lo, hi) TOPO_NET_##E,
	TOPO_NET_TYPES(X)
#undef X
	TOPO_NET_TYPE_COUNT
};
const char *topo_net_type_name(enum topo_net_type t);
int topo_net_type_parse(const char *s, enum topo_net_type *out); /* 0/-EINVAL */

struct topo_network {
	topo_id_t id;                   /* "id" */
	char *name;                     /* "name" (heap, never NULL once committed) */
	enum topo_net_type type;        /* "provider:network_type" (default vxlan) */
	uint32_t segmentation_id;       /* "provider:segmentation_id": VLAN id, VNI or GRE
					 * key at full width; 0 for flat; allocated (lowest
					 * free) when absent */
	char physical_network[TOPO_PHYSNET_MAX + 1]; /* "provider:physical_network"
					 * (flat/vlan; "" = the default provider port) */
	uint32_t mtu;                   /* "mtu" (default 1450 vxlan/gre, 1500 else) */
	bool external;                  /* "router:external" */
	bool admin_state_up;            /* "admin_state_up" */
	uint32_t key;                   /* "dfnic:network_key": metadata value */
};

/* ---- subnets ---------------------------------------------------------- */

struct topo_pool {
	struct topo_ip start;           /* first allocatable address */
	struct topo_ip end;             /* last allocatable address (inclusive) */
};

struct topo_subnet {
	topo_id_t id;                   /* "id" */
	char *name;                     /* "name" (heap) */
	topo_id_t network_id;           /* "network_id" */
	uint8_t ip_version;             /* "ip_version": 4 or 6 (from the CIDR) */
	struct topo_cidr cidr;          /* "cidr" */
	struct topo_ip gateway;         /* "gateway_ip" (version 0 = null); default:
					 * first host of the CIDR */
	uint32_t n_pools;               /* entries in pools (0..TOPO_MAX_POOLS) */
	struct topo_pool *pools;        /* "allocation_pools"; default: the CIDR's
					 * hosts minus the gateway. An array of n_pools
					 * entries, heap in topology objects (sized to use);
					 * in a caller's struct passed to topo_txn_put_subnet
					 * it is borrowed (copied), NULL when n_pools is 0 */
	bool enable_dhcp;               /* "enable_dhcp" (stored only) */
	uint32_t key;                   /* "dfnic:subnet_key" */
};

/* ---- ports ------------------------------------------------------------ */

struct topo_fixed_ip {
	topo_id_t subnet_id;            /* "subnet_id" */
	struct topo_ip ip;              /* "ip_address" */
};

/* device_owner values hostd gives a meaning to. */
#define TOPO_OWNER_ROUTER_IFACE "network:router_interface"
#define TOPO_OWNER_ROUTER_GW "network:router_gateway"
#define TOPO_OWNER_FLOATINGIP "network:floatingip"

struct topo_port {
	topo_id_t id;                   /* "id" */
	char *name;                     /* "name" (heap) */
	topo_id_t network_id;           /* "network_id" */
	uint8_t mac[6];                 /* "mac_address" (default fa:16:3e:xx:xx:xx) */
	uint32_t n_fixed_ips;           /* entries in fixed_ips (0..TOPO_MAX_FIXED_IPS) */
	struct topo_fixed_ip *fixed_ips; /* "fixed_ips" (default: one address from the
					 * network's first subnet): an array of n_fixed_ips
					 * entries, heap in topology objects (sized to use);
					 * in a caller's struct passed to topo_txn_put_port it
					 * is borrowed (copied), NULL when n_fixed_ips is 0 */
	const char *chassis;            /* "binding:host_id": bound chassis name (at
					 * most TOPO_HOST_MAX), "" = unbound; interned
					 * (topo_intern) in topology objects, borrowed in a
					 * caller's struct (NULL reads as "") */
	const char *device_owner;       /* "device_owner", e.g. "compute:nova" (at most
					 * TOPO_OWNER_MAX); interned like chassis */
	topo_id_t device_id;            /* "device_id" (router id for router ports) */
	bool admin_state_up;            /* "admin_state_up" */
	char ifname[TOPO_IFNAME_MAX + 1]; /* "dfnic:interface_name" on br-int
					 * (default "tap" + first 11 chars of id) */
	uint32_t key;                   /* "dfnic:port_key": register value */
};

/* The shared immutable copy of string s (NULL reads as ""), with one more
 * reference: equal strings get the same pointer, valid until its last
 * reference is dropped with topo_intern_put(). "" is a literal, never
 * counted. Topology objects (topo_obj_dup, topo_json_new_obj) hold one
 * reference per interned field; topo_obj_free drops them. Thread-safe.
 * NULL only when out of memory. */
const char *topo_intern(const char *s);
/* Drop one reference taken by topo_intern (s its result; anything else,
 * "" or NULL is ignored). */
void topo_intern_put(const char *s);

/* ---- routers ---------------------------------------------------------- */

/* L3 mode of a router ("dfnic:l3_mode"). */
enum topo_l3_mode {
	TOPO_L3_REACTIVE = 0,           /* "reactive" (default): packet-in, /32 flows */
	TOPO_L3_PROACTIVE,              /* "proactive": flows installed ahead */
};

struct topo_route {
	struct topo_cidr destination;   /* "destination" */
	struct topo_ip nexthop;         /* "nexthop" (inside one of the router's subnets) */
};

/* A router interface: the port (device_owner network:router_interface,
 * device_id = router id) holds the router's MAC and IP on that subnet.
 * Interfaces are derived from ports, not stored in the router. */
struct topo_router_iface {
	const struct topo_router *router; /* the router */
	const struct topo_port *port;   /* the interface port */
	const struct topo_subnet *subnet; /* the subnet it sits on */
	const struct topo_ip *ip;       /* the router's IP there (in port->fixed_ips) */
};

struct topo_router {
	topo_id_t id;                   /* "id" */
	char *name;                     /* "name" (heap) */
	bool admin_state_up;            /* "admin_state_up" */
	topo_id_t gw_network_id;        /* "external_gateway_info.network_id" ("" = none) */
	topo_id_t gw_port_id;           /* the gateway port hostd created on it
					 * (device_owner network:router_gateway) */
	bool enable_snat;               /* "external_gateway_info.enable_snat" (default on) */
	uint32_t n_routes;              /* entries used in routes */
	struct topo_route routes[TOPO_MAX_ROUTES]; /* "routes" (extra routes) */
	enum topo_l3_mode l3_mode;      /* "dfnic:l3_mode" */
	uint32_t key;                   /* "dfnic:router_key" */
};

/* ---- floating IPs ----------------------------------------------------- */

struct topo_floatingip {
	topo_id_t id;                   /* "id" */
	struct topo_ip floating_ip;     /* "floating_ip_address" (default: allocated) */
	topo_id_t floating_network_id;  /* "floating_network_id" (router:external) */
	topo_id_t floating_port_id;     /* port holding the address (device_owner
					 * network:floatingip), created by hostd */
	topo_id_t port_id;              /* "port_id": fixed port ("" = unassociated) */
	struct topo_ip fixed_ip;        /* "fixed_ip_address" (default: the port's first
					 * IPv4) */
	topo_id_t router_id;            /* "router_id": derived, the router with its
					 * gateway on the floating network and an interface
					 * on the fixed IP's subnet */
	uint32_t key;                   /* "dfnic:floatingip_key" */
};

/* ---- chassis ---------------------------------------------------------- */

struct topo_chassis {
	char name[TOPO_HOST_MAX + 1];   /* "name", also its id in the API */
	uint64_t dpid;                  /* "datapath_id" of its br-int (0 = unknown) */
	struct topo_ip tunnel_ip;       /* "tunnel_ip": VXLAN/GRE endpoint */
	bool network_node;              /* "network_node": centralized SNAT/FIP here */
	bool smartnic;                  /* "smartnic": a dfnic NIC is present */
	uint32_t key;                   /* "dfnic:chassis_key" */
};

/* ---- the topology ----------------------------------------------------- */

struct topo;

/* Create / destroy an empty topology (destroy accepts NULL). */
struct topo *topo_new(void);
void topo_destroy(struct topo *t);

/* Read lock for readers in other threads (the pipeline). Lookups and
 * iteration below require it (or the write lock, inside a transaction or
 * a subscriber callback). */
void topo_rdlock(struct topo *t);
void topo_unlock(struct topo *t);
/* A read lock that does not wait for a running store write (see the top):
 * only for readers that gate their effects on topo_gen_fate. Released
 * with topo_unlock. */
void topo_rdlock_early(struct topo *t);
/* Generation of the state the caller sees (under a read lock, or in a
 * subscriber callback): +1 per committed change, +1 per undone one. */
uint64_t topo_gen(const struct topo *t);
/* What became of generation gen (any thread): 1 durable (written to the
 * store, or there is none), 0 its store write is running (or its staged
 * transaction, topo_txn_stage, has not committed yet), -1 the store
 * refused it or its staged transaction failed (it was undone; the undo is
 * a later generation). */
int topo_gen_fate(struct topo *t, uint64_t gen);

/* Lookups by id (NULL if absent). */
const struct topo_network *topo_network_get(const struct topo *t, const char *id);
const struct topo_subnet *topo_subnet_get(const struct topo *t, const char *id);
const struct topo_port *topo_port_get(const struct topo *t, const char *id);
const struct topo_router *topo_router_get(const struct topo *t, const char *id);
const struct topo_floatingip *topo_floatingip_get(const struct topo *t, const char *id);
const struct topo_chassis *topo_chassis_get(const struct topo *t, const char *name);

/* Lookups by internal key / other attributes (NULL if absent). */
const struct topo_network *topo_network_by_key(const struct topo *t, uint32_t key);
const struct topo_port *topo_port_by_key(const struct topo *t, uint32_t key);
const struct topo_router *topo_router_by_key(const struct topo *t, uint32_t key);
const struct topo_chassis *topo_chassis_by_dpid(const struct topo *t, uint64_t dpid);
/* The port bound to `chassis` whose br-int interface is `ifname`. */
const struct topo_port *topo_port_by_ifname(const struct topo *t, const char *chassis,
					    const char *ifname);
/* The port of network `network_id` holding fixed IP `ip` (indexed; fixed
 * IPs are unique per network), or NULL. */
const struct topo_port *topo_port_by_ip(const struct topo *t, const char *network_id,
					const struct topo_ip *ip);

/* Iteration in creation order: pass NULL for the first, NULL at the end.
 *   for (p = topo_port_next(t, NULL); p; p = topo_port_next(t, p)) */
const struct topo_network *topo_network_next(const struct topo *t, const struct topo_network *prev);
const struct topo_subnet *topo_subnet_next(const struct topo *t, const struct topo_subnet *prev);
const struct topo_port *topo_port_next(const struct topo *t, const struct topo_port *prev);
const struct topo_router *topo_router_next(const struct topo *t, const struct topo_router *prev);
const struct topo_floatingip *topo_floatingip_next(const struct topo *t,
						   const struct topo_floatingip *prev);
const struct topo_chassis *topo_chassis_next(const struct topo *t, const struct topo_chassis *prev);
/* The same for kind k (NULL for a kind out of range). */
const void *topo_next(const struct topo *t, enum topo_kind k, const void *prev);
size_t topo_count(const struct topo *t, enum topo_kind k);

/* Ports / subnets of one network (same loop shape, filtered). */
const struct topo_port *topo_network_port_next(const struct topo *t, const char *network_id,
					       const struct topo_port *prev);
const struct topo_subnet *topo_network_subnet_next(const struct topo *t, const char *network_id,
						   const struct topo_subnet *prev);

/* The subnet of `network_id` (NULL: of any network) containing `ip`; the
 * longest prefix wins. */
const struct topo_subnet *topo_subnet_containing(const struct topo *t, const char *network_id,
						 const struct topo_ip *ip);

/* Router interfaces. Each fills up to `max` entries of `out` and returns
 * how many exist (may exceed max). */
size_t topo_router_ifaces(const struct topo *t, const char *router_id,
			  struct topo_router_iface *out, size_t max);
size_t topo_subnet_router_ifaces(const struct topo *t, const char *subnet_id,
				 struct topo_router_iface *out, size_t max);

/* The router's gateway port's first IPv4 (version 0 if none). */
struct topo_ip topo_router_gw_ip(const struct topo *t, const struct topo_router *r);

/* ---- change notification ---------------------------------------------- */

enum topo_op {
	TOPO_OP_CREATE,
	TOPO_OP_UPDATE,
	TOPO_OP_DELETE,
};
const char *topo_op_name(enum topo_op op);

/* One changed object. For UPDATE both old and new are set; old objects
 * are freed once the store write ends (keep no pointer to them). */
struct topo_change {
	enum topo_kind kind;            /* what kind of resource */
	enum topo_op op;                /* what happened to it */
	const char *id;                 /* its id (chassis: its name) */
	const void *old_obj;            /* previous version (UPDATE/DELETE), else NULL */
	const void *new_obj;            /* committed version (CREATE/UPDATE), else NULL */
};

/* Called once per committed transaction with all its changes (in the order
 * the transaction made them), in the committing thread, write lock held:
 * the callback may read the topology but must not start a transaction.
 * Keep it short (e.g. queue the ids and wake the pipeline's loop). It runs
 * when the change becomes visible, before the store write ends (see the
 * top): a refused write calls it again with the reverse changes. */
typedef void (*topo_change_fn)(const struct topo *t, const struct topo_change *changes,
			       size_t n, void *arg);
/* Called in the committing thread, no lock held, once the store write of
 * a change told to topo_change_fn has ended (either way: topo_gen_fate
 * tells which). Keep it short (wake a loop). */
typedef void (*topo_settled_fn)(void *arg);
/* 0, or -ENOMEM. Several subscribers may be registered. */
int topo_subscribe(struct topo *t, topo_change_fn cb, void *arg);
/* The same with a settled callback (may be NULL). */
int topo_subscribe_settled(struct topo *t, topo_change_fn cb, topo_settled_fn settled,
			   void *arg);
void topo_unsubscribe(struct topo *t, topo_change_fn cb, void *arg);

/* ---- errors ----------------------------------------------------------- */

/* A rejected change. `status` is the HTTP status the API answers
 * (400 bad input, 404 unknown id, 409 conflict, 500 store failure),
 * `type` the Neutron-style exception name, `field` the attribute at fault
 * (e.g. "fixed_ips[0].ip_address"), `msg` the sentence for humans (it
 * names the field too). */
struct topo_err {
	int status;                     /* HTTP status */
	char type[48];                  /* "BadRequest", "NetworkNotFound", "Conflict", ... */
	char field[96];                 /* attribute path, "" when not about one field */
	char msg[400];                  /* full message */
};

/* ---- transactions ----------------------------------------------------- */

struct topo_txn;

/* Start a transaction (takes the write lock; never fails). */
struct topo_txn *topo_txn_begin(struct topo *t);
/* The topology as the transaction sees it (its changes applied). */
const struct topo *topo_txn_view(const struct topo_txn *x);

/* Create or replace an object (the caller's struct is copied; its heap
 * strings are duplicated). Defaults are filled here: ids (UUID v4), MACs,
 * fixed IPs, gateways, pools, segmentation ids, interface names, keys.
 * `created` (may be NULL) gets the id used. Checks of the object itself are
 * done here; cross-object checks (references, overlaps, duplicates) at
 * commit. 0 or -errno with *err filled (the transaction stays usable; the
 * caller usually aborts). */
int topo_txn_put_network(struct topo_txn *x, const struct topo_network *n, char *created,
			 struct topo_err *err);
int topo_txn_put_subnet(struct topo_txn *x, const struct topo_subnet *s, char *created,
			struct topo_err *err);
int topo_txn_put_port(struct topo_txn *x, const struct topo_port *p, char *created,
		      struct topo_err *err);
int topo_txn_put_router(struct topo_txn *x, const struct topo_router *r, char *created,
			struct topo_err *err);
int topo_txn_put_floatingip(struct topo_txn *x, const struct topo_floatingip *f,
			    char *created, struct topo_err *err);
int topo_txn_put_chassis(struct topo_txn *x, const struct topo_chassis *c,
			 struct topo_err *err);
/* Delete by id (404 if absent). Deleting a router also deletes its gateway
 * port; a floating IP its floating port. Still-referenced objects are
 * refused at commit (409). */
int topo_txn_delete(struct topo_txn *x, enum topo_kind k, const char *id,
		    struct topo_err *err);

/* Neutron's add_router_interface: either subnet_id (a new port with the
 * subnet's gateway IP is created) or port_id (an existing port becomes the
 * interface). The interface port id is written to port_id_out. */
int topo_txn_add_router_iface(struct topo_txn *x, const char *router_id, const char *subnet_id,
			      const char *port_id, char *port_id_out, struct topo_err *err);
/* remove_router_interface: by subnet_id or port_id; the port is deleted. */
int topo_txn_remove_router_iface(struct topo_txn *x, const char *router_id,
				 const char *subnet_id, const char *port_id, char *port_id_out,
				 char *subnet_id_out, struct topo_err *err);

/* Publish what the transaction did so far, before its commit (best
 * effort, for large transactions such as dfctl apply: the pipeline can
 * compile and send it while the rest is built). Only when every step since
 * the last stage is a creation that validates on its own: then the steps
 * become a new generation that subscribers are told and early readers
 * (topo_rdlock_early) see, the write lock is released until the
 * transaction's next step, and ordinary readers (topo_rdlock) wait until
 * the transaction ends. Otherwise nothing is published, now or later in
 * this transaction: its commit validates and tells the rest. Staged
 * generations share the transaction's fate (topo_gen_fate): durable once
 * its commit's store write is; refused (-1) if it aborts or fails, when
 * subscribers are told the reverse of everything staged. */
void topo_txn_stage(struct topo_txn *x);

/* Validate everything the transaction touched, persist (struct
 * topo_persist), make it visible, notify subscribers, release the lock.
 * On any failure nothing is applied (memory and store unchanged).
 * 0 or -errno with *err filled. The transaction is freed either way. */
int topo_txn_commit(struct topo_txn *x, struct topo_err *err);
/* Same, also counting what the commit changed. Updates that change
 * nothing are dropped (not stored, not notified). */
struct topo_commit_stats {
	size_t created;                 /* objects created */
	size_t updated;                 /* objects really changed */
	size_t deleted;                 /* objects deleted */
};
int topo_txn_commit_stats(struct topo_txn *x, struct topo_commit_stats *st,
			  struct topo_err *err);
/* Undo everything, release the lock, free (accepts NULL). */
void topo_txn_abort(struct topo_txn *x);

/* ---- persistence hook (implemented by hostd/store) ------------------- */

/* Called by topo_txn_commit with the write lock held. begin, then put/del
 * per changed object, then commit; on any error rollback and the
 * transaction is undone in memory. May block (fsync). */
struct topo_persist {
	int (*begin)(void *arg);
	int (*put)(void *arg, enum topo_kind k, const char *id, const void *obj);
	int (*del)(void *arg, enum topo_kind k, const char *id);
	int (*set_meta)(void *arg, const char *key, uint64_t value); /* key counters */
	int (*commit)(void *arg);
	void (*rollback)(void *arg);
	void *arg;                      /* the store */
};
void topo_set_persist(struct topo *t, const struct topo_persist *p);

/* Loading (the store, at start, before any reader exists): insert a
 * committed object as is (no defaults, no notification). 0 or -errno. */
int topo_load_object(struct topo *t, enum topo_kind k, const void *obj);
/* After loading: check the whole topology; 0 or -EINVAL with *err. */
int topo_check_all(struct topo *t, struct topo_err *err);
/* Key counters (persisted as meta "next_key.<kind>"). */
uint32_t topo_next_key(const struct topo *t, enum topo_kind k);
void topo_set_next_key(struct topo *t, enum topo_kind k, uint32_t next);

/* Object helpers: deep copy / free of one object of kind k (free accepts
 * NULL). Used by the API to start an update from the committed version. */
void *topo_obj_dup(enum topo_kind k, const void *obj);
void topo_obj_free(enum topo_kind k, void *obj);
const char *topo_obj_id(enum topo_kind k, const void *obj);

#endif
