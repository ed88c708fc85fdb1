/* hostd/controller/desired.h: the desired OpenFlow state of one switch and
 * the difference between two such states.
 *
 * A `struct desired` holds flows (keyed by table, priority and match),
 * groups and meters. flowspec.c builds one from the --flows text, conn.c
 * builds one from what a switch reports (flow/group/meter dumps), and
 * desired.c computes what to send to turn the second into the first
 * (ctl_diff). converge.c turns a diff into messages. Pure data: nothing
 * here does I/O or logs. */
#ifndef DFNIC_CTL_DESIRED_H
#define DFNIC_CTL_DESIRED_H

#include <stddef.h>
#include <stdint.h>

#include "hostd/openflow/ofp.h"

/* One flow as it is built (flowspec.c, pipeline/, a dump reply): the
 * decoded match and instructions. A flowset does not keep these: it packs
 * each flow into a struct dflow_rec (below). */
struct dflow {
	uint8_t table;                 /* table id */
	uint16_t priority;             /* priority */
	struct ofp_match match;        /* match */
	uint64_t cookie;               /* cookie */
	uint16_t idle_timeout;         /* s, 0 = none */
	uint16_t hard_timeout;         /* s, 0 = none */
	uint16_t flags;                /* OFPFF_* */
	struct ofp_instructions insts; /* instructions (owned) */
	char *text;                    /* source line or formatted flow (owned),
					* NULL = formatted on demand */
	int line;                      /* line in the flows file, 0 if dumped */
};

/* One flow of a flowset, packed: its key is (table, priority, match).
 * `bytes` holds the match in a canonical compact form (per present field
 * in field order: id | 0x80 when masked, value, mask when masked; equal
 * matches give equal bytes) followed by the instructions' OpenFlow wire
 * encoding. Decoded on demand (dflow_rec_load/_match/_insts/_itext). */
struct dflow_rec {
	uint8_t *bytes;        /* match then instruction bytes (owned) */
	char *text;            /* source line (owned), NULL = format on demand */
	uint64_t cookie;       /* cookie */
	uint32_t hash;         /* hash of the key */
	uint16_t match_len;    /* bytes of the match in `bytes` */
	uint16_t insts_len;    /* bytes of the instructions after the match */
	uint16_t priority;     /* priority */
	uint16_t idle_timeout; /* s, 0 = none */
	uint16_t hard_timeout; /* s, 0 = none */
	uint16_t flags;        /* OFPFF_* */
	uint8_t table;         /* table id */
	uint8_t rejected;      /* the switch refused it this attempt */
	int line;              /* line in the flows file, 0 if dumped */
};

/* A set of flows with a hash index on the key. */
struct flowset {
	struct dflow_rec *v; /* flows, in insertion order */
	size_t n;            /* used */
	size_t cap;          /* allocated */
	uint32_t *idx;       /* open addressing: flow index + 1, 0 = empty */
	size_t idx_cap;      /* slots, power of two (0 before the first add) */
};

/* One group. Built with `buckets` decoded; dgroup_finish() packs them
 * into their wire form (bbytes) and frees the decoded ones. */
struct dgroup {
	uint32_t group_id;          /* id */
	uint8_t type;               /* OFPGT_* */
	uint8_t packed;             /* bbytes holds the buckets, `buckets` empty */
	uint32_t blen;              /* bytes in bbytes */
	struct ofp_buckets buckets; /* buckets while built (owned) */
	uint8_t *bbytes;            /* buckets' wire form once packed (owned) */
	char *text;                 /* source line or formatted group (owned) */
	int line;                   /* line in the flows file, 0 if dumped */
	int rejected;               /* the switch refused it this attempt */
	uint64_t unit;              /* unit that built it (incremental rebuilds,
				     * see desired_take_units), 0 = none */
};

struct dmeter {
	uint32_t meter_id;                    /* id */
	uint16_t flags;                       /* OFPMF_* */
	size_t n_bands;                       /* bands used */
	struct ofp_band bands[OFP_MAX_BANDS]; /* bands */
	char *text;                           /* source line (owned) */
	int line;                             /* line, 0 if dumped */
	int rejected;                         /* the switch refused it */
};

struct desired {
	struct flowset flows;   /* flows */
	struct dgroup *groups;  /* groups (array) */
	size_t n_groups;        /* used */
	size_t cap_groups;      /* allocated */
	struct dmeter *meters;  /* meters (array) */
	size_t n_meters;        /* used */
	size_t cap_meters;      /* allocated */
};

