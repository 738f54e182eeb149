//! Passwords: the policy a new one must meet, and Argon2id hashing on a bounded pool.

use std::fmt;
use std::sync::Arc;

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use leadvault_crypto::{random_bytes, to_hex};
use tokio::sync::{OnceCell, Semaphore};
use zeroize::Zeroizing;

use crate::common_passwords::is_common;
use crate::error::AccountsError;

const MIN_CHARS: usize = 12;
// Long enough for any passphrase, short enough that hashing cost stays bounded.
const MAX_BYTES: usize = 1024;

/// A password offered by a person. Zeroized on drop; never printed.
pub struct Password(Zeroizing<String>);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PasswordError {
    #[error("use at least {MIN_CHARS} characters; a few words make a good password")]
    TooShort,
    #[error("a password has at most {MAX_BYTES} bytes")]
    TooLong,
    #[error("this password appears in lists of breached passwords; choose another")]
    Common,
}

impl Password {
    /// Accepts a new password that meets the length policy (NIST 800-63B: length, not
    /// composition rules).
    pub fn new(input: String) -> Result<Self, PasswordError> {
        let input = Zeroizing::new(input);
        if input.len() > MAX_BYTES {
            return Err(PasswordError::TooLong);
        }
        if input.chars().count() < MIN_CHARS {
            return Err(PasswordError::TooShort);
        }
        if is_common(&input) {
            return Err(PasswordError::Common);
        }
        Ok(Self(input))
    }

    /// A password typed to sign in or to confirm an action: only the size is bounded (so
    /// hashing stays cheap); whether it is right is for [`PasswordHasher::verify`] to say.
    pub fn offered(input: String) -> Result<Self, PasswordError> {
        let input = Zeroizing::new(input);
        if input.len() > MAX_BYTES {
            return Err(PasswordError::TooLong);
        }
        Ok(Self(input))
    }

    fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// Argon2id with OWASP's recommended minimum (19 MiB, 2 passes, 1 lane).
fn argon2() -> Result<Argon2<'static>, AccountsError> {
    let params = Params::new(19 * 1024, 2, 1, None).map_err(|_| AccountsError::Hashing)?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashes and verifies passwords on blocking threads, at most `parallelism` at a time, so a
/// burst of logins cannot starve the async runtime or exhaust memory (each hash uses 19 MiB).
#[derive(Debug, Clone)]
pub struct PasswordHasher {
    permits: Arc<Semaphore>,
    /// A hash of a random password, verified against when the account does not exist, so
    /// that an unknown e-mail address takes as long to refuse as a wrong password.
    dummy: Arc<OnceCell<String>>,
}

impl PasswordHasher {
    pub fn new(parallelism: usize) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(parallelism.max(1))),
            dummy: Arc::new(OnceCell::new()),
        }
    }

    /// A PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`) with a fresh random salt.
    pub async fn hash(&self, password: Password) -> Result<String, AccountsError> {
        let salt = random_bytes::<16>()?;
        self.run(move || {
            let salt = SaltString::encode_b64(&salt).map_err(|_| AccountsError::Hashing)?;
            argon2()?
                .hash_password(password.expose().as_bytes(), &salt)
                .map(|hash| hash.to_string())
                .map_err(|_| AccountsError::Hashing)
        })
        .await
    }

    /// Whether `candidate` matches `phc`; the comparison inside is constant-time.
    pub async fn verify(&self, candidate: Password, phc: String) -> Result<bool, AccountsError> {
        self.run(move || {
            let parsed = PasswordHash::new(&phc).map_err(|_| AccountsError::Hashing)?;
            Ok(argon2()?
                .verify_password(candidate.expose().as_bytes(), &parsed)
                .is_ok())
        })
        .await
    }

    /// Spends the same work as [`Self::verify`] and always answers `false`.
    pub async fn verify_nobody(&self, candidate: Password) -> Result<bool, AccountsError> {
        let dummy = self
            .dummy
            .get_or_try_init(|| async {
                let random = random_bytes::<32>()?;
                let filler = to_hex(&random);
                self.hash(Password(Zeroizing::new(filler))).await
            })
            .await?
            .clone();
        self.verify(candidate, dummy).await?;
        Ok(false)
    }

    async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> Result<T, AccountsError> + Send + 'static,
    ) -> Result<T, AccountsError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| AccountsError::Hashing)?;
        tokio::task::spawn_blocking(job)
            .await
            .map_err(|_| AccountsError::Hashing)?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pw(s: &str) -> Result<Password, PasswordError> {
        Password::new(s.to_owned())
    }

    #[test]
    fn length_is_the_rule() {
        assert_eq!(pw("elevenchars").err(), Some(PasswordError::TooShort));
        assert!(pw("twelve chars").is_ok());
        // Characters, not bytes: twelve accented letters pass.
        assert!(pw("éééééééééééé").is_ok());
        assert_eq!(pw(&"a".repeat(1025)).err(), Some(PasswordError::TooLong));
    }

    #[test]
    fn breached_passwords_are_refused_whatever_their_length() {
        assert_eq!(pw("1qaz2wsx3edc").err(), Some(PasswordError::Common));
        assert_eq!(pw("QWERTY123456").err(), Some(PasswordError::Common));
        // Signing in with one is still possible: the list only guards new passwords.
        assert!(Password::offered("1qaz2wsx3edc".to_owned()).is_ok());
        assert!(Password::offered(String::new()).is_ok());
    }

    #[tokio::test]
    async fn nobody_never_matches() -> Result<(), Box<dyn std::error::Error>> {
        let hasher = PasswordHasher::new(1);
        assert!(!hasher.verify_nobody(pw("correct horse battery")?).await?);
        assert!(!hasher.verify_nobody(pw("correct horse battery")?).await?);
        Ok(())
    }

    #[tokio::test]
    async fn hashes_verify_only_the_right_password() -> Result<(), Box<dyn std::error::Error>> {
        let hasher = PasswordHasher::new(2);
        let phc = hasher.hash(pw("correct horse battery")?).await?;
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(
            hasher
                .verify(pw("correct horse battery")?, phc.clone())
                .await?
        );
        assert!(
            !hasher
                .verify(pw("correct horse battery!")?, phc.clone())
                .await?
        );
        let again = hasher.hash(pw("correct horse battery")?).await?;
        assert_ne!(phc, again, "each hash has its own salt");
        Ok(())
    }

    #[test]
    fn debug_output_reveals_nothing() -> Result<(), PasswordError> {
        assert_eq!(
            format!("{:?}", pw("hunter2hunter2")?),
            "Password(<redacted>)"
        );
        Ok(())
    }
}
