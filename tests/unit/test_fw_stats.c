/* tests/unit/test_fw_stats.c: the statistics reports the firmware sends
 * hostd (`dfctl offload --stats`): the record codec of
 * drivers/mbox/objects.c (golden text, round trip, one case per decode
 * error with its message) and hostd/offload's assembly of a report
 * (published on a matching STATS_END only; a cut or corrupt report is
 * dropped and the previous one kept). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/mbox/objects.h"
#include "hostd/nic.h"
#include "hostd/offload/offload.h"
#include "hostd/topo/topo.h"
#include "tests/unit/unit.h"

static char err[160];

static void test_golden_rule(void)
{
	static const char want[] = "kind=6 obj=12 rule=0 group=2 hits=5 bytes=490 "
				   "what=l3 host 10.0.2.20/32 router 1 -> port 2";
	struct mbox_stats_rec in = { .kind = MBOX_RULE_STATS, .v = { 6, 12, 0, 2, 5, 490 } }, out;
	mbox_stats_set_text(&in, "l3 host 10.0.2.20/32 router 1 -> port 2");
	char buf[256];
	int n = mbox_encode_stats(&in, buf, sizeof(buf));
	CU_ASSERT_EQUAL(n, (int)strlen(want));
	CU_ASSERT(n > 0 && !memcmp(buf, want, (size_t)n));
	CU_ASSERT_EQUAL(mbox_encode_stats(&in, buf, 20), -EMSGSIZE);
	CU_ASSERT_EQUAL(mbox_decode_stats(MBOX_RULE_STATS, (const uint8_t *)want, strlen(want), &out,
					  err, sizeof(err)), 0);
	CU_ASSERT(!memcmp(out.v, in.v, sizeof(in.v)));
	CU_ASSERT_STRING_EQUAL(out.text, in.text);
	/* a value above its field's maximum is not encoded */
	in.v[0] = 0x10000;
	CU_ASSERT_EQUAL(mbox_encode_stats(&in, buf, sizeof(buf)), -EINVAL);
	/* text is sanitised and cut by set_text */
	char longtext[200];
	memset(longtext, 'x', sizeof(longtext) - 1);
	longtext[sizeof(longtext) - 1] = '\0';
	longtext[3] = '\n';
	mbox_stats_set_text(&in, longtext);
	CU_ASSERT_EQUAL(strlen(in.text), MBOX_STATS_TEXT_MAX);
	CU_ASSERT_EQUAL(in.text[3], '?');
}

static void test_kinds(void)
{
	CU_ASSERT_STRING_EQUAL(mbox_stats_kind_name(MBOX_PORT_STATS), "PORT_STATS");
	CU_ASSERT_PTR_NULL(mbox_stats_kind_name(MBOX_OBJ_NIC_PORT));
	CU_ASSERT_EQUAL(mbox_stats_nfields(MBOX_RULE_STATS), 6);
	CU_ASSERT_EQUAL(mbox_stats_nfields(MBOX_PORT_STATS), 7);
	CU_ASSERT_EQUAL(mbox_stats_nfields(MBOX_NETIF_STATS), 7);
	CU_ASSERT_EQUAL(mbox_stats_nfields(MBOX_STATS_END), 4);
	CU_ASSERT_STRING_EQUAL(mbox_stats_field_name(MBOX_PORT_STATS, 4), "to_ovs");
	CU_ASSERT_PTR_NULL(mbox_stats_field_name(MBOX_PORT_STATS, 7));
	CU_ASSERT_PTR_NULL(mbox_stats_text_name(MBOX_STATS_END));
	/* statistics kinds are not mirror objects */
	CU_ASSERT_EQUAL(mbox_obj_check(MBOX_RULE_STATS, (const uint8_t *)"", 0, err, sizeof(err)),
			-EOPNOTSUPP);
	struct mbox_stats_rec r;
	CU_ASSERT_EQUAL(mbox_decode_stats(MBOX_OBJ_NIC_PORT, (const uint8_t *)"x", 1, &r, err,
					  sizeof(err)), -EOPNOTSUPP);
	CU_ASSERT_STRING_EQUAL(err, "kind 0x2 is not a statistics kind");
}

