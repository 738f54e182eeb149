//! `leadvault forms …`: creating a form from a JSON definition, and listing forms.

use leadvault_audit::Acting;
use leadvault_store::{DatabaseUrl, Db, DbOptions, Timestamp};
use leadvault_test_support::fixture;
use leadvault_test_support::forms::REQUIRED_NAME;

use crate::leadvault;

#[tokio::test]
async fn a_form_is_created_from_its_definition_and_listed() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = crate::found_lima_law(d).await;
    let org = out
        .stdout
        .split('(')
        .nth(1)
        .unwrap()
        .split(')')
        .next()
        .unwrap()
        .to_owned();
    std::fs::write(d.join("form.json"), REQUIRED_NAME).unwrap();
    std::fs::write(
        d.join("bad.json"),
        REQUIRED_NAME.replace("\"contact\"", "\"sensitive\""),
    )
    .unwrap();

    let out = leadvault(
        d,
        &[
            "forms",
            "create",
            "--org",
            &org,
            "--name",
            "Free consultation",
            "--definition",
            "form.json",
        ],
    )
    .await;
    assert!(out.status.success(), "{}", out.stderr);
    let id = out
        .stdout
        .split("Created form ")
        .nth(1)
        .unwrap()
        .split(':')
        .next()
        .unwrap()
        .to_owned();
    assert!(out.stdout.contains(&format!("/f/{id}")));

    let out = leadvault(d, &["forms", "list", "--org", &org]).await;
    assert!(
        out.stdout.contains(&id)
            && out
                .stdout
                .contains("consultation  Free consultation v1  (all sites)"),
        "{}",
        out.stdout
    );

    // A form of one site: the domain must be one of the organization's sites.
    let with_site = [
        "forms",
        "create",
        "--org",
        &org,
        "--name",
        "Visas",
        "--definition",
        "form.json",
        "--site",
        "https://visas.lima.law/contact",
    ];
    let out = leadvault(d, &with_site).await;
    assert!(
        !out.status.success()
            && out
                .stderr
                .contains("visas.lima.law is not a site of organization"),
        "{}",
        out.stderr
    );
    let db = Db::connect(
        &DatabaseUrl::sqlite_file(&d.join("data/leadvault.db")),
        &DbOptions::default(),
    )
    .await
    .unwrap();
    let org_id = leadvault_accounts::OrgId::parse(&org).unwrap();
    let domain = leadvault_accounts::SiteDomain::parse("visas.lima.law").unwrap();
    leadvault_accounts::add_site(
        &db,
        &Acting::new(org_id, fixture(), Timestamp::now()),
        &domain,
    )
    .await
    .unwrap();
    db.close().await;
    let out = leadvault(d, &with_site).await;
    assert!(out.status.success(), "{}", out.stderr);
    let out = leadvault(d, &["forms", "list", "--org", &org]).await;
    assert!(
        out.stdout.contains("Visas v1  visas.lima.law")
            && out.stdout.contains("Free consultation v1  (all sites)"),
        "{}",
        out.stdout
    );

    for (args, message) in [
        (
            vec!["--org", &org, "--name", "x", "--definition", "bad.json"],
            "name: a public consultation form may not ask for sensitive data",
        ),
        (
            vec!["--org", "nope", "--name", "x", "--definition", "form.json"],
            "not an organization id",
        ),
        (
            vec![
                "--org",
                "00000000-0000-4000-8000-000000000001",
                "--name",
                "x",
                "--definition",
                "form.json",
            ],
            "no organization",
        ),
        (
            vec!["--org", &org, "--name", " ", "--definition", "form.json"],
            "a form's name has 1 to 120 characters",
        ),
    ] {
        let mut all = vec!["forms", "create"];
        all.extend(args);
        let out = leadvault(d, &all).await;
        assert!(
            !out.status.success() && out.stderr.contains(message),
            "{message}: {}",
            out.stderr
        );
    }
}
