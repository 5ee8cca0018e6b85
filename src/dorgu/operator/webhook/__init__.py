"""The ``validate-deployment.dorgu.io`` admission webhook, served by every operator replica.

- ``reviews``: AdmissionReview v1 parsing and responses (pure, hostile input tolerated);
- ``handling``: the decision for one review from the in-memory caches (pure CPU, no API
  calls, never raises: internal errors admit);
- ``serving``: the HTTPS server (aiohttp);
- ``certificates``: CA and serving certificate, stored in a Secret, rotated before expiry;
- ``certmanager``: or the serving certificate a cert-manager Certificate writes (read only);
- ``provisioning``: picks the source (``--certificates``), loads and reloads the TLS context;
- ``configuring``: the ValidatingWebhookConfiguration the operator manages.
"""
