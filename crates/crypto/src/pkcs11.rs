//! The production provider: a root key inside any PKCS#11 token (an HSM, a cloud HSM, a
//! YubiHSM; SoftHSM2 in tests). The key is generated on the token as sensitive and
//! non-extractable, and every wrap and unwrap is an AES-256-GCM operation the token performs:
//! the root key never enters this process.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::mechanism::Mechanism;
use cryptoki::mechanism::aead::GcmParams;
use cryptoki::object::{Attribute, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::types::AuthPin;
use ring::aead::NONCE_LEN;
use zeroize::Zeroizing;

use crate::key::KeyBytes;
use crate::provider::{
    KeyProvider, ProviderError, WRAP_VERSION, WRAPPED_LEN, parse_wrapped, wrap_aad,
};
use crate::random::random_bytes;

/// Where the root key lives on a token. The PIN is passed separately, never stored here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pkcs11Settings {
    pub module: PathBuf,
    pub token_label: String,
    pub key_label: String,
}

/// A token PIN, read from an environment variable or a file; zeroized on drop.
pub struct Pkcs11Pin(Zeroizing<String>);

impl Pkcs11Pin {
    pub fn new(pin: String) -> Result<Self, ProviderError> {
        let pin = Zeroizing::new(pin.trim_end_matches(['\n', '\r']).to_owned());
        if pin.is_empty() {
            return Err(ProviderError::MissingPin);
        }
        Ok(Self(pin))
    }
}

impl fmt::Debug for Pkcs11Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pkcs11Pin(<redacted>)")
    }
}

pub struct Pkcs11Provider {
    // Operations on one session are serialized; a PKCS#11 session is not safe to share.
    session: Mutex<Session>,
    key: ObjectHandle,
    id: String,
}

impl fmt::Debug for Pkcs11Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pkcs11Provider")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

fn pkcs11_error(err: CkError) -> ProviderError {
    ProviderError::Pkcs11(err.to_string())
}

/// A module may be initialized once per process; every provider on it shares the context.
fn context(module: &Path) -> Result<Pkcs11, ProviderError> {
    static CONTEXTS: OnceLock<Mutex<Vec<(PathBuf, Pkcs11)>>> = OnceLock::new();
    let mut contexts = CONTEXTS
        .get_or_init(|| Mutex::new(Vec::new()))
        .lock()
        .map_err(|_| ProviderError::Pkcs11("context lock poisoned".into()))?;
    if let Some((_, ctx)) = contexts.iter().find(|(path, _)| path == module) {
        return Ok(ctx.clone());
    }
    let module_error = |reason: String| ProviderError::Module {
        module: module.display().to_string(),
        reason,
    };
    if !module.is_file() {
        return Err(module_error("no such file".into()));
    }
    let ctx = Pkcs11::new(module).map_err(|e| module_error(e.to_string()))?;
    match ctx.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        Ok(()) | Err(CkError::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
        Err(e) => return Err(module_error(e.to_string())),
    }
    contexts.push((module.to_owned(), ctx.clone()));
    Ok(ctx)
}

fn key_template(label: &str) -> Vec<Attribute> {
    vec![
        Attribute::Class(ObjectClass::SECRET_KEY),
        Attribute::KeyType(KeyType::AES),
        Attribute::Label(label.as_bytes().to_vec()),
    ]
}

impl Pkcs11Provider {
    /// Logs in and finds the root key, which must exist.
    pub fn open(settings: &Pkcs11Settings, pin: &Pkcs11Pin) -> Result<Self, ProviderError> {
        let session = Self::login(settings, pin)?;
        let key = session
            .find_objects(&key_template(&settings.key_label))
            .map_err(pkcs11_error)?
            .into_iter()
            .next()
            .ok_or_else(|| ProviderError::KeyNotFound {
                token: settings.token_label.clone(),
                key: settings.key_label.clone(),
            })?;
        Ok(Self::new(settings, session, key))
    }

    /// Generates the root key on the token if it has none by that label, then opens it.
    /// Returns whether a key was generated.
    pub fn create_or_open(
        settings: &Pkcs11Settings,
        pin: &Pkcs11Pin,
    ) -> Result<(Self, bool), ProviderError> {
        let session = Self::login(settings, pin)?;
        let found = session
            .find_objects(&key_template(&settings.key_label))
            .map_err(pkcs11_error)?;
        if let Some(key) = found.into_iter().next() {
            return Ok((Self::new(settings, session, key), false));
        }
        let mut template = key_template(&settings.key_label);
        template.extend([
            Attribute::ValueLen(32.into()),
            Attribute::Token(true),
            Attribute::Private(true),
            Attribute::Sensitive(true),
            Attribute::Extractable(false),
            Attribute::Encrypt(true),
            Attribute::Decrypt(true),
        ]);
        let key = session
            .generate_key(&Mechanism::AesKeyGen, &template)
            .map_err(pkcs11_error)?;
        Ok((Self::new(settings, session, key), true))
    }