static void bad(unsigned kind, const char *body, const char *msg)
{
	struct mbox_stats_rec r;
	CU_ASSERT_EQUAL(mbox_decode_stats(kind, (const uint8_t *)body, strlen(body), &r, err,
					  sizeof(err)), -EBADMSG);
	CU_ASSERT_STRING_EQUAL(err, msg);
}

static void test_decode_errors(void)
{
	bad(MBOX_STATS_END, "", "STATS_END: field 0 must be 'records=' (byte 0)");
	bad(MBOX_STATS_END, "records=1 rules=2 omitted=0",
	    "STATS_END: no space before field uptime_ms at byte 27");
	bad(MBOX_STATS_END, "records=1 rulez=2 omitted=0 uptime_ms=1",
	    "STATS_END: field 1 must be 'rules=' (byte 10)");
	bad(MBOX_STATS_END, "records=x rules=2 omitted=0 uptime_ms=1",
	    "STATS_END: records is not a decimal number (byte 8)");
	bad(MBOX_STATS_END, "records=01 rules=2 omitted=0 uptime_ms=1",
	    "STATS_END: records has a leading zero");
	bad(MBOX_STATS_END, "records=4294967296 rules=2 omitted=0 uptime_ms=1",
	    "STATS_END: records=4294967296 is above its maximum 4294967295");
	bad(MBOX_STATS_END, "records=1 rules=2 omitted=0 uptime_ms=18446744073709551616",
	    "STATS_END: uptime_ms overflows 64 bits");
	bad(MBOX_STATS_END, "records=1 rules=2 omitted=0 uptime_ms=1 ",
	    "STATS_END: 1 trailing byte(s) after the last field");
	bad(MBOX_PORT_STATS, "rx=1 tx=2 offloaded=3 trapped=4 to_ovs=5 from_ovs=6 dropped=7",
	    "PORT_STATS: text field must be ' name=' (byte 61)");
	bad(MBOX_PORT_STATS, "rx=1 tx=2 offloaded=3 trapped=4 to_ovs=5 from_ovs=6 dropped=7 name=a\tb",
	    "PORT_STATS: name has a non-printable byte 0x9 at 68");
	char big[300];
	int n = snprintf(big, sizeof(big), "router=1 ip=2 arp_in=0 arp_out=0 echo_in=0 echo_out=0 "
				"dropped=0 name=");
	memset(big + n, 'n', 81);
	big[n + 81] = '\0';
	bad(MBOX_NETIF_STATS, big, "NETIF_STATS: name is 81 bytes, at most 80");
}

static void test_round_trip_all(void)
{
	static const unsigned kinds[] = { MBOX_RULE_STATS, MBOX_PORT_STATS, MBOX_NETIF_STATS,
					  MBOX_STATS_END };
	for (unsigned k = 0; k < 4; k++) {
		struct mbox_stats_rec in = { .kind = (uint16_t)kinds[k] }, out;
		for (unsigned i = 0; i < mbox_stats_nfields(kinds[k]); i++)
			in.v[i] = i * 1000 + 7;
		if (mbox_stats_text_name(kinds[k]))
			mbox_stats_set_text(&in, "name with spaces = and signs");
		char buf[300];
		int len = mbox_encode_stats(&in, buf, sizeof(buf));
		CU_ASSERT_FATAL(len > 0);
		CU_ASSERT_EQUAL(mbox_decode_stats(kinds[k], (const uint8_t *)buf, (size_t)len, &out,
						  err, sizeof(err)), 0);
		CU_ASSERT(!memcmp(in.v, out.v, sizeof(in.v)));
		CU_ASSERT_STRING_EQUAL(in.text, out.text);
	}
}

/* Feed one record to hostd's report assembly. */
static int feed(struct hostd_offload *o, const struct mbox_stats_rec *r, uint32_t id, uint16_t gen)
{
	char buf[300];
	int len = mbox_encode_stats(r, buf, sizeof(buf));
	CU_ASSERT_FATAL(len > 0);
	return hostd_offload_stats_record(o, r->kind, id, gen, (const uint8_t *)buf, (size_t)len);
}

