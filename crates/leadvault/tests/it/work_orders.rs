//! Work orders (legal support): a client places an order with documents through the client
//! portal; documents are checked by content, encrypted on disk and downloaded only whole,
//! through audited routes; staff move orders through their lifecycle, the client hears of
//! it, and each side sees only what it should.

use leadvault_accounts::{Role, Scope};
use leadvault_audit::{Acting, Chain};
use leadvault_store::sqlx;
use leadvault_test_support::forms::{NAME_ONLY, PHOTOS_OF_DAMAGE, WORK_ORDER};
use leadvault_test_support::{
    Browser, Engine, Page, Part, SmtpSink, TestApp, TestPerson, WebhookReceiver, both_engines,
    fixture,
};

/// A small but real PDF, with a line to look for on disk.
fn pdf(marker: &str) -> Vec<u8> {
    format!(
        "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% {marker}\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    )
    .into_bytes()
}

/// Every byte stored under the documents directory, and the names there.
fn stored(app: &TestApp) -> (Vec<String>, Vec<u8>) {
    let mut names = Vec::new();
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(app.documents.dir()).unwrap() {
        let entry = entry.unwrap();
        names.push(entry.file_name().to_string_lossy().into_owned());
        bytes.extend(std::fs::read(entry.path()).unwrap());
    }
    (names, bytes)
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

async fn count(app: &TestApp, table: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT count(*) FROM {table}")))
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}

async fn client_of<'a>(
    app: &'a TestApp,
    owner: &TestPerson,
    email: &str,
) -> (TestPerson, Browser<'a>) {
    let person = app.customer(owner, email).await;
    let (browser, _) = app.signed_in(&person).await;
    (person, browser)
}

#[both_engines]
async fn a_client_orders_with_a_document_kept_encrypted_and_downloaded_whole(engine: Engine) {
    let app = TestApp::start(engine).await;
    let (ana, _owner, _) = app.signed_in_owner("ana@spectrum.legal").await;
    let form = app.form(ana.org_id, WORK_ORDER).await;
    let (_dee, mut dee) = client_of(&app, &ana, "dee@client.example").await;

    let portal = dee.get("/portal").await;
    assert!(
        portal
            .html
            .contains(&format!("/portal/orders/new/{}", form.id)),
        "{}",
        portal.html
    );
    let page = dee.get(&format!("/portal/orders/new/{}", form.id)).await;
    assert!(page.html.contains("type=\"file\""), "{}", page.html);
    assert!(
        page.html.contains("enctype=\"multipart/form-data\""),
        "{}",
        page.html
    );
    assert_eq!(
        app.get(&format!("/f/{}", form.id)).await.status(),
        404,
        "never a public page"
    );

    let content = pdf("PLANTED-DOCUMENT-LINE-7731");
    let placed = dee
        .place_order(
            &form.id.to_string(),
            &[
                ("job", "Service of process"),
                ("party", "Quentin Marlowe"),
                ("ssn", "078-05-1120"),
                ("instructions", "<script>alert(1)</script> Serve after 6pm"),
            ],
            &[("summons", "C:\\fakepath\\Summons for Quentin.pdf", &content)],
        )
        .await;
    assert_eq!(placed.status, 303, "{}", placed.html);
    let location = placed.location().unwrap().to_owned();
    assert!(location.starts_with("/portal/orders/"), "{location}");

    // On disk: one file, under a random name, and none of the content readable.
    let (names, bytes) = stored(&app);
    assert_eq!(names.len(), 1, "{names:?}");
    assert!(
        !names[0].contains("Summons") && !names[0].ends_with(".partial"),
        "{names:?}"
    );
    assert!(!contains(&bytes, "PLANTED-DOCUMENT-LINE-7731"));
    assert!(!contains(&bytes, "%PDF"));
    // In the database: the answers and the file name are ciphertexts.
    let row: (Vec<u8>, Vec<u8>, String) =
        sqlx::query_as("SELECT contact, sensitive, meta FROM work_orders")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert!(!contains(&row.0, "Quentin") && !contains(&row.1, "078-05-1120"));
    assert!(
        row.2.contains("Service of process"),
        "the job type is plain meta data: {}",
        row.2
    );
    let name: Vec<u8> = sqlx::query_scalar("SELECT name FROM documents")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert!(!contains(&name, "Summons"));

    // The client's page: their answers (escaped), the document, not the SSN again.
    let order = dee.get(&location).await;
    assert_eq!(order.status, 200);
    assert!(order.html.contains("Status: Received"), "{}", order.html);
    assert!(order.html.contains("Quentin Marlowe"));
    assert!(
        order
            .html
            .contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
        "{}",
        order.html
    );
    assert!(
        !order.html.contains("078-05-1120"),
        "a client's sensitive answer is not shown again"
    );
    assert!(order.html.contains("SSN (skip tracing only)"));
    assert!(
        order.html.contains("Summons for Quentin.pdf"),
        "{}",
        order.html
    );

    // The download: whole, as an attachment, never cached, named for its real type.
    let document: String = sqlx::query_scalar("SELECT id FROM documents")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let (status, headers, body) = dee.download(&format!("/portal/documents/{document}")).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "application/pdf");
    assert_eq!(
        headers["content-disposition"],
        "attachment; filename=\"Summons for Quentin.pdf\""
    );
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(body, content);

    let chain = Chain::Org(ana.org_id);
    let created = app.audited(chain, "work_order.created").await;
    assert_eq!(created.len(), 1);
    assert!(
        created[0].fields.contains("summons") && created[0].fields.contains("ssn"),
        "{:?}",
        created[0]
    );
    assert_eq!(app.audited(chain, "work_order.read").await.len(), 1);
    assert_eq!(app.audited(chain, "document.downloaded").await.len(), 1);
}

