"""LWA client secret rotation (issue 18 item 2; docs/operations.md, "Client secret rotation").

`rotation.check_rotation` is the daily job: it measures the secret's age, and past `rotate_after_days` (no rotation in
flight) calls rotateApplicationClientSecret. `new_secret.handle_credential_notification` consumes Amazon's answer on
the rotation queue: APPLICATION_OAUTH_CLIENT_NEW_SECRET becomes a new version of the LWA secret (the old secret kept
as `previous_client_secret` until its expiry), APPLICATION_OAUTH_CLIENT_SECRET_EXPIRY is recorded on the status item.
No secret value reaches a log line, an exception message, the status item or a metric.
"""
