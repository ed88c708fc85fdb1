/* hostd/pipeline/pl_ctl.h: plugs the pipeline into hostd's OpenFlow
 * controller (hostd/controller/provider.h): each switch's desired state is
 * compiled from the topology for the chassis whose datapath id it has,
 * its packet-ins go to pipeline_packet_in(), and every committed topology
 * change triggers a rebuild and convergence of every connected switch. */
#ifndef DFNIC_HOSTD_PIPELINE_CTL_H
#define DFNIC_HOSTD_PIPELINE_CTL_H

#include "hostd/pipeline/pipeline.h"

struct ctl;
struct pl_glue;

/* Installs the pipeline as c's provider for topology t (both outlive the
 * glue). 0 or -errno. */
int pipeline_attach(struct ctl *c, struct topo *t, const struct pl_cfg *cfg,
		    struct pl_glue **out);
/* Unsubscribes from the topology and frees; accepts NULL. Call before
 * ctl_destroy(). */
void pipeline_detach(struct pl_glue *g);

#endif
