//! `leadvault demo`: a fresh installation seeded with a demo firm, then served as `serve`
//! does. The firm has a site, a consultation form on it, a work-order form, a member of every
//! role (second factor already set up where the role needs one) and a client, an assignment
//! rule, sample leads in several states with a note, and the client's sample work orders
//! with a document each. Everyone's sign-in details are
//! printed once, so a newcomer can click through every role's view in minutes.
//!
//! It refuses an installation that already has an organization: a demo never mixes with
//! real data.

use leadvault_accounts::{
    Credentials, Email, Grant, Joining, NewOwner, OrgName, Password, PasswordHasher, Role, Scope,
    SiteDomain, TotpSecret, UserId, accept_invitation, add_site, confirm_enrolment, create_owner,
    invite, owner_exists, pending_enrolment,
};
use leadvault_analytics::{
    Day, ExperimentState, GoalKind, OnSite, PathPattern, Traffic, add_goal, create_experiment,
    generate, list_experiments, set_state as set_experiment_state,
};
use leadvault_audit::{Acting, Actor, By};
use leadvault_documents::DocumentStore;
use leadvault_intake::Vault;
use leadvault_intake::form::{FormDefinition, Submitted, check_answers};
use leadvault_intake::{
    ContactTarget, FormDraft, FormId, LeadAccess, NewOrder, NewRule, NoteText, OrderAccess,
    OrderStatus, Origin, StatusChange, Submission, Upload, add_note, add_rule, assign_lead,
    create_form, find_form, place_order, set_contact_target, set_order_status, set_status,
    submit_lead,
};
use leadvault_keys::{CacheSettings, Keyring};
use std::time::Duration;

use leadvault_accounts::SiteId;
use leadvault_store::{Db, OrgId, Timestamp};

use crate::cli::ServeArgs;
use crate::commands::serve;
use crate::error::CliError;
use crate::provider::{self, Create};
use crate::setup;

const SEEDER: Actor = Actor::System("cli:demo");
const SITE: &str = "www.lima-law.example";
/// The channels the sample leads came through, in turn.
const CHANNELS: [&str; 3] = ["organic_search", "paid_search", "referral"];

const CONSULTATION: &str = r#"{"kind": "consultation", "fields": [
    {"key": "name", "label": "Your name", "type": "text", "class": "contact", "required": true},
    {"key": "email", "label": "E-mail", "type": "email", "required": true},
    {"key": "phone", "label": "Phone", "type": "phone"},
    {"key": "area", "label": "Practice area", "type": "single_choice", "class": "assessment",
     "choices": ["Family", "Injury", "Immigration", "Employment"], "required": true},
    {"key": "urgency", "label": "How urgent is it?", "type": "urgency"},
    {"key": "story", "label": "What happened", "type": "case_history",
     "help": "A few sentences are enough. Please leave out Social Security, card and account numbers."},
    {"key": "agree", "label": "I agree to be contacted", "type": "consent", "required": true,
     "text": "Lima Law may contact me about my request. Sending it does not make me a client."}
]}"#;

const WORK_ORDER: &str = r#"{"kind": "work_order", "fields": [
    {"key": "job", "label": "Job", "type": "single_choice", "class": "meta", "required": true,
     "choices": ["Service of process", "Court filing", "Records retrieval", "Other"]},
    {"key": "due", "label": "Due date", "type": "date", "class": "meta"},
    {"key": "rush", "label": "Rush (within 24 hours)", "type": "checkbox", "class": "meta"},
    {"key": "case_number", "label": "Court case number", "type": "text", "class": "assessment"},
    {"key": "party", "label": "Party to serve", "type": "text", "class": "contact"},
    {"key": "address", "label": "Address", "type": "long_text", "class": "contact"},
    {"key": "ssn", "label": "SSN (skip tracing only)", "type": "text", "class": "sensitive",
     "pattern": "^[0-9]{3}-?[0-9]{2}-?[0-9]{4}$"},
    {"key": "instructions", "label": "Instructions", "type": "long_text", "class": "assessment"},
    {"key": "papers", "label": "Documents to serve or file", "type": "file", "class": "sensitive",
     "accept": ["pdf", "docx", "png", "jpeg", "tiff"]}
]}"#;

/// A sample work order of the demo client, and how far it has come.
struct SampleOrder {
    job: &'static str,
    due: &'static str,
    case: &'static str,
    party: &'static str,
    address: &'static str,
    instructions: &'static str,
    steps: &'static [OrderStatus],
}

