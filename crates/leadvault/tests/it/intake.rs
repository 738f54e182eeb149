//! Intake below the web pages: forms stored and versioned, a consultation stored as a lead
//! (encrypted per data class, blindly indexed, audited in its own transaction), its tracking
//! code, the duplicate hint, and who may read which fields of it.

use leadvault_accounts::{Role, Scope};
use leadvault_audit::Acting;
use leadvault_audit::{Actor, By, Chain};
use leadvault_intake::form::{FormDefinition, Submitted, check_answers};
use leadvault_intake::{
    Form, FormDraft, IntakeError, LeadAccess, Origin, Submission, TrackingCode, assign_lead,
    find_public_form, read_lead, revise_form, submit_lead, track,
};
use leadvault_store::{Engine, TenantScope, Timestamp, sqlx};
use leadvault_test_support::forms::CONSULTATION_WITH_PHONE;
use leadvault_test_support::{TestApp, TestPerson, both_engines, fixture};

async fn consultation_form(app: &TestApp, owner: &TestPerson) -> Form {
    let site = app.site(owner.org_id, "www.lima.law").await;
    app.form_on(owner.org_id, Some(site), CONSULTATION_WITH_PHONE)
        .await
}

/// `form` as it is, with this definition.
fn draft(form: &Form, definition: &str) -> FormDraft {
    FormDraft::new(&form.name, FormDefinition::from_json(definition).unwrap())
        .on_site(form.site.as_ref().map(|site| site.id))
}

fn answers(form: &Form, email: &str, story: &str) -> leadvault_intake::form::Answers {
    let mut sent = Submitted::new();
    for (k, v) in [
        ("name", "Marisol Quintana"),
        ("email", email),
        ("phone", "(415) 555-0132"),
        ("area", "Family"),
        ("story", story),
        ("agree", "yes"),
    ] {
        sent.insert(k.to_owned(), vec![v.to_owned()]);
    }
    check_answers(&form.definition, &sent, false).unwrap()
}

#[both_engines]
async fn a_consultation_is_stored_encrypted_audited_and_trackable(engine: Engine) {
    let app = TestApp::start(engine).await;
    let ana = app.owner("ana@lima.law").await;
    let form = consultation_form(&app, &ana).await;
    let story = "Custody of my two daughters; hearing set for 2026-12-01 in Case 3:26-fl-00412.";
    let origin = Origin {
        utm: [("utm_source".to_owned(), "newsletter".to_owned())].into(),
        channel: Some("email".to_owned()),
    };
    let receipt = submit_lead(
        app.vault(),
        &form,
        &answers(&form, "marisol@example.com", story),
        &Submission {
            origin: origin.clone(),
            ..Default::default()
        },
        Timestamp::now(),
    )
    .await
    .unwrap();
    assert!(receipt.possible_duplicates.is_empty());

    // Nothing personal in the clear: not in the lead row, not in the audit log.
    type Stored = (Option<Vec<u8>>, Option<Vec<u8>>, String);
    let dump: Vec<Stored> = sqlx::query_as("SELECT contact, assessment, meta FROM leads")
        .fetch_all(app.db.pool())
        .await
        .unwrap();
    assert_eq!(dump.len(), 1);
    let (contact, assessment, meta) = &dump[0];
    for planted in [
        "Marisol",
        "marisol@example.com",
        "555-0132",
        "Custody",
        "Family",
    ] {
        for blob in [
            contact.as_ref().unwrap(),
            assessment.as_ref().unwrap(),
            &meta.as_bytes().to_vec(),
        ] {
            assert!(
                !blob.windows(planted.len()).any(|w| w == planted.as_bytes()),
                "{planted} stored in the clear"
            );
        }
    }
    let meta: serde_json::Value = serde_json::from_str(meta).unwrap();
    assert_eq!(meta["site"], "www.lima.law");
    assert_eq!(meta["utm"]["utm_source"], "newsletter");
    assert_eq!(meta["form_version"], 1);
    assert_eq!(meta["consent"]["agree"]["agreed"], true);
    assert_eq!(
        meta["consent"]["agree"]["text_sha256"]
            .as_str()
            .unwrap()
            .len(),
        64
    );

    let created = app.audited(Chain::Org(ana.org_id), "lead.created").await;
    assert_eq!(created.len(), 1);
    assert_eq!(created[0].actor, "anonymous:");
    assert_eq!(
        created[0].fields, "agree,area,email,name,phone,story",
        "names, never values"
    );

    // The code, typed back any way, finds the status and nothing else; a wrong or an
    // unknown code finds nothing.
    let shown = receipt.tracking_code.display();
    let status = track(
        &app.db,
        &TrackingCode::parse(&shown.to_lowercase()).unwrap(),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(
        (status.status.as_str(), status.org_name.as_str()),
        ("new", "Firm of ana@lima.law")
    );
    let unknown = TrackingCode::generate().unwrap();
    assert_eq!(track(&app.db, &unknown).await.unwrap(), None);
    let stored: Vec<u8> = sqlx::query_scalar("SELECT tracking_hash FROM leads")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(stored.len(), 32, "only the hash is kept");

    // The same e-mail (typed differently) or phone again: a hint for staff.
    let again = submit_lead(
        app.vault(),
        &form,
        &answers(&form, " MARISOL@example.com", "Follow-up."),
        &Submission::default(),
        Timestamp::now(),
    )
    .await
    .unwrap();
    assert_eq!(again.possible_duplicates, vec![receipt.lead_id]);
}

#[both_engines]
async fn after_a_tenant_key_rotation_earlier_leads_are_found_again_once_reindexed(engine: Engine) {
    let app = TestApp::start(engine).await;
    let ana = app.owner("ana@lima.law").await;
    let form = consultation_form(&app, &ana).await;
    let send = |email: &'static str| {
        let (app, form) = (&app, &form);
        async move {
            submit_lead(
                app.vault(),
                form,
                &answers(form, email, "About my lease."),
                &Submission::default(),
                Timestamp::now(),
            )
            .await
            .unwrap()
        }
    };
    let first = send("marisol@example.com").await;
    app.keyring
        .rotate_tenant(ana.org_id, Actor::System("test"), Timestamp::now())
        .await
        .unwrap();
    // A new blind-index key: the earlier lead's indexes no longer match.
    let before = send("marisol@example.com").await;
    assert_eq!(before.possible_duplicates, Vec::new());

    let indexed =
        leadvault_intake::reindex_contacts(&app.db, &app.keyring, ana.org_id, Timestamp::now())
            .await
            .unwrap();
    assert_eq!(indexed, 2);
    let after = send("marisol@example.com").await;
    let mut found = after.possible_duplicates.clone();
    found.sort();
    let mut expected = vec![first.lead_id, before.lead_id];
    expected.sort();
    assert_eq!(found, expected);
    // Run again: the same indexes, not twice as many.
    leadvault_intake::reindex_contacts(&app.db, &app.keyring, ana.org_id, Timestamp::now())
        .await
        .unwrap();
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM lead_contacts")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(rows, 6, "an e-mail and a phone for each of the three leads");
}

