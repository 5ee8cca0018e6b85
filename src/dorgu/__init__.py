"""dorgu: an agentic layer for Kubernetes that understands applications.

The package is layered (see ARCHITECTURE in the docs): ``models`` and ``errors`` at the bottom,
pure ``analysis``/``settings`` above, ``services`` doing I/O, and ``cli`` on top.
"""

__version__ = "0.1.0"