const ORDERS: [SampleOrder; 2] = [
    SampleOrder {
        job: "Service of process",
        due: "2026-12-18",
        case: "CGC-26-601234",
        party: "Harold Brennan",
        address: "1200 Harbor Way, Apt 4\nSausalito, CA 94965",
        instructions: "Personal service only; he works nights, so mornings are best.",
        steps: &[],
    },
    SampleOrder {
        job: "Records retrieval",
        due: "2027-01-08",
        case: "FL-26-004411",
        party: "Bayview Medical Group, records department",
        address: "55 Mission Street\nSan Francisco, CA 94105",
        instructions: "Billing records for 2024 and 2025; the authorization is attached.",
        steps: &[OrderStatus::Accepted, OrderStatus::InProgress],
    },
];

/// A one-page PDF to attach to the sample orders.
const SAMPLE_PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n\
2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

/// Sample consultations: (name, e-mail, area, urgency, story).
const SAMPLES: [(&str, &str, &str, &str, &str); 4] = [
    (
        "Marisol Quintana",
        "marisol.q@example.com",
        "Family",
        "high",
        "My former partner moved out of state with our daughter. The custody hearing is next month.",
    ),
    (
        "Dev Anand",
        "dev.anand@example.com",
        "Injury",
        "normal",
        "A delivery van hit my car at a red light in March; the insurer has stopped answering.",
    ),
    (
        "Grace Oyelaran",
        "grace.o@example.com",
        "Immigration",
        "emergency",
        "My work visa ends in three weeks and my employer's petition was returned.",
    ),
    (
        "Tom Becker",
        "tom.becker@example.com",
        "Family",
        "low",
        "We want to draft a prenuptial agreement before our wedding in the autumn.",
    ),
];

/// Someone to sign in as.
struct Account {
    role: String,
    email: String,
    password: String,
    totp: Option<TotpSecret>,
}

/// What the demo made that its printout names.
struct Seeded {
    accounts: Vec<Account>,
    org: OrgId,
    site: SiteId,
    form: FormId,
}

pub async fn run(args: ServeArgs) -> Result<(), CliError> {
    let config = setup::load_config(args.common.config.as_deref(), args.layer())?;
    setup::prepare_data_dir(&config)?;
    let (root, _) = provider::open(&config, Create::IfMissing)?;
    let (db, _) = setup::open_database(&config).await?;
    if owner_exists(&db).await? {
        db.close().await;
        return Err(CliError::Invalid(
            "this installation already has an organization; run the demo on a fresh data \
             directory (--data-dir DIR) so that it never mixes with real data"
                .into(),
        ));
    }
    let keyring = Keyring::new(db.clone(), root, CacheSettings::default());
    let documents = DocumentStore::open(&config.documents_dir, config.upload_limit);
    let now = Timestamp::now();
    let seeded = seed(&db, &keyring, &documents, now).await;
    let seeded = match seeded {
        Ok(seeded) => seed_analytics(&config, &db, &seeded, now)
            .await
            .map(|()| seeded),
        Err(e) => Err(e),
    };
    db.close().await;
    let seeded = seeded?;
    print(&seeded.accounts);
    serve::run_announcing(args, |base| print_addresses(base, &seeded)).await
}

/// The demo experiment: the site's headline, tried against a more direct one.
const EXPERIMENT: &str = r#"{"name": "Hero headline", "include": ["/"], "traffic": 100, "variations": [
    {"name": "Original", "weight": 50},
    {"name": "Direct", "weight": 50, "changes": [{"set_text": {"selector": "h1", "text": "Talk to a lawyer today"}}]}]}"#;

/// A month of made-up visits to the demo site (about 1,500 events a day), a page goal,
/// and a running experiment the visits were exposed to, so that the
/// dashboard, the goals and the experiment's results show something real.
async fn seed_analytics(
    config: &leadvault_config::Config,
    db: &Db,
    seeded: &Seeded,
    now: Timestamp,
) -> Result<(), CliError> {
    let error = demo_error("add the sample analytics");
    let acting = Acting::new(seeded.org, By::new(SEEDER, None), now);
    let on = OnSite {
        site: seeded.site,
        domain: SITE,
    };
    // Every site starts with the "Form submitted" goal; a page goal for the thank-you page
    // shows the other kind.
    let thanks = PathPattern::parse("/thank-you*").map_err(|e| error(e.to_string()))?;
    add_goal(db, &acting, seeded.site, &GoalKind::Page(thanks))
        .await
        .map_err(|e| error(e.to_string()))?;
    let id = create_experiment(db, &acting, on, EXPERIMENT)
        .await
        .map_err(|e| error(e.to_string()))?;
    set_experiment_state(db, &acting, on, id, ExperimentState::Running)
        .await
        .map_err(|e| error(e.to_string()))?;
    let experiment = list_experiments(db, on)
        .await
        .map_err(|e| error(e.to_string()))?
        .into_iter()
        .find(|e| e.id == id)
        .ok_or_else(|| error("the experiment went missing".into()))?;
    let analytics = setup::open_analytics(config, db).await?;
    let traffic = Traffic {
        events: 45_000,
        days: 30,
        last: Day::of(now),
        seed: 2026,
    };
    let made = generate(&analytics, seeded.site, traffic, Some(&experiment)).await;
    if analytics.engine() == leadvault_store::Engine::Sqlite {
        analytics.db().close().await;
    }
    made.map(drop).map_err(|e| error(e.to_string()))
}

