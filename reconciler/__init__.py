"""reconciler: GitOps for contact-center outbound dialers."""

__version__ = "0.1.0"
