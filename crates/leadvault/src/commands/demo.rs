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
use leadvault_audit::{Acting, Actor, By};
use leadvault_documents::DocumentStore;
use leadvault_intake::Vault;
use leadvault_intake::form::{FormDefinition, Submitted, check_answers};
use leadvault_intake::{
    FormDraft, LeadAccess, NewOrder, NewRule, NoteText, OrderAccess, OrderStatus, Origin,
    StatusChange, Submission, Upload, add_note, add_rule, assign_lead, create_form, find_form,
    place_order, set_order_status, set_status, submit_lead,
};
use leadvault_keys::{CacheSettings, Keyring};
use leadvault_store::{Db, Timestamp};

use crate::cli::ServeArgs;
use crate::commands::serve;
use crate::error::CliError;
use crate::provider::{self, Create};
use crate::setup;

const SEEDER: Actor = Actor::System("cli:demo");
const SITE: &str = "www.lima-law.example";

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
    let seeded = seed(&db, &keyring, &documents, Timestamp::now()).await;
    db.close().await;
    print(&seeded?);
    serve::run(args).await
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
) -> Result<Vec<Account>, CliError> {
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
            origin: Origin::default(),
            attorneys: &attorneys,
            ..Submission::default()
        };
        let receipt = submit_lead(vault, &form, &answers, &submission, now)
            .await
            .map_err(|e| lead_error(e.to_string()))?;
        let lead = receipt.lead_id;
        match i {
            0 => {
                set_status(db, &Acting::new(org, by, now), lead, &all, "contacted")
                    .await
                    .map_err(|e| lead_error(e.to_string()))?;
                let note = NoteText::parse("Called back on Monday; she prefers e-mail.")
                    .map_err(|e| lead_error(e.to_string()))?;
                add_note(vault, &Acting::new(org, by, now), lead, &all, &note)
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
                set_status(
                    db,
                    &Acting::new(org, by, now),
                    lead,
                    &all,
                    "consultation_scheduled",
                )
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
    Ok(accounts)
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
