# tests/bench/pipeline.mk: the pipeline compiler benchmark (included from
# tests/bench/bench.mk): compile time, flow count and memory per port for
# the generated 10,000-port topology, and hostd's RSS per port with it
# applied through its API (tests/bench/pipeline_bench.c says how).
bench-y += pipeline-bench
pipeline-bench-srcs-y := tests/bench/pipeline_bench.c
pipeline-bench-libs := pipeline topo ctl ofp base
pipeline-bench-ldlibs := -lcjson -ljansson