#[both_engines]
async fn disguised_oversize_and_missing_documents_are_refused_and_nothing_is_kept(engine: Engine) {
    let app = TestApp::builder(engine).upload_limit(100_000).build().await;
    let (ana, _owner, _) = app.signed_in_owner("ana@spectrum.legal").await;
    let form = app.form(ana.org_id, WORK_ORDER).await;
    let id = form.id.to_string();
    let (_dee, mut dee) = client_of(&app, &ana, "dee@client.example").await;
    let answers: &[(&str, &str)] = &[("job", "Court filing"), ("party", "Quentin Marlowe")];

    // An executable named like a PDF and sent as one.
    let mut exe = b"MZ\x90\x00\x03\x00\x00\x00".to_vec();
    exe.extend(std::iter::repeat_n(0u8, 4096));
    let refused = dee
        .place_order(&id, answers, &[("summons", "summons.pdf", &exe)])
        .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused
            .html
            .contains("The file is not one of the accepted types (PDF, PNG)"),
        "{}",
        refused.html
    );
    assert!(
        refused.html.contains("Quentin Marlowe"),
        "the answers are kept to send again"
    );

    // Larger than the limit.
    let mut big = pdf("big");
    big.resize(150_000, b' ');
    let refused = dee
        .place_order(&id, answers, &[("summons", "big.pdf", &big)])
        .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.html.contains("The file is larger than 100 KB"),
        "{}",
        refused.html
    );

    // Two documents for one question, or a body past what the form can carry (a refused
    // file is not read out without bound): refused, nothing kept.
    let two = dee
        .place_order(
            &id,
            answers,
            &[
                ("summons", "a.pdf", &pdf("a")),
                ("summons", "b.pdf", &pdf("b")),
            ],
        )
        .await;
    assert_eq!(two.status, 422);
    assert!(
        two.html.contains("send one document per question"),
        "{}",
        two.html
    );
    let mut huge = exe.clone();
    huge.resize(1_300_000, 0);
    // On a connection of its own: the server answers before the body ends and closes it.
    let own_client = leadvault_test_support::http_client_builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut flooder = Browser::at(&own_client, app.addr);
    flooder.set_cookie("lv_session", dee.cookie("lv_session").unwrap());
    let flood = flooder
        .place_order(&id, answers, &[("summons", "huge.pdf", &huge)])
        .await;
    assert_eq!(flood.status, 422);

    // A required document left out; a document with a required answer left out.
    let refused = dee.place_order(&id, answers, &[]).await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.html.contains("Please attach a document."),
        "{}",
        refused.html
    );
    let refused = dee
        .place_order(
            &id,
            &[("job", "Court filing")],
            &[("summons", "s.pdf", &pdf("x"))],
        )
        .await;
    assert_eq!(refused.status, 422);
    // An unknown choice.
    let refused = dee
        .place_order(
            &id,
            &[("job", "Arson"), ("party", "Q")],
            &[("summons", "s.pdf", &pdf("x"))],
        )
        .await;
    assert_eq!(refused.status, 422);

    // A forged request: no token first, or a wrong one.
    let forged = dee
        .post_multipart(
            &format!("/portal/orders/new/{id}"),
            &[
                Part::Text("job", "Court filing"),
                Part::File {
                    name: "summons",
                    file_name: "s.pdf",
                    content_type: "application/pdf",
                    bytes: &pdf("x"),
                },
            ],
        )
        .await;
    assert_eq!(forged.status, 403);
    let forged = dee
        .post_multipart(
            &format!("/portal/orders/new/{id}"),
            &[Part::Text("csrf", "nope")],
        )
        .await;
    assert_eq!(forged.status, 403);
    // Not multipart at all (with the session's token, so that it passes the CSRF check).
    let csrf = dee.get(&format!("/portal/orders/new/{id}")).await.csrf();
    let wrong = dee
        .post(
            &format!("/portal/orders/new/{id}"),
            &[("csrf", csrf.as_str()), ("job", "Court filing")],
        )
        .await;
    assert_eq!(wrong.status, 422);

    assert_eq!(
        (
            count(&app, "work_orders").await,
            count(&app, "documents").await
        ),
        (0, 0)
    );
    let (names, _) = stored(&app);
    assert!(
        names.is_empty(),
        "nothing of a refused order stays on disk: {names:?}"
    );

    // Another organization's form is no form at all.
    let (bo, _bo_browser, _) = app.signed_in_owner("bo@other.legal").await;
    let theirs = app.form(bo.org_id, WORK_ORDER).await;
    assert_eq!(
        dee.get(&format!("/portal/orders/new/{}", theirs.id))
            .await
            .status,
        404
    );

    // A PNG is accepted too, whatever it is called.
    let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR".to_vec();
    let placed = dee
        .place_order(&id, answers, &[("summons", "scan.jpeg", &png)])
        .await;
    assert_eq!(placed.status, 303, "{}", placed.html);
    let kind: String = sqlx::query_scalar("SELECT kind FROM documents")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(kind, "png");
}