void desired_init(struct desired *d);
/* Frees everything; accepts NULL. */
void desired_uninit(struct desired *d);

/* Packs f into the set (f's parts are consumed: its instructions are
 * freed, its text moved; f is zeroed). A flow with the same key replaces
 * the old one. Returns the index, -ENOMEM, or -EINVAL when the
 * instructions cannot be encoded (f is freed either way). */
int flowset_add(struct flowset *s, struct dflow *f);
/* Packs one flow of a switch's flow dump into the set, like flowset_add
 * (no text kept: formatted on demand); its instructions are moved out of
 * fs (fs->insts is left empty). Returns the index or -errno. */
int flowset_add_stats(struct flowset *s, struct ofp_flow_stats *fs);
/* Removes flow i from the set (the last flow takes index i); its record
 * is moved to *out (the caller owns its bytes and text). */
void flowset_remove(struct flowset *s, size_t i, struct dflow_rec *out);
/* Index of the flow with the same key as `key` / as record `r`, or -1. */
int flowset_find(const struct flowset *s, const struct dflow *key);
int flowset_find_rec(const struct flowset *s, const struct dflow_rec *r);
/* Frees f's instructions and text; accepts NULL. */
void dflow_uninit(struct dflow *f);

/* Decoding a record. _match fills m; _insts fills in (caller
 * ofp_instructions_uninit's it); _load fills a whole struct dflow (caller
 * dflow_uninit's it; its text is a copy of r's, or NULL). 0, -ENOMEM or
 * -EINVAL (bytes that do not decode: a bug). */
int dflow_rec_match(const struct dflow_rec *r, struct ofp_match *m);
int dflow_rec_insts(const struct dflow_rec *r, struct ofp_instructions *in);
int dflow_rec_load(const struct dflow_rec *r, struct dflow *f);
/* Canonical instruction text / match text (codec formatter), malloc'ed;
 * NULL on ENOMEM. */
char *dflow_rec_itext(const struct dflow_rec *r);
char *dflow_rec_match_text(const struct dflow_rec *r);
/* r's text, or "table=.. priority=.. cookie=.. MATCH INSTRUCTIONS"
 * formatted (malloc'ed either way); NULL on ENOMEM. */
char *dflow_rec_format(const struct dflow_rec *r);
/* 1 when a and b have the same instructions: equal bytes, or else the
 * same canonical text (a switch may encode equivalent actions otherwise). */
int dflow_rec_same_insts(const struct dflow_rec *a, const struct dflow_rec *b);

/* Appends a zeroed group / meter; NULL on ENOMEM. */
struct dgroup *desired_add_group(struct desired *d);
struct dmeter *desired_add_meter(struct desired *d);
/* Packs g's buckets (wire form into bbytes, the decoded ones freed) once
 * they are all added. 0, -ENOMEM or -EINVAL (not encodable): g is left
 * unpacked then, which the functions below also accept. */
int dgroup_finish(struct dgroup *g);
/* g's buckets decoded into bl (caller dgroup_buckets_uninit's it). 0,
 * -ENOMEM or -EINVAL. */
int dgroup_buckets(const struct dgroup *g, struct ofp_buckets *bl);
void dgroup_buckets_uninit(struct ofp_buckets *bl);
/* Canonical bucket text (weights of select groups, watches of fast
 * failover ones, actions), malloc'ed; NULL on ENOMEM. */
char *dgroup_btext(const struct dgroup *g);
/* A GROUP_MOD for g with `command` (OFPGC_*; buckets unless a delete):
 * msg owns its buckets (ofp_msg_uninit it). 0 or negative errno (msg is
 * left safe to uninit). */
int dgroup_to_group_mod(const struct dgroup *g, uint16_t command, uint32_t xid,
			struct ofp_msg *msg);
/* Trims d's arrays to their size once it is built (it stays usable:
 * later adds grow them again). */
void desired_shrink(struct desired *d);
/* Index of the group/meter with that id, or -1. */
int desired_find_group(const struct desired *d, uint32_t id);
int desired_find_meter(const struct desired *d, uint32_t id);

/* ---- units -------------------------------------------------------------
 * An incremental rebuild replaces the part of a desired state that some
 * units built (a unit: whatever the builder compiles as one piece, e.g. one
 * topology object, named by a 64-bit id). A flow's unit is a function of
 * its cookie (the builder's unit_of); a group records its unit. */
