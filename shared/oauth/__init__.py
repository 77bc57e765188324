"""The OAuth onboarding logic: signed connect invites (the state store is in shared.repositories.oauth_states)."""

from shared.oauth.invites import ExpiredInviteError, InvalidInviteError, Invite, InviteError, sign_invite, verify_invite

__all__ = ["ExpiredInviteError", "InvalidInviteError", "Invite", "InviteError", "sign_invite", "verify_invite"]
