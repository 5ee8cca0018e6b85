"""The testbed: a real Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager)
built from Go modules and started on loopback for tests, demos and benchmarks.

A runtime package (same layer as ``dorgu.operator``): it may do I/O and start processes.
It must not import click or print; the CLI (``dorgu.cli.dev``) and the pytest fixture sit on top.
"""
