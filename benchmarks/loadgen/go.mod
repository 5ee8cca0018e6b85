module dorgu.dev/benchmarks/loadgen

go 1.24
