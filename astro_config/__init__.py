"""astro-config: DAG-only deploy configuration for Astronomer Software Helm values files."""

# A literal (read by hatchling at build time): importlib.metadata would cost ~0.1 s at every start.
__version__ = "0.1.0"