    fn new(settings: &Pkcs11Settings, session: Session, key: ObjectHandle) -> Self {
        Self {
            session: Mutex::new(session),
            key,
            id: format!("pkcs11:{}/{}", settings.token_label, settings.key_label),
        }
    }

    fn login(settings: &Pkcs11Settings, pin: &Pkcs11Pin) -> Result<Session, ProviderError> {
        let ctx = context(&settings.module)?;
        let slots = ctx.get_slots_with_token().map_err(pkcs11_error)?;
        let slot = slots
            .into_iter()
            .find(|slot| {
                ctx.get_token_info(*slot)
                    .is_ok_and(|info| info.label().trim() == settings.token_label)
            })
            .ok_or_else(|| ProviderError::TokenNotFound(settings.token_label.clone()))?;
        let session = ctx.open_rw_session(slot).map_err(pkcs11_error)?;
        let auth = AuthPin::from(pin.0.as_str().to_owned());
        match session.login(UserType::User, Some(&auth)) {
            Ok(()) | Err(CkError::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => Ok(session),
            Err(CkError::Pkcs11(
                RvError::PinIncorrect
                | RvError::PinInvalid
                | RvError::PinLenRange
                | RvError::PinLocked,
                _,
            )) => Err(ProviderError::WrongPin(settings.token_label.clone())),
            Err(e) => Err(pkcs11_error(e)),
        }
    }

    /// Whether the token reports the root key as sensitive and never extractable.
    pub fn key_is_non_extractable(&self) -> Result<bool, ProviderError> {
        use cryptoki::object::AttributeType;
        let session = self
            .session
            .lock()
            .map_err(|_| ProviderError::Pkcs11("session lock poisoned".into()))?;
        let attributes = session
            .get_attributes(
                self.key,
                &[
                    AttributeType::Extractable,
                    AttributeType::Sensitive,
                    AttributeType::NeverExtractable,
                ],
            )
            .map_err(pkcs11_error)?;
        let mut extractable = true;
        let mut sensitive = false;
        let mut never_extractable = false;
        for attribute in attributes {
            match attribute {
                Attribute::Extractable(v) => extractable = v,
                Attribute::Sensitive(v) => sensitive = v,
                Attribute::NeverExtractable(v) => never_extractable = v,
                _ => {}
            }
        }
        Ok(!extractable && sensitive && never_extractable)
    }
}

impl KeyProvider for Pkcs11Provider {
    fn root_key_id(&self) -> &str {
        &self.id
    }

    fn wrap(&self, key: &KeyBytes, context: &[&[u8]]) -> Result<Vec<u8>, ProviderError> {
        let mut nonce = random_bytes::<NONCE_LEN>().map_err(|_| ProviderError::Random)?;
        let aad = wrap_aad(context);
        let sealed = {
            let session = self
                .session
                .lock()
                .map_err(|_| ProviderError::Pkcs11("session lock poisoned".into()))?;
            let params = GcmParams::new(&mut nonce, &aad, 128.into()).map_err(pkcs11_error)?;
            session
                .encrypt(&Mechanism::AesGcm(params), self.key, key.expose())
                .map_err(pkcs11_error)?
        };
        let mut out = Vec::with_capacity(WRAPPED_LEN);
        out.push(WRAP_VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        if out.len() != WRAPPED_LEN {
            return Err(ProviderError::Pkcs11(
                "the token returned a wrapped key of unexpected length".into(),
            ));
        }
        Ok(out)
    }

    fn unwrap(&self, wrapped: &[u8], context: &[&[u8]]) -> Result<KeyBytes, ProviderError> {
        let (mut nonce, sealed) = parse_wrapped(wrapped)?;
        let aad = wrap_aad(context);
        let session = self
            .session
            .lock()
            .map_err(|_| ProviderError::Pkcs11("session lock poisoned".into()))?;
        let params = GcmParams::new(&mut nonce, &aad, 128.into()).map_err(pkcs11_error)?;
        let plain = Zeroizing::new(
            session
                .decrypt(&Mechanism::AesGcm(params), self.key, sealed)
                // The token says only that the tag did not verify; that is all we say too.
                .map_err(|_| ProviderError::Unwrap)?,
        );
        KeyBytes::from_slice(&plain).ok_or(ProviderError::Unwrap)
    }
}
