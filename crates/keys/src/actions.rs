//! What the keyring records in the audit log: rotations and crypto-shredding.

use leadvault_audit::Action;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyAction {
    KeyRootRotated,
    KeyShredded,
    KeyTenantRotated,
}

impl Action for KeyAction {
    fn name(self) -> &'static str {
        match self {
            Self::KeyRootRotated => "key.root_rotated",
            Self::KeyShredded => "key.shredded",
            Self::KeyTenantRotated => "key.tenant_rotated",
        }
    }
}
