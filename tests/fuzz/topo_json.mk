# tests/fuzz/topo_json.mk: libFuzzer target of the topology input path
# (hostd/topo/topo_json.c): bodies parsed as the REST API does, decoded as
# every kind; what decodes must encode and store back to the same
# document. Seeds in tests/fuzz/corpus/topo_json/: an apply document, one
# body of each kind, stored documents, and refused ones (duplicate key,
# invalid UTF-8, lone surrogate, deep nesting, a 2^53 datapath id).
fuzz-y += topo_json
topo_json-srcs-y := tests/fuzz/topo_json.c
topo_json-libs := topo base
topo_json-ldlibs := -lcjson -ljansson
