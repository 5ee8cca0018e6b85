"""Deployment descriptions already in the repository as evidence: Kubernetes manifests,
kustomizations, Helm charts, skaffold.yaml, Procfiles and app.json.

``read_descriptions`` reads them (skipping dorgu's own output), ``apply_descriptions`` applies
what they state to the components they describe.  Pure: texts in (and helm output, rendered
by the services layer), data out.
"""

from dorgu.analysis.descriptors.applying import apply_descriptions
from dorgu.analysis.descriptors.locating import charts_to_render, generated_dirs, wants_descriptor
from dorgu.analysis.descriptors.reading import read_descriptions
from dorgu.analysis.descriptors.records import Described, Descriptions, RenderedChart

__all__ = [
    "Described",
    "Descriptions",
    "RenderedChart",
    "apply_descriptions",
    "charts_to_render",
    "generated_dirs",
    "read_descriptions",
    "wants_descriptor",
]