#[both_engines]
async fn staff_read_what_their_role_allows_and_every_read_is_recorded(engine: Engine) {
    let app = TestApp::start(engine).await;
    let ana = app.owner("ana@lima.law").await;
    let cy = app
        .member(&ana, "cy@lima.law", Role::Attorney, Scope::Organization)
        .await;
    let form = consultation_form(&app, &ana).await;
    let receipt = submit_lead(
        app.vault(),
        &form,
        &answers(&form, "m@example.com", "Divorce."),
        &Submission::default(),
        Timestamp::now(),
    )
    .await
    .unwrap();
    let (org, lead) = (ana.org_id, receipt.lead_id);
    let intake_by = By::new(Actor::Member(ana.user_id.as_uuid()), None);
    let seen = read_lead(
        app.vault(),
        &Acting::new(org, intake_by, Timestamp::now()),
        lead,
        &LeadAccess::all(),
    )
    .await
    .unwrap();
    assert_eq!(
        seen.answers.get("name").map(String::as_str),
        Some("Marisol Quintana")
    );
    assert_eq!(
        seen.answers.get("story").map(String::as_str),
        Some("Divorce.")
    );
    assert!(
        !seen.answers.contains_key("agree"),
        "meta is not an answer class to decrypt"
    );

    // An attorney sees nothing until the lead is theirs.
    let attorney = LeadAccess::assigned_to(cy.user_id.as_uuid());
    let cy_by = By::new(Actor::Member(cy.user_id.as_uuid()), None);
    let refused = read_lead(
        app.vault(),
        &Acting::new(org, cy_by, Timestamp::now()),
        lead,
        &attorney,
    )
    .await;
    assert!(matches!(refused, Err(IntakeError::UnknownLead)));
    assign_lead(
        &app.db,
        &Acting::new(org, intake_by, Timestamp::now()),
        lead,
        &LeadAccess::all(),
        cy.user_id.as_uuid(),
    )
    .await
    .unwrap();
    let theirs = read_lead(
        app.vault(),
        &Acting::new(org, cy_by, Timestamp::now()),
        lead,
        &attorney,
    )
    .await
    .unwrap();
    assert_eq!(theirs.assigned_to, Some(cy.user_id.as_uuid()));
    assert_eq!(theirs.answers.len(), 5);

    // Another organization cannot read it, even by id.
    let bo = app.owner("bo@nyx.law").await;
    let bo_by = By::new(Actor::Member(bo.user_id.as_uuid()), None);
    assert!(matches!(
        read_lead(
            app.vault(),
            &Acting::new(bo.org_id, bo_by, Timestamp::now()),
            lead,
            &LeadAccess::all()
        )
        .await,
        Err(IntakeError::UnknownLead)
    ));

    let reads = app.audited(Chain::Org(org), "lead.read").await;
    assert_eq!(
        reads.len(),
        2,
        "each read of decrypted data, and only those"
    );
    assert_eq!(reads[1].actor, format!("member:{}", cy.user_id));
    assert_eq!(
        reads[1].fields,
        "agree,area,email,name,phone,story".replace("agree,", "")
    );
    assert_eq!(app.audited(Chain::Org(org), "lead.assigned").await.len(), 1);

    if engine == Engine::Postgres {
        // The application's own role, outside the organization's scope, sees no lead.
        let plain = app.test_db().connect().await;
        let mut tx = plain.begin().await.unwrap();
        let unscoped: i64 = sqlx::query_scalar("SELECT count(*) FROM leads")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        assert_eq!(unscoped, 0);
        drop(tx);
        let mut tx = plain.begin_in(TenantScope::Org(org)).await.unwrap();
        let scoped: i64 = sqlx::query_scalar("SELECT count(*) FROM leads")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        assert_eq!(scoped, 1);
    }
}

