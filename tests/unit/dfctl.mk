# tests/unit/dfctl.mk: unit suite of dfctl's table graph builder
# (hostd/dfctl/graph.c): edges from action text, counts, errors, the text
# and DOT formatters.
unit-srcs-y += tests/unit/test_dfctl_graph.c
unit-libs += dfgraph