static void test_hostd_assembly(void)
{
	struct topo *t = topo_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	struct hostd_offload *o;
	CU_ASSERT_EQUAL_FATAL(hostd_offload_create(t, "c1", &o), 0);
	struct hoff_stats s;
	CU_ASSERT_EQUAL(hostd_offload_stats_snapshot(o, &s), 0);
	CU_ASSERT_EQUAL(s.received_ms, 0); /* nothing yet */
	free(s.v);
	struct mbox_stats_rec port = { .kind = MBOX_PORT_STATS, .v = { 10, 9, 8, 1, 1, 0, 0 } };
	mbox_stats_set_text(&port, "vma-c1");
	struct mbox_stats_rec end = { .kind = MBOX_STATS_END, .v = { 1, 0, 0, 500 } };
	/* generation 1: one port record, then its end */
	CU_ASSERT_EQUAL(feed(o, &port, 0, 1), 0);
	CU_ASSERT_EQUAL(feed(o, &end, 0, 1), 1);
	CU_ASSERT_EQUAL(hostd_offload_stats_snapshot(o, &s), 0);
	CU_ASSERT(s.received_ms > 0);
	CU_ASSERT_EQUAL(s.gen, 1);
	CU_ASSERT_EQUAL_FATAL(s.n_recs, 1);
	CU_ASSERT_EQUAL(s.v[0].r.v[0], 10);
	CU_ASSERT_STRING_EQUAL(s.v[0].r.text, "vma-c1");
	free(s.v);
	/* generation 2 cut short (the end announces 2 records): dropped, 1 kept */
	port.v[0] = 20;
	CU_ASSERT_EQUAL(feed(o, &port, 0, 2), 0);
	end.v[0] = 2;
	CU_ASSERT_EQUAL(feed(o, &end, 0, 2), -EPROTO);
	/* generation 3 starts while 2 is open: 2's record does not count */
	CU_ASSERT_EQUAL(feed(o, &port, 0, 2), 0);
	port.v[0] = 30;
	CU_ASSERT_EQUAL(feed(o, &port, 0, 3), 0);
	/* a corrupt record spoils its report */
	CU_ASSERT_EQUAL(hostd_offload_stats_record(o, MBOX_PORT_STATS, 1, 3,
						   (const uint8_t *)"rx=1", 4), -EBADMSG);
	end.v[0] = 1;
	CU_ASSERT_EQUAL(feed(o, &end, 0, 3), -EPROTO);
	CU_ASSERT_EQUAL(hostd_offload_stats_snapshot(o, &s), 0);
	CU_ASSERT_EQUAL(s.gen, 1);
	CU_ASSERT_EQUAL(s.v[0].r.v[0], 10);
	free(s.v);
	/* generation 4 complete: published */
	port.v[0] = 40;
	CU_ASSERT_EQUAL(feed(o, &port, 0, 4), 0);
	CU_ASSERT_EQUAL(feed(o, &end, 0, 4), 1);
	CU_ASSERT_EQUAL(hostd_offload_stats_snapshot(o, &s), 0);
	CU_ASSERT_EQUAL(s.gen, 4);
	CU_ASSERT_EQUAL(s.v[0].r.v[0], 40);
	free(s.v);
	/* statuses for a statistics kind go through the NIC source as well */
	const struct hostd_nic_source *src = hostd_offload_source(o);
	char body[300];
	port.v[0] = 50;
	int len = mbox_encode_stats(&port, body, sizeof(body));
	src->status(src->arg, MBOX_PORT_STATS, 0, 5, body, (size_t)len);
	len = mbox_encode_stats(&end, body, sizeof(body));
	src->status(src->arg, MBOX_STATS_END, 0, 5, body, (size_t)len);
	CU_ASSERT_EQUAL(hostd_offload_stats_snapshot(o, &s), 0);
	CU_ASSERT_EQUAL(s.gen, 5);
	CU_ASSERT_EQUAL(s.v[0].r.v[0], 50);
	free(s.v);
	char why[200];
	hostd_offload_why(o, why, sizeof(why));
	CU_ASSERT_STRING_EQUAL(why, "no NIC has answered yet: nothing is offloaded, OVS forwards "
				    "all traffic");
	hostd_offload_destroy(o);
	topo_destroy(t);
}

UNIT_SUITE(fw_stats, NULL, NULL, UNIT_TEST(test_golden_rule), UNIT_TEST(test_kinds),
	   UNIT_TEST(test_decode_errors), UNIT_TEST(test_round_trip_all),
	   UNIT_TEST(test_hostd_assembly));
