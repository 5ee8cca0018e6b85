"""Deployment descriptions already in the repository as evidence: Kubernetes manifests,
kustomizations, Helm charts, skaffold.yaml, Procfiles and app.json.

``reading.read_descriptions`` reads them (skipping dorgu's own output),
``applying.apply_descriptions`` applies what they state to the components they describe,
``locating`` decides from paths alone (cheap, imported eagerly; the rest is imported only for
trees that hold descriptions).  Pure: texts in (and helm output, rendered by the services
layer), data out.
"""