/// Where to go, once the server listens at `base`.
fn print_addresses(base: &str, seeded: &Seeded) {
    println!("Open:");
    println!("  sign in (staff and client)  {base}/login");
    println!("  public consultation form    {base}/f/{}", seeded.form);
    println!("  tracking page               {base}/track");
    println!("  client portal               {base}/portal");
    println!(
        "  analytics dashboard         {base}/sites/{}/analytics",
        seeded.site
    );
}

fn demo_error(what: &str) -> impl Fn(String) -> CliError + '_ {
    move |e| CliError::Invalid(format!("the demo could not {what}: {e}"))
}

/// A password nobody else has: 20 random hexadecimal characters.
fn new_password() -> Result<String, CliError> {
    let bytes =
        leadvault_crypto::random_bytes::<10>().map_err(|e| CliError::Invalid(e.to_string()))?;
    Ok(leadvault_crypto::to_hex(&bytes))
}

/// Sets up the second factor of `user` as the enrolment page would, with a code of now.
async fn enrol(
    db: &Db,
    keyring: &Keyring,
    user: UserId,
    now: Timestamp,
) -> Result<TotpSecret, CliError> {
    let enrol_error = demo_error("set up a second factor");
    let secret = pending_enrolment(db, keyring, user, now)
        .await
        .map_err(|e| enrol_error(e.to_string()))?;
    let by = By::new(Actor::Member(user.as_uuid()), None);
    let acting = Acting::personal(by, now);
    confirm_enrolment(db, keyring, user, &secret.code_at(now), &acting)
        .await
        .map_err(|e| enrol_error(e.to_string()))?;
    Ok(secret)
}

