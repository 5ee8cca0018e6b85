"""The live channel between the CLI and the operator: a TLS WebSocket endpoint that streams
persona events (phase, validation, Argo CD, anomalies, recommendations, rollbacks, incidents)
to authenticated, authorised watchers, with resume tokens.

``summaries`` turns objects into compact summaries and changes into events; ``hub`` keeps the
bounded history and fans events out; ``auth`` authenticates (TokenReview, client certificates
against the cluster's client CA) and authorises (SubjectAccessReview); ``server`` serves it.
"""
