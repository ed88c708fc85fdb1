# hostd/dfctl/dfctl.mk: dfctl, the command-line client of hostd's REST API
# (plain HTTP/1.1 over the Unix socket, jansson for JSON).
progs-y += dfctl
dfctl-srcs-y := hostd/dfctl/dfctl.c hostd/dfctl/cmd_offload.c hostd/dfctl/cmd_flows.c hostd/dfctl/cmd_pipeline.c \
	hostd/dfctl/cmd_firmware.c
dfctl-libs := dfgraph base
dfctl-ldlibs := -ljansson

# dfgraph: the table graph builder of `dfctl pipeline` (pure, unit tested
# in tests/unit/dfctl.mk).
libs-y += dfgraph
dfgraph-srcs-y := hostd/dfctl/graph.c

# libFuzzer target of the graph builder's action text parser (make fuzz).
fuzz-y += dfctl_graph
dfctl_graph-srcs-y := tests/fuzz/dfctl_graph.c
dfctl_graph-libs := dfgraph
