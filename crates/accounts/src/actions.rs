//! What accounts records in the audit log: sign-ins, second factors, sessions, passwords,
//! e-mail changes, invitations, members, sites and organizations.

use leadvault_audit::Action;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountAction {
    AccessReviewReminded,
    EmailChangeRequested,
    EmailChanged,
    InvitationAccepted,
    InvitationCreated,
    InvitationRevoked,
    MemberGrantChanged,
    MemberRemoved,
    OrganizationCreated,
    PasswordChanged,
    PasswordReset,
    PasswordResetRequested,
    ReauthPassword,
    SecondFactorEnrolled,
    SecondFactorRecoveryCodesReplaced,
    SecondFactorRemoved,
    SessionRevoked,
    SessionRevokedOthers,
    SessionSignedOut,
    SignInPassword,
    SignInSecondFactor,
    SiteAdded,
    SitePrivacyChanged,
    SiteRemoved,
}

impl Action for AccountAction {
    fn name(self) -> &'static str {
        match self {
            Self::AccessReviewReminded => "access_review.reminded",
            Self::EmailChangeRequested => "email.change_requested",
            Self::EmailChanged => "email.changed",
            Self::InvitationAccepted => "invitation.accepted",
            Self::InvitationCreated => "invitation.created",
            Self::InvitationRevoked => "invitation.revoked",
            Self::MemberGrantChanged => "member.grant_changed",
            Self::MemberRemoved => "member.removed",
            Self::OrganizationCreated => "organization.created",
            Self::PasswordChanged => "password.changed",
            Self::PasswordReset => "password.reset",
            Self::PasswordResetRequested => "password.reset_requested",
            Self::ReauthPassword => "reauth.password",
            Self::SecondFactorEnrolled => "second_factor.enrolled",
            Self::SecondFactorRecoveryCodesReplaced => "second_factor.recovery_codes_replaced",
            Self::SecondFactorRemoved => "second_factor.removed",
            Self::SessionRevoked => "session.revoked",
            Self::SessionRevokedOthers => "session.revoked_others",
            Self::SessionSignedOut => "session.signed_out",
            Self::SignInPassword => "sign_in.password",
            Self::SignInSecondFactor => "sign_in.second_factor",
            Self::SiteAdded => "site.added",
            Self::SitePrivacyChanged => "site.privacy_changed",
            Self::SiteRemoved => "site.removed",
        }
    }
}
