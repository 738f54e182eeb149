//! The PKCS#11 key provider against SoftHSM2, through the real PKCS#11 interface.

use leadvault_crypto::{
    KeyBytes, KeyProvider, LocalKeyFile, LocalProvider, Pkcs11Pin, Pkcs11Provider, Pkcs11Settings,
    ProviderError,
};
use leadvault_test_support::{SoftHsmToken, softhsm_token};

const KEY_REF: leadvault_crypto::KeyRef = leadvault_crypto::KeyRef {
    id: [1; 16],
    version: 1,
};

fn settings(token: &SoftHsmToken, key_label: &str) -> Pkcs11Settings {
    Pkcs11Settings {
        module: token.module.clone(),
        token_label: token.token_label.clone(),
        key_label: key_label.to_owned(),
    }
}

fn pin(token: &SoftHsmToken) -> Pkcs11Pin {
    Pkcs11Pin::new(token.pin.clone()).unwrap()
}

#[test]
fn the_root_key_is_made_on_the_token_non_extractable_and_wraps_inside_it() {
    let Some(token) = softhsm_token(concat!(
        module_path!(),
        "::the_root_key_is_made_on_the_token_non_extractable_and_wraps_inside_it"
    )) else {
        return;
    };
    let root_one = settings(&token, "leadvault-root-1");
    let (provider, created) = Pkcs11Provider::create_or_open(&root_one, &pin(&token)).unwrap();
    assert!(created);
    assert!(
        provider.key_is_non_extractable().unwrap(),
        "sensitive, never extractable"
    );
    assert_eq!(
        provider.root_key_id(),
        "pkcs11:leadvault-test/leadvault-root-1"
    );

    let tenant = KeyBytes::generate().unwrap();
    let ctx: &[&[u8]] = &[b"org-1", b"1"];
    let wrapped = provider.wrap(&tenant, ctx).unwrap();
    assert_eq!(wrapped.len(), 1 + 12 + 32 + 16);

    // A second login (as a restarted process would) finds the same key and unwraps.
    let (again, created) = Pkcs11Provider::create_or_open(&root_one, &pin(&token)).unwrap();
    assert!(!created);
    let unwrapped = again.unwrap(&wrapped, ctx).unwrap();
    // The unwrapped key is the same key: it opens what the original sealed.
    let sealed = leadvault_crypto::encrypt_field(&tenant, KEY_REF, field(), b"same key").unwrap();
    assert_eq!(
        leadvault_crypto::decrypt_field(&unwrapped, field(), &sealed)
            .unwrap()
            .as_slice(),
        b"same key"
    );

    // Bound to its context, and tamper-evident.
    assert!(matches!(
        again.unwrap(&wrapped, &[b"org-2", b"1"]),
        Err(ProviderError::Unwrap)
    ));
    let mut bent = wrapped.clone();
    bent[20] ^= 1;
    assert!(matches!(
        again.unwrap(&bent, ctx),
        Err(ProviderError::Unwrap)
    ));

    // Another root key on the same token cannot unwrap it.
    let (other, _) =
        Pkcs11Provider::create_or_open(&settings(&token, "leadvault-root-2"), &pin(&token))
            .unwrap();
    assert!(matches!(
        other.unwrap(&wrapped, ctx),
        Err(ProviderError::Unwrap)
    ));
}

#[test]
fn misconfiguration_is_named_precisely() {
    let Some(token) = softhsm_token(concat!(
        module_path!(),
        "::misconfiguration_is_named_precisely"
    )) else {
        return;
    };
    let good = settings(&token, "leadvault-root-1");
    Pkcs11Provider::create_or_open(&good, &pin(&token)).unwrap();

    let wrong_pin = Pkcs11Pin::new("not-the-pin".into()).unwrap();
    let err = Pkcs11Provider::open(&good, &wrong_pin).unwrap_err();
    assert!(matches!(err, ProviderError::WrongPin(_)), "{err}");

    let err = Pkcs11Provider::open(
        &Pkcs11Settings {
            key_label: "no-such-key".into(),
            ..good.clone()
        },
        &pin(&token),
    )
    .unwrap_err();
    assert!(matches!(err, ProviderError::KeyNotFound { .. }), "{err}");
    assert!(err.to_string().contains("no-such-key"));

    let err = Pkcs11Provider::open(
        &Pkcs11Settings {
            token_label: "no-such-token".into(),
            ..good.clone()
        },
        &pin(&token),
    )
    .unwrap_err();
    assert!(
        matches!(err, ProviderError::TokenNotFound(ref t) if t == "no-such-token"),
        "{err}"
    );

    let err = Pkcs11Provider::open(
        &Pkcs11Settings {
            module: "/nonexistent/libpkcs11.so".into(),
            ..good.clone()
        },
        &pin(&token),
    )
    .unwrap_err();
    assert!(
        matches!(err, ProviderError::Module { .. })
            && err.to_string().contains("/nonexistent/libpkcs11.so"),
        "{err}"
    );

    assert!(matches!(
        Pkcs11Pin::new(String::new()),
        Err(ProviderError::MissingPin)
    ));
    assert_eq!(format!("{:?}", pin(&token)), "Pkcs11Pin(<redacted>)");
}

#[test]
fn a_tenant_key_moves_from_the_local_key_file_to_the_hsm() {
    let Some(token) = softhsm_token(concat!(
        module_path!(),
        "::a_tenant_key_moves_from_the_local_key_file_to_the_hsm"
    )) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = LocalKeyFile::new(dir.path().join("root.key"));
    file.load_or_create().unwrap();
    let local = LocalProvider::open(&file).unwrap();
    let (hsm, _) =
        Pkcs11Provider::create_or_open(&settings(&token, "leadvault-root-1"), &pin(&token))
            .unwrap();

    let tenant = KeyBytes::generate().unwrap();
    let ctx: &[&[u8]] = &[b"org-9", b"1"];
    let under_local = local.wrap(&tenant, ctx).unwrap();
    // Re-wrapping: unwrap with the old root, wrap with the new; the tenant key is unchanged.
    let under_hsm = hsm
        .wrap(&local.unwrap(&under_local, ctx).unwrap(), ctx)
        .unwrap();
    let sealed = leadvault_crypto::encrypt_field(&tenant, KEY_REF, field(), b"kept").unwrap();
    let back = hsm.unwrap(&under_hsm, ctx).unwrap();
    assert_eq!(
        leadvault_crypto::decrypt_field(&back, field(), &sealed)
            .unwrap()
            .as_slice(),
        b"kept"
    );
    assert!(
        local.unwrap(&under_hsm, ctx).is_err(),
        "the old root no longer opens it"
    );
}

fn field() -> leadvault_crypto::FieldContext<'static> {
    leadvault_crypto::FieldContext {
        org_id: "org-1",
        table: "leads",
        record_id: "r1",
        field: "phone",
    }
}