async fn seed(
    db: &Db,
    keyring: &Keyring,
    documents: &DocumentStore,
    now: Timestamp,
) -> Result<Seeded, CliError> {
    let by = By::new(SEEDER, None);
    let hasher = PasswordHasher::new(1);
    let mut accounts = Vec::new();
    let email = |name: &str| Email::parse(&format!("{name}@lima-law.example"));

    let password = new_password()?;
    let owner = create_owner(
        db,
        &Acting::personal(by, now),
        &hasher,
        NewOwner {
            org_name: OrgName::parse("Lima Law (demo)")
                .map_err(|e| CliError::Invalid(e.to_string()))?,
            email: email("owner").map_err(|e| CliError::Invalid(e.to_string()))?,
            password: Password::new(password.clone())
                .map_err(|e| CliError::Invalid(e.to_string()))?,
        },
    )
    .await
    .map_err(|e| demo_error("create the firm")(e.to_string()))?;
    let org = owner.org_id;
    accounts.push(Account {
        role: "owner".into(),
        email: "owner@lima-law.example".into(),
        password,
        totp: Some(enrol(db, keyring, owner.user_id, now).await?),
    });

    let domain = SiteDomain::parse(SITE).map_err(|e| CliError::Invalid(e.to_string()))?;
    let site = add_site(db, &Acting::new(org, by, now), &domain)
        .await
        .map_err(|e| demo_error("add the site")(e.to_string()))?;

    let mut attorney = None;
    let owner_by = By::new(Actor::Member(owner.user_id.as_uuid()), None);
    let owner_acting = Acting::new(org, owner_by, now);
    let credentials = Credentials {
        db,
        hasher: &hasher,
        keyring,
    };
    for role in [
        Role::Admin,
        Role::Intake,
        Role::Attorney,
        Role::Analyst,
        Role::Billing,
    ] {
        let joining = Joining::Member(
            Grant::new(role, Scope::Organization).map_err(|e| CliError::Invalid(e.to_string()))?,
        );
        let (user, account) = join(
            credentials,
            owner.user_id,
            &owner_acting,
            &role.to_string(),
            &joining,
        )
        .await?;
        if role == Role::Attorney {
            attorney = Some(user);
        }
        accounts.push(account);
    }
    let (client_id, client) = join(
        credentials,
        owner.user_id,
        &owner_acting,
        "client",
        &Joining::Customer,
    )
    .await?;
    accounts.push(client);

    let draft = FormDraft::new(
        "Free consultation",
        FormDefinition::from_json(CONSULTATION).map_err(|e| CliError::Invalid(e.to_string()))?,
    )
    .on_site(Some(site.id));
    let form_error = demo_error("create the forms");
    let form_id = create_form(db, &Acting::new(org, by, now), &draft)
        .await
        .map_err(|e| form_error(e.to_string()))?;
    let work_order = FormDraft::new(
        "Work order",
        FormDefinition::from_json(WORK_ORDER).map_err(|e| CliError::Invalid(e.to_string()))?,
    );
    let work_order_id = create_form(db, &Acting::new(org, by, now), &work_order)
        .await
        .map_err(|e| form_error(e.to_string()))?;
    let form = find_form(db, org, form_id)
        .await
        .map_err(|e| form_error(e.to_string()))?
        .ok_or_else(|| form_error("the form went missing".into()))?;

    let lead_error = demo_error("add the sample leads");
    let vault = Vault {
        db,
        keyring,
        documents,
    };
    let attorney = attorney.ok_or_else(|| lead_error("no attorney".into()))?;
    let attorneys = [LeadAccess::assigned_to(attorney.as_uuid())];
    let rule = NewRule::new(None, Some(("area", "Family")), vec![attorney.as_uuid()])
        .map_err(|e| lead_error(e.to_string()))?;
    add_rule(db, &Acting::new(org, by, now), &rule)
        .await
        .map_err(|e| lead_error(e.to_string()))?;
    let all = LeadAccess::all();
    for (i, (name, mail, area, urgency, story)) in SAMPLES.iter().enumerate() {
        let sent: Submitted = [
            ("name", *name),
            ("email", *mail),
            ("phone", "(415) 555-0100"),
            ("area", *area),
            ("urgency", *urgency),
            ("story", *story),
            ("agree", "yes"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), vec![v.to_owned()]))
        .collect();
        let answers = check_answers(&form.definition, &sent, false)
            .map_err(|e| lead_error(format!("{:?}", e.errors)))?;
        let submission = Submission {
            origin: Origin {
                channel: Some(CHANNELS[i % CHANNELS.len()].to_owned()),
                ..Origin::default()
            },
            attorneys: &attorneys,
            ..Submission::default()
        };
        // Spread over the last weeks, each first contacted a little later than the one
        // before: the home page's figures have something to show.
        let days_ago = u64::try_from(i).unwrap_or(0) * 5 + 1;
        let arrived = now.saturating_sub(Duration::from_secs(days_ago * 86_400));
        let contacted = Acting::new(
            org,
            by,
            arrived.saturating_add(Duration::from_secs((days_ago + 10) * 60)),
        );
        let receipt = submit_lead(vault, &form, &answers, &submission, arrived)
            .await
            .map_err(|e| lead_error(e.to_string()))?;
        let lead = receipt.lead_id;
        match i {
            0 => {
                set_status(db, &contacted, lead, &all, "contacted")
                    .await
                    .map_err(|e| lead_error(e.to_string()))?;
                let note = NoteText::parse("Called back on Monday; she prefers e-mail.")
                    .map_err(|e| lead_error(e.to_string()))?;
                add_note(vault, &contacted, lead, &all, &note)
                    .await
                    .map_err(|e| lead_error(e.to_string()))?;
            }
            1 => {
                assign_lead(
                    db,
                    &Acting::new(org, by, now),
                    lead,
                    &all,
                    attorney.as_uuid(),
                )
                .await
                .map_err(|e| lead_error(e.to_string()))?;
                set_status(db, &contacted, lead, &all, "consultation_scheduled")
                    .await
                    .map_err(|e| lead_error(e.to_string()))?;
            }
            _ => {}
        }
    }
    let work_order = find_form(db, org, work_order_id)
        .await
        .map_err(|e| form_error(e.to_string()))?
        .ok_or_else(|| form_error("the work-order form went missing".into()))?;
    seed_orders(db, keyring, documents, &work_order, client_id, now).await?;
    // Fifteen minutes of office time to first contact, Monday to Friday, 9:00 to 17:00 UTC.
    let target = ContactTarget::new(15, 0b001_1111, 9 * 60, 17 * 60, 0)
        .map_err(|e| lead_error(e.to_string()))?;
    set_contact_target(db, &Acting::new(org, by, now), Some(target))
        .await
        .map_err(|e| lead_error(e.to_string()))?;
    Ok(Seeded {
        accounts,
        org,
        site: site.id,
        form: form_id,
    })
}