#[both_engines]
async fn a_revised_form_is_a_new_version_and_leads_keep_theirs(engine: Engine) {
    let app = TestApp::start(engine).await;
    let ana = app.owner("ana@lima.law").await;
    let form = consultation_form(&app, &ana).await;
    let earlier = submit_lead(
        app.vault(),
        &form,
        &answers(&form, "m@example.com", "Before."),
        &Submission::default(),
        Timestamp::now(),
    )
    .await
    .unwrap();
    let revised =
        CONSULTATION_WITH_PHONE.replace("\"Immigration\"", "\"Immigration\", \"Criminal\"");
    let version = revise_form(
        &app.db,
        &Acting::new(ana.org_id, fixture(), Timestamp::now()),
        form.id,
        &draft(&form, &revised),
    )
    .await
    .unwrap();
    assert_eq!(version, 2);
    let current = find_public_form(&app.db, form.id).await.unwrap().unwrap();
    assert_eq!(current.version, 2);
    assert!(
        current
            .definition
            .field("area")
            .unwrap()
            .choices
            .contains(&"Criminal".to_owned())
    );
    let work_order = CONSULTATION_WITH_PHONE.replace("\"consultation\"", "\"work_order\"");
    let changed_kind = revise_form(
        &app.db,
        &Acting::new(ana.org_id, fixture(), Timestamp::now()),
        form.id,
        &draft(&form, &work_order),
    )
    .await;
    assert!(matches!(changed_kind, Err(IntakeError::Invalid(_))));
    let bo = app.owner("bo@nyx.law").await;
    let foreign = revise_form(
        &app.db,
        &Acting::new(bo.org_id, fixture(), Timestamp::now()),
        form.id,
        &draft(&current, CONSULTATION_WITH_PHONE),
    )
    .await;
    assert!(matches!(foreign, Err(IntakeError::UnknownForm)));
    assert_eq!(
        app.audited(Chain::Org(ana.org_id), "form.revised")
            .await
            .len(),
        1
    );
    let by = By::new(Actor::Member(ana.user_id.as_uuid()), None);
    let lead = read_lead(
        app.vault(),
        &Acting::new(ana.org_id, by, Timestamp::now()),
        earlier.lead_id,
        &LeadAccess::all(),
    )
    .await
    .unwrap();
    assert_eq!(lead.form_version, 1, "a lead keeps the version it answered");
}

#[both_engines]
async fn notifications_are_queued_with_the_lead_or_not_at_all(engine: Engine) {
    let app = TestApp::start(engine).await;
    let ana = app.owner("ana@lima.law").await;
    let form = consultation_form(&app, &ana).await;
    let mail = leadvault_mail::Mail {
        to: leadvault_mail::Recipient::parse("cy@lima.law").unwrap(),
        subject: "A new consultation request is waiting".into(),
        body: zeroize::Zeroizing::new("Sign in to read it.".into()),
    };
    let sealed = [leadvault_mail::seal(&app.keyring, &mail, Timestamp::now())
        .await
        .unwrap()];
    let submission = Submission {
        notify: &sealed,
        ..Default::default()
    };
    let count = |table: &'static str| {
        let db = app.db.clone();
        async move {
            sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(format!(
                "SELECT count(*) FROM {table}"
            )))
            .fetch_one(db.pool())
            .await
            .unwrap()
        }
    };

    // The audit record cannot be written: no lead, and no notification either.
    sqlx::raw_sql("ALTER TABLE audit_records RENAME TO audit_hidden")
        .execute(app.db.pool())
        .await
        .unwrap();
    let failed = submit_lead(
        app.vault(),
        &form,
        &answers(&form, "m@example.com", "x"),
        &submission,
        Timestamp::now(),
    )
    .await;
    sqlx::raw_sql("ALTER TABLE audit_hidden RENAME TO audit_records")
        .execute(app.db.pool())
        .await
        .unwrap();
    assert!(failed.is_err());
    assert_eq!((count("leads").await, count("outbox").await), (0, 0));

    submit_lead(
        app.vault(),
        &form,
        &answers(&form, "m@example.com", "x"),
        &submission,
        Timestamp::now(),
    )
    .await
    .unwrap();
    assert_eq!((count("leads").await, count("outbox").await), (1, 1));
}