struct unitset {
	uint64_t *v;  /* unit ids, sorted, unique */
	size_t n;     /* used */
	size_t cap;   /* allocated */
	int all;      /* every unit: a full rebuild */
};
/* 1 when unit is in u (always when u->all). */
int unitset_has(const struct unitset *u, uint64_t unit);
/* 0 or -ENOMEM. */
int unitset_add(struct unitset *u, uint64_t unit);
int unitset_merge(struct unitset *dst, const struct unitset *src);
void unitset_clear(struct unitset *u);
/* Frees the ids; accepts NULL. */
void unitset_uninit(struct unitset *u);

/* Moves the flows of d whose unit_of(cookie) is in u, and the groups whose
 * unit is in u, into out (initialised). 0, or -ENOMEM: d has then lost
 * some of them (rebuild it whole). Flow indices in d change. */
int desired_take_units(struct desired *d, const struct unitset *u, uint64_t (*unit_of)(uint64_t),
		       struct desired *out);

/* ---- difference ------------------------------------------------------ */

enum diff_op {
	DIFF_ADD,     /* not on the switch: add */
	DIFF_MODIFY,  /* same key and cookie, other instructions: modify strict */
	DIFF_REPLACE, /* same key, other cookie/timeouts/flags: add over it */
	DIFF_DELETE,  /* on the switch, not desired: delete strict */
};

enum diff_kind { DK_FLOW, DK_GROUP, DK_METER };

struct diff_item {
	enum diff_op op;     /* what to do */
	enum diff_kind kind; /* flow, group or meter */
	int idx;             /* index in `want` (add/modify/replace) or in
			      * `cur` (delete) */
};

struct diff {
	struct diff_item *v; /* items in the order they must be sent */
	size_t n;            /* used */
	size_t cap;          /* allocated */
	size_t n_flow[4];    /* flow items per enum diff_op */
	size_t n_group;      /* group items */
	size_t n_meter;      /* meter items */
};

/* Flows of `cur` whose cookie & keep_mask == keep_cookie (keep_mask != 0)
 * are never deleted (e.g. the learning app's flows). */
struct diff_opts {
	uint64_t keep_cookie; /* cookie value to keep */
	uint64_t keep_mask;   /* 0 = keep nothing */
	int meters_opaque;    /* the switch cannot report meter configs:
			       * re-send (modify) every desired meter it has */
};

/* Computes what turns `cur` into `want`, skipping rejected items of want.
 * Order: meters add/modify, groups add/modify, flow deletes, flow adds/
 * modifies/replaces, group deletes, meter deletes. 0 or -ENOMEM. */
int ctl_diff(const struct desired *cur, const struct desired *want,
	     const struct diff_opts *opts, struct diff *out);
/* The same, looking only at want's flows from index flow_from and groups
 * from group_from on for adds and modifies (the part an incremental
 * rebuild appended; `cur` then holds what it replaced, desired_take_units):
 * deletes are every item of cur that want lacks. */
int ctl_diff_from(const struct desired *cur, const struct desired *want, size_t flow_from,
		  size_t group_from, const struct diff_opts *opts, struct diff *out);
void diff_uninit(struct diff *d);
/* Total flow items. */
size_t diff_flow_count(const struct diff *d);

/* Fills a FLOW_MOD for a flow with `command` (msg is initialised here;
 * its instructions point at f's: do not uninit msg, only discard it). */
void dflow_to_flow_mod(const struct dflow *f, uint8_t command, uint32_t xid, struct ofp_msg *msg);
/* The same from a record: msg owns its decoded instructions (ofp_msg_uninit
 * it). 0, -ENOMEM or -EINVAL (msg is left safe to uninit). */
int dflow_rec_to_flow_mod(const struct dflow_rec *r, uint8_t command, uint32_t xid,
			  struct ofp_msg *msg);
/* The same FLOW_MOD appended to out as wire bytes (ofp_put_flow_mod: the
 * record's instructions copied as they are packed, not decoded), inside
 * in_bundle's ONF bundle add unless NULL. The bytes ofp_encode makes of
 * dflow_rec_to_flow_mod's message. 0, -ENOMEM or -EINVAL. */
int dflow_rec_put_flow_mod(const struct dflow_rec *r, uint8_t command, uint32_t xid,
			   const struct ofp_bundle_add *in_bundle, struct ofpbuf *out);

#endif