/// The demo client's orders, each with a document, one already being worked on.
async fn seed_orders(
    db: &Db,
    keyring: &Keyring,
    documents: &DocumentStore,
    form: &leadvault_intake::Form,
    client: UserId,
    now: Timestamp,
) -> Result<(), CliError> {
    let order_error = demo_error("add the sample work orders");
    let staff = By::new(SEEDER, None);
    for sample in ORDERS {
        let sent: Submitted = [
            ("job", sample.job),
            ("due", sample.due),
            ("case_number", sample.case),
            ("party", sample.party),
            ("address", sample.address),
            ("instructions", sample.instructions),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), vec![v.to_owned()]))
        .collect();
        let answers = check_answers(&form.definition, &sent, false)
            .map_err(|e| order_error(format!("{:?}", e.errors)))?;
        let accept = form
            .definition
            .field("papers")
            .map(|f| f.accept.clone())
            .unwrap_or_default();
        let mut incoming = documents
            .receive(keyring, form.org_id, &accept, now)
            .await
            .map_err(|e| order_error(e.to_string()))?;
        incoming
            .push(SAMPLE_PDF)
            .await
            .map_err(|e| order_error(e.to_string()))?;
        let document = incoming
            .finish()
            .await
            .map_err(|e| order_error(e.to_string()))?;
        let order = NewOrder {
            client: client.as_uuid(),
            form,
            answers: &answers,
            uploads: vec![Upload {
                field: "papers".into(),
                name: format!("{}.pdf", sample.case),
                document,
            }],
            notify: &[],
            request_id: None,
        };
        let id = place_order(db, keyring, documents, order, now)
            .await
            .map_err(|e| order_error(e.to_string()))?;
        for step in sample.steps {
            let change = StatusChange {
                to: *step,
                notify: &[],
            };
            set_order_status(
                db,
                &Acting::new(form.org_id, staff, now),
                id,
                &OrderAccess::staff(),
                &change,
            )
            .await
            .map_err(|e| order_error(e.to_string()))?;
        }
    }
    Ok(())
}

/// Invites and accepts as the person would, with a new password; a second factor where the
/// role needs one.
async fn join(
    credentials: Credentials<'_>,
    owner: UserId,
    acting: &Acting,
    role: &str,
    joining: &Joining,
) -> Result<(UserId, Account), CliError> {
    let Credentials {
        db,
        hasher,
        keyring,
    } = credentials;
    let now = acting.now;
    let address = format!("{role}@lima-law.example");
    let email = Email::parse(&address).map_err(|e| CliError::Invalid(e.to_string()))?;
    let join_error = demo_error("add the members");
    let (_, token) = invite(db, acting, owner, &email, joining)
        .await
        .map_err(|e| join_error(e.to_string()))?;
    let password = new_password()?;
    let (_, user) = accept_invitation(
        db,
        hasher,
        &token,
        Password::new(password.clone()).map_err(|e| CliError::Invalid(e.to_string()))?,
        &Acting::personal(By::new(Actor::Anonymous, None), now),
    )
    .await
    .map_err(|e| join_error(e.to_string()))?;
    let needs_second_factor = match joining {
        Joining::Member(grant) => grant.role().requires_second_factor(),
        Joining::Customer => false,
    };
    let totp = if needs_second_factor {
        Some(enrol(db, keyring, user, now).await?)
    } else {
        None
    };
    Ok((
        user,
        Account {
            role: role.to_owned(),
            email: address,
            password,
            totp,
        },
    ))
}

/// The sign-in details, once: on standard output, never in a log.
fn print(accounts: &[Account]) {
    println!("Demo firm \"Lima Law (demo)\" with site {SITE}. Sign in as:");
    for account in accounts {
        let second = account.totp.as_ref().map_or_else(
            || "no second factor".to_owned(),
            |secret| format!("authenticator key {}", secret.for_typing().as_str()),
        );
        println!(
            "  {:<9} {}  password {}  {}",
            account.role, account.email, account.password, second
        );
    }
    println!(
        "Add the authenticator key to any TOTP app (the code of the minute of setup is used up; \
         the next one works). These details are shown only now."
    );
}
