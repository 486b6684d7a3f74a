"""Benchmarks: CPU figures for the reference pipeline, one case per adapter, the whole run and its
growth, each against an anchor measured in the same run. Run `tox -e bench` or `python -m bench`."""
