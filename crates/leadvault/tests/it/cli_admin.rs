//! `leadvault admin create-owner`: founding an organization without a browser.

use leadvault_test_support::{LeadvaultProcess, run_leadvault};

use crate::leadvault_bin;

const ARGS: [&str; 7] = [
    "admin",
    "create-owner",
    "--org",
    "Leads Lawyers",
    "--email",
    "Owner@LeadsLawyers.example",
    "--password-stdin",
];

#[tokio::test]
async fn create_owner_reads_the_password_from_stdin_and_closes_setup() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_leadvault(
        leadvault_bin(),
        dir.path(),
        &ARGS,
        &[],
        Some("a very long passphrase indeed\n"),
    )
    .await;
    assert!(out.status.success(), "{}", out.stderr);
    assert!(
        out.stdout
            .contains("Created organization \"Leads Lawyers\""),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("owner@leadslawyers.example"));
    assert!(!out.stdout.contains("passphrase") && !out.stderr.contains("passphrase"));

    // The same e-mail address cannot own a second account.
    let out = run_leadvault(
        leadvault_bin(),
        dir.path(),
        &ARGS,
        &[],
        Some("another long passphrase\n"),
    )
    .await;
    assert!(!out.status.success());
    assert!(out.stderr.contains("already exists"), "{}", out.stderr);

    // An owner exists, so serve prints no setup link.
    let (mut serve, _) = LeadvaultProcess::serving(leadvault_bin(), dir.path(), &[]).await;
    assert!(
        !serve.stdout().contains("setup?token="),
        "{}",
        serve.stdout()
    );
    serve.stop().await;
}

#[tokio::test]
async fn create_owner_closes_a_setup_link_that_is_already_open() {
    let dir = tempfile::tempdir().unwrap();
    let (mut serve, _) = LeadvaultProcess::serving(leadvault_bin(), dir.path(), &[]).await;
    let link = serve.setup_link();
    let client = leadvault_test_support::http_client();
    assert_eq!(client.get(&link).send().await.unwrap().status(), 200);
    let out = run_leadvault(
        leadvault_bin(),
        dir.path(),
        &ARGS,
        &[],
        Some("a very long passphrase indeed\n"),
    )
    .await;
    assert!(out.status.success(), "{}", out.stderr);
    assert_eq!(
        client.get(&link).send().await.unwrap().status(),
        404,
        "the open link is closed"
    );
    serve.stop().await;
}

#[tokio::test]
async fn create_owner_refuses_bad_input_before_touching_anything() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_leadvault(leadvault_bin(), dir.path(), &ARGS, &[], Some("short\n")).await;
    assert!(!out.status.success());
    assert!(
        out.stderr.contains("at least 12 characters"),
        "{}",
        out.stderr
    );
    assert!(!dir.path().join("data").exists(), "nothing was created");

    let mut args = ARGS;
    args[5] = "not-an-email";
    let out = run_leadvault(
        leadvault_bin(),
        dir.path(),
        &args,
        &[],
        Some("a very long passphrase indeed\n"),
    )
    .await;
    assert!(!out.status.success());
    assert!(out.stderr.contains("--email"), "{}", out.stderr);

    // Without --password-stdin there is no way to give a password at all.
    let out = run_leadvault(leadvault_bin(), dir.path(), &ARGS[..6], &[], None).await;
    assert!(!out.status.success());
    assert!(out.stderr.contains("--password-stdin"), "{}", out.stderr);
}