#[both_engines]
async fn staff_move_orders_on_and_each_client_sees_only_their_own(engine: Engine) {
    let Some(sink) = SmtpSink::start().await else {
        return;
    };
    let receiver = WebhookReceiver::start(&[]).await;
    let app = TestApp::builder(engine).mail(sink.url()).build().await;
    let (ana, _owner, _) = app.signed_in_owner("ana@spectrum.legal").await;
    let url = url::Url::parse(&receiver.url()).unwrap();
    leadvault_webhooks::add_endpoint(
        &app.db,
        &app.keyring,
        &Acting::new(ana.org_id, fixture(), leadvault_store::Timestamp::now()),
        &url,
    )
    .await
    .unwrap();
    let site = app.site(ana.org_id, "spectrum.example").await;
    let other_site = app.site(ana.org_id, "elsewhere.example").await;
    let form = app.form_on(ana.org_id, Some(site), WORK_ORDER).await;
    let (_dee, mut dee) = client_of(&app, &ana, "dee@client.example").await;
    let (_eve, mut eve) = client_of(&app, &ana, "eve@client.example").await;
    let ivy = app
        .member(
            &ana,
            "ivy@spectrum.legal",
            Role::Intake,
            Scope::Organization,
        )
        .await;
    let (mut ivy, _) = app.signed_in(&ivy).await;
    let ira = app
        .member(
            &ana,
            "ira@spectrum.legal",
            Role::Intake,
            Scope::Sites([other_site].into()),
        )
        .await;
    let (mut ira, _) = app.signed_in(&ira).await;
    let al = app
        .member(
            &ana,
            "al@spectrum.legal",
            Role::Attorney,
            Scope::Organization,
        )
        .await;
    let (mut al, _) = app.signed_in(&al).await;

    let placed = dee
        .place_order(
            &form.id.to_string(),
            &[
                ("job", "Records retrieval"),
                ("party", "Quentin Marlowe"),
                ("ssn", "078-05-1120"),
            ],
            &[("summons", "summons.pdf", &pdf("x"))],
        )
        .await;
    assert_eq!(placed.status, 303, "{}", placed.html);
    let path = placed.location().unwrap().to_owned();
    let order = path.trim_start_matches("/portal/orders/").to_owned();
    let document: String = sqlx::query_scalar("SELECT id FROM documents")
        .fetch_one(app.db.pool())
        .await
        .unwrap();

    // Staff who handle orders hear of it, without a word of it.
    let notice = sink.wait_for_recipient("ivy@spectrum.legal").await;
    assert_eq!(notice.subject, "A new work order is waiting");
    assert!(
        !notice.raw.contains("Quentin") && !notice.raw.contains("078-05-1120"),
        "{}",
        notice.raw
    );

    // Another client sees nothing of it.
    assert!(!eve.get("/portal").await.html.contains(&order));
    assert_eq!(eve.get(&path).await.status, 404);
    assert_eq!(
        eve.get(&format!("/portal/documents/{document}"))
            .await
            .status,
        404
    );
    let csrf = eve.get("/account").await.csrf();
    assert_eq!(
        eve.post(&format!("{path}/cancel"), &[("csrf", &csrf)])
            .await
            .status,
        404
    );
    // Staff: the whole order, on their sites only; attorneys none.
    let list = ivy.get("/orders").await;
    assert!(
        list.html.contains(&order) && list.html.contains("Records retrieval"),
        "{}",
        list.html
    );
    assert!(!list.html.contains("Quentin"), "the list decrypts nothing");
    let staff_path = format!("/orders/{order}");
    let seen = ivy.get(&staff_path).await;
    assert!(
        seen.html.contains("078-05-1120") && seen.html.contains("Quentin Marlowe"),
        "{}",
        seen.html
    );
    assert!(seen.html.contains(&format!("/orders/documents/{document}")));
    assert_eq!(
        ivy.get(&format!("/orders/documents/{document}"))
            .await
            .status,
        200
    );
    assert_eq!(
        ira.get(&staff_path).await.status,
        404,
        "another site's order"
    );
    assert!(!ira.get("/orders").await.html.contains(&order));
    assert_eq!(al.get("/orders").await.status, 403);
    assert_eq!(
        dee.get(&staff_path).await.status,
        403,
        "clients use the portal"
    );

    // The lifecycle: no skipping ahead, no going back.
    let page = ivy.get(&staff_path).await;
    let skipped = ivy
        .submit(
            &page,
            &format!("{staff_path}/status"),
            &[("status", "completed")],
        )
        .await;
    assert_eq!(skipped.status, 422);
    assert!(
        skipped
            .html
            .contains("a work order that is Received cannot become Completed"),
        "{}",
        skipped.html
    );
    for status in ["accepted", "in_progress", "completed"] {
        let moved = ivy
            .submit(
                &page,
                &format!("{staff_path}/status"),
                &[("status", status)],
            )
            .await;
        assert_eq!(moved.status, 303, "{status}: {}", moved.html);
    }
    let late = ivy
        .submit(
            &page,
            &format!("{staff_path}/status"),
            &[("status", "cancelled")],
        )
        .await;
    assert_eq!(late.status, 422);
    let csrf = dee.get("/account").await.csrf();
    assert_eq!(
        dee.post(&format!("{path}/cancel"), &[("csrf", &csrf)])
            .await
            .status,
        422,
        "too late to cancel"
    );

    let mine = dee.get(&path).await;
    assert!(mine.html.contains("Status: Completed"), "{}", mine.html);
    for step in [
        "order placed",
        "status set to Accepted",
        "status set to In progress",
        "status set to Completed",
    ] {
        assert!(mine.html.contains(step), "{step}: {}", mine.html);
    }
    // The client heard of each step, and of nothing in the order (after the two notices
    // to the staff who handle orders of this site: the owner and Ivy, not Ira).
    let mails: Vec<_> = sink
        .wait_for(5)
        .await
        .into_iter()
        .filter(|m| m.to.contains("dee@client.example"))
        .collect();
    assert_eq!(mails.len(), 3, "{mails:?}");
    assert!(
        sink.messages().iter().all(|m| !m.to.contains("ira@")),
        "Ira handles another site's orders"
    );
    assert!(
        mails.iter().any(|m| m.subject.ends_with(": In progress")),
        "{mails:?}"
    );
    assert!(
        mails
            .iter()
            .all(|m| !m.raw.contains("Quentin") && !m.raw.contains("078-05-1120"))
    );

    // Webhooks: created, then each update, with ids and statuses only.
    let hooks = receiver.wait_for(4).await;
    let bodies: Vec<serde_json::Value> = hooks
        .iter()
        .map(|h| serde_json::from_str(&h.body).unwrap())
        .collect();
    assert_eq!(bodies[0]["type"], "work_order.created");
    assert_eq!(bodies[3]["type"], "work_order.updated");
    assert_eq!(bodies[3]["data"]["status"], "completed");
    assert_eq!(bodies[3]["data"]["previous_status"], "in_progress");
    assert_eq!(bodies[3]["data"]["work_order_id"], order.as_str());
    assert!(
        hooks
            .iter()
            .all(|h| !h.body.contains("Quentin") && !h.body.contains("078-05"))
    );

    // A client may withdraw an order nobody accepted yet.
    let second = app
        .order(
            &form,
            _eve.user_id.as_uuid(),
            &[("job", "Other"), ("party", "P")],
            &[("summons", "a.png", b"\x89PNG\r\n\x1a\nxx")],
        )
        .await;
    let path = format!("/portal/orders/{second}");
    let csrf = eve.get(&path).await.csrf();
    assert_eq!(
        eve.post(&format!("{path}/cancel"), &[("csrf", &csrf)])
            .await
            .status,
        303
    );
    assert!(eve.get(&path).await.html.contains("Status: Cancelled"));
    assert_eq!(
        app.audited(Chain::Org(ana.org_id), "work_order.status_changed")
            .await
            .len(),
        4
    );
}

