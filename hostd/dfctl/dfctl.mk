# hostd/dfctl/dfctl.mk: dfctl, the command-line client of hostd's REST API
# (plain HTTP/1.1 over the Unix socket, jansson for JSON).
progs-y += dfctl
dfctl-srcs-y := hostd/dfctl/dfctl.c hostd/dfctl/cmd_offload.c
dfctl-libs := base
dfctl-ldlibs := -ljansson
