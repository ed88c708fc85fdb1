# tests/bench/pipeline_e2e.mk: the pipeline end to end against a real Open
# vSwitch (included from tests/bench/bench.mk): apply of the 10,000-port
# topology -> every flow confirmed, next to flowmod-blast's ceiling in the
# same run, and single port adds -> their flows confirmed. tests/bench/run.sh
# runs it through tests/bench/pipeline_e2e_run.sh (which needs flowmod-blast
# from ofbench.mk); the program is that script's helper
# (tests/bench/gen_topo.c: topology document, OVSDB ports, timed port adds).
bench-y += pipeline_e2e
pipeline_e2e-srcs-y := tests/bench/gen_topo.c