/// A public form's page sent back as multipart, with the page token first.
async fn send_public(
    visitor: &mut Browser<'_>,
    form: &str,
    name: &str,
    file: Option<(&str, &[u8])>,
) -> Page {
    let page = visitor.get(&format!("/f/{form}")).await;
    let token = page.hidden("_token");
    let mut parts = vec![Part::Text("_token", &token), Part::Text("name", name)];
    if let Some((file_name, bytes)) = file {
        parts.push(Part::File {
            name: "photos",
            file_name,
            content_type: "image/png",
            bytes,
        });
    }
    visitor.post_multipart(&format!("/f/{form}"), &parts).await
}

#[both_engines]
async fn a_public_form_takes_documents_only_when_its_owner_asked_and_only_of_its_types(
    engine: Engine,
) {
    let app = TestApp::start(engine).await;
    let (ana, _owner, _) = app.signed_in_owner("ana@lima.law").await;
    let form = app.form(ana.org_id, PHOTOS_OF_DAMAGE).await;
    let id = form.id.to_string();
    let mut visitor = app.browser();

    let page = visitor.get(&format!("/f/{id}")).await;
    assert!(
        page.html.contains("enctype=\"multipart/form-data\""),
        "{}",
        page.html
    );
    assert!(
        page.html
            .contains("accept=\".png,image/png,.jpg,image/jpeg\""),
        "{}",
        page.html
    );

    // Disguised, or not first checked: refused, nothing kept.
    let refused = send_public(
        &mut visitor,
        &id,
        "Dana Whitfield",
        Some(("damage.png", b"MZ\x90\x00 not a picture")),
    )
    .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused
            .html
            .contains("The file is not one of the accepted types (PNG, JPEG)."),
        "{}",
        refused.html
    );
    assert!(refused.html.contains("Dana Whitfield"));
    let forged = visitor
        .post_multipart(
            &format!("/f/{id}"),
            &[
                Part::Text("name", "Dana"),
                Part::File {
                    name: "photos",
                    file_name: "a.png",
                    content_type: "image/png",
                    bytes: b"\x89PNG\r\n\x1a\n",
                },
            ],
        )
        .await;
    assert_eq!(forged.status, 403);
    assert_eq!(
        (count(&app, "leads").await, count(&app, "documents").await),
        (0, 0)
    );
    assert!(stored(&app).0.is_empty());

    // A form that asks for no documents takes none.
    let plain = app.form(ana.org_id, NAME_ONLY).await;
    let page = visitor.get(&format!("/f/{}", plain.id)).await;
    assert!(!page.html.contains("multipart") && !page.html.contains("type=\"file\""));
    let token = page.hidden("_token");
    let pushed = visitor
        .post_multipart(
            &format!("/f/{}", plain.id),
            &[
                Part::Text("_token", &token),
                Part::File {
                    name: "name",
                    file_name: "a.png",
                    content_type: "image/png",
                    bytes: b"\x89PNG\r\n\x1a\n",
                },
            ],
        )
        .await;
    assert_eq!(pushed.status, 422);
    assert!(stored(&app).0.is_empty());

    // A bot that fills the hidden field: its documents are not even received.
    let page = visitor.get(&format!("/f/{id}")).await;
    let token = page.hidden("_token");
    let bot = visitor
        .post_multipart(
            &format!("/f/{id}"),
            &[
                Part::Text("_token", &token),
                Part::Text("_website", "http://spam.example"),
                Part::Text("name", "Bot"),
                Part::File {
                    name: "photos",
                    file_name: "a.png",
                    content_type: "image/png",
                    bytes: b"\x89PNG\r\n\x1a\nxx",
                },
            ],
        )
        .await;
    assert_eq!(bot.status, 422);
    assert!(stored(&app).0.is_empty());

    // A picture is taken with the lead, encrypted, and intake staff download it.
    let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR PLANTED-PICTURE-BYTES".to_vec();
    let sent = send_public(
        &mut visitor,
        &id,
        "Dana Whitfield",
        Some(("damage.png", &png)),
    )
    .await;
    assert_eq!(sent.status, 200, "{}", sent.html);
    assert!(!contains(&stored(&app).1, "PLANTED-PICTURE-BYTES"));
    let lead: String = sqlx::query_scalar("SELECT id FROM leads")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let document: String = sqlx::query_scalar("SELECT id FROM documents WHERE owner_kind = 'lead'")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let ivy = app
        .member(&ana, "ivy@lima.law", Role::Intake, Scope::Organization)
        .await;
    let (mut ivy, _) = app.signed_in(&ivy).await;
    let seen = ivy.get(&format!("/leads/{lead}")).await;
    assert!(
        seen.html.contains(&format!("/leads/documents/{document}"))
            && seen.html.contains("damage.png"),
        "{}",
        seen.html
    );
    let (status, headers, body) = ivy.download(&format!("/leads/documents/{document}")).await;
    assert_eq!(status, 200);
    assert_eq!(
        headers["content-disposition"],
        "attachment; filename=\"damage.png\""
    );
    assert_eq!(body, png);
    // An attorney the lead is not assigned to does not reach it.
    let al = app
        .member(&ana, "al@lima.law", Role::Attorney, Scope::Organization)
        .await;
    let (mut al, _) = app.signed_in(&al).await;
    assert_eq!(
        al.download(&format!("/leads/documents/{document}")).await.0,
        404
    );
    let created = app.audited(Chain::Org(ana.org_id), "lead.created").await;
    assert!(created[0].fields.contains("photos"), "{:?}", created[0]);
    assert_eq!(
        app.audited(Chain::Org(ana.org_id), "document.downloaded")
            .await
            .len(),
        1
    );

    // Without a document (not required), the usual encoding still works.
    let page = visitor.get(&format!("/f/{id}")).await;
    let token = page.hidden("_token");
    let sent = visitor
        .post(
            &format!("/f/{id}"),
            &[("_token", token.as_str()), ("name", "Sam")],
        )
        .await;
    assert_eq!(sent.status, 200, "{}", sent.html);
}

