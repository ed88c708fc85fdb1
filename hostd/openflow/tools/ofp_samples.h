/* hostd/openflow/tools/ofp_samples.h: a catalogue of sample messages built
 * through the codec API (one per message family and feature: the L3 and
 * ARP responder flows of the pipeline, Nicira actions, groups, meters,
 * multiparts, bundles, switch-side messages...). Shared by the
 * ofp-encode-samples program (cross-check with ovs-ofctl), the unit tests
 * (round trips) and the generation of the fuzz seed corpus. */
#ifndef DFNIC_OFP_SAMPLES_H
#define DFNIC_OFP_SAMPLES_H

#include "hostd/openflow/ofp.h"

struct ofp_sample {
	const char *name;                  /* stable identifier */
	void (*build)(struct ofp_msg *msg); /* fills an uninitialised msg */
};

extern const struct ofp_sample ofp_samples[];
extern const size_t ofp_n_samples;

#endif