#[both_engines]
async fn a_sweep_removes_files_no_record_names_and_unfinished_uploads_only(engine: Engine) {
    let app = TestApp::start(engine).await;
    let (ana, _owner, _) = app.signed_in_owner("ana@spectrum.legal").await;
    let form = app.form(ana.org_id, WORK_ORDER).await;
    let client = uuid::Uuid::new_v4();
    app.order(
        &form,
        client,
        &[("job", "Other"), ("party", "P")],
        &[("summons", "s.pdf", &pdf("kept"))],
    )
    .await;
    let dir = app.documents.dir().to_path_buf();
    let recorded = stored(&app).0.remove(0);
    let two_days_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(48 * 3600);
    let file = |name: &str, old: bool| {
        let path = dir.join(name);
        std::fs::write(&path, b"left over").unwrap();
        if old {
            std::fs::File::options()
                .write(true)
                .open(&path)
                .unwrap()
                .set_modified(two_days_ago)
                .unwrap();
        }
    };
    file("00112233445566778899aabbccddeeff", true); // placed, never committed
    file("ffeeddccbbaa99887766554433221100", false); // perhaps committing right now
    file("aaaabbbbccccddddeeeeffff00001111.partial", true); // cut off long ago
    file("bbbbccccddddeeeeffff000011112222.partial", false); // perhaps arriving now
    file("notes.txt", true); // not the store's
    std::fs::File::options()
        .write(true)
        .open(dir.join(&recorded))
        .unwrap()
        .set_modified(two_days_ago)
        .unwrap();

    let swept = app
        .documents
        .sweep(&app.db, std::time::SystemTime::now())
        .await
        .unwrap();
    assert_eq!((swept.orphans, swept.partials), (1, 1));
    let mut left = stored(&app).0;
    left.sort();
    let mut expected = vec![
        recorded.clone(),
        "ffeeddccbbaa99887766554433221100".to_owned(),
        "bbbbccccddddeeeeffff000011112222.partial".to_owned(),
        "notes.txt".to_owned(),
    ];
    expected.sort();
    assert_eq!(left, expected);
}
