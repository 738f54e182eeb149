//! Owners and admins build forms in the builder page and through the JSON API; both check
//! a form as the command line does, refuse mistakes with a clear message and save nothing
//! then, and make a new version on every save.

use leadvault_accounts::{Role, Scope};
use leadvault_audit::Chain;
use leadvault_store::sqlx;
use leadvault_test_support::{Engine, Page, TestApp, both_engines};
use reqwest::Method;
use serde_json::json;

fn consultation() -> serde_json::Value {
    json!({"kind": "consultation", "fields": [
        {"key": "name", "label": "Your name", "type": "text", "class": "contact", "required": true},
        {"key": "area", "label": "Practice area", "type": "single_choice", "class": "assessment",
         "choices": ["Family", "Injury"]},
        {"key": "when", "label": "When were you hurt?", "type": "date", "class": "assessment",
         "show_when": {"field": "area", "equals": "Injury"}},
        {"key": "agree", "label": "I agree", "type": "consent", "text": "You may contact me.", "required": true}
    ]})
}

async fn forms_in_database(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM forms")
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}

#[both_engines]
async fn an_admin_builds_and_revises_a_form_through_the_json_api(engine: Engine) {
    let app = TestApp::start(engine).await;
    let (ana, mut owner, _) = app.signed_in_owner("ana@lima.law").await;
    app.site(ana.org_id, "www.lima.law").await;
    let csrf = owner.get("/forms/new").await.csrf();
    let body =
        json!({"name": "Free consultation", "site": "www.lima.law", "definition": consultation()});

    // Without the session's token, or not as JSON: refused, nothing made.
    let forged = owner
        .send_json(Method::POST, "/api/forms", None, &body)
        .await;
    assert_eq!(forged.status, 403, "{}", forged.html);
    assert!(
        forged.json()["error"]
            .as_str()
            .unwrap()
            .contains("security token")
    );
    let mistakes = [
        (
            json!({"name": "X", "definition": {"kind": "consultation", "fields": [
            {"key": "ssn", "label": "SSN", "type": "text", "class": "sensitive"}]}}),
            "the definition: ssn: a public consultation form may not ask for sensitive data",
        ),
        (
            json!({"name": "X", "site": "elsewhere.example", "definition": consultation()}),
            "elsewhere.example is not one of your sites",
        ),
        (
            json!({"name": " ", "definition": consultation()}),
            "a form's name has 1 to 120 characters",
        ),
        (
            json!({"name": "X", "definition": consultation(), "colour": "red"}),
            "unknown field `colour`",
        ),
        (json!({"name": "X"}), "missing field `definition`"),
    ];
    for (body, message) in mistakes {
        let refused = owner
            .send_json(Method::POST, "/api/forms", Some(&csrf), &body)
            .await;
        assert_eq!(refused.status, 422, "{}", refused.html);
        let error = refused.json()["error"].as_str().unwrap().to_owned();
        assert!(error.contains(message), "{error}");
    }
    assert_eq!(forms_in_database(&app).await, 0);

    let made = owner
        .send_json(Method::POST, "/api/forms", Some(&csrf), &body)
        .await;
    assert_eq!(made.status, 201, "{}", made.html);
    let made = made.json();
    assert_eq!(
        (made["version"].as_i64(), made["site"].as_str()),
        (Some(1), Some("www.lima.law"))
    );
    let id = made["id"].as_str().unwrap().to_owned();
    assert_eq!(made["address"], format!("/f/{id}"));

    // What GET gives back is what PUT takes: a round trip changes nothing but the version.
    let shown = owner.get(&format!("/api/forms/{id}")).await.json();
    let mut definition = shown["definition"].clone();
    assert_eq!(
        definition["fields"][2]["show_when"],
        json!({"field": "area", "equals": "Injury"})
    );
    definition["fields"][1]["choices"] = json!(["Family", "Injury", "Immigration"]);
    let revised =
        json!({"name": "Talk to us", "site": null, "published": true, "definition": definition});
    let put = owner
        .send_json(
            Method::PUT,
            &format!("/api/forms/{id}"),
            Some(&csrf),
            &revised,
        )
        .await;
    assert_eq!(put.status, 200, "{}", put.html);
    let put = put.json();
    assert_eq!(
        (put["version"].as_i64(), put["name"].as_str(), &put["site"]),
        (Some(2), Some("Talk to us"), &json!(null))
    );
    assert_eq!(put["definition"]["fields"][1]["choices"][2], "Immigration");
    let listed = owner.get("/api/forms").await.json();
    assert_eq!(listed["forms"].as_array().unwrap().len(), 1);
    assert_eq!(
        app.audited(Chain::Org(ana.org_id), "form.revised")
            .await
            .len(),
        1
    );

    // Another organization's form is not found; other roles are refused (and it is
    // recorded); without a session, 401.
    let (_, mut bo, _) = app.signed_in_owner("bo@nyx.law").await;
    let bo_csrf = bo.get("/forms/new").await.csrf();
    assert_eq!(bo.get(&format!("/api/forms/{id}")).await.status, 404);
    let foreign = bo
        .send_json(
            Method::PUT,
            &format!("/api/forms/{id}"),
            Some(&bo_csrf),
            &revised,
        )
        .await;
    assert_eq!(foreign.status, 404);
    assert_eq!(foreign.json()["error"], "There is nothing at this address.");
    let cy = app
        .member(&ana, "cy@lima.law", Role::Intake, Scope::Organization)
        .await;
    let (mut cy_browser, _) = app.signed_in(&cy).await;
    assert_eq!(cy_browser.get("/api/forms").await.status, 403);
    assert!(
        !app.audited(Chain::Org(ana.org_id), "access.denied")
            .await
            .is_empty()
    );
    let mut anonymous = app.browser();
    let nobody = anonymous.get("/api/forms").await;
    assert_eq!(nobody.status, 401);
    assert!(nobody.json()["error"].is_string());
}

/// The builder page's fields for `questions` (key, label, type, class, extra fields).
fn builder_fields<'a>(
    name: &'a str,
    questions: &'a [(&'a str, &'a str, &'a str, &'a str)],
    action: &'a str,
) -> Vec<(String, String)> {
    let mut fields = vec![
        ("name".to_owned(), name.to_owned()),
        ("kind".to_owned(), "consultation".to_owned()),
        ("site".to_owned(), String::new()),
        ("published".to_owned(), "yes".to_owned()),
        ("health".to_owned(), "warn".to_owned()),
    ];
    for (i, (key, label, field_type, class)) in questions.iter().enumerate() {
        fields.push((format!("q{i}_key"), (*key).to_owned()));
        fields.push((format!("q{i}_label"), (*label).to_owned()));
        fields.push((format!("q{i}_type"), (*field_type).to_owned()));
        fields.push((format!("q{i}_class"), (*class).to_owned()));
        if *field_type == "consent" {
            fields.push((format!("q{i}_text"), "You may contact me.".to_owned()));
            fields.push((format!("q{i}_required"), "yes".to_owned()));
        }
    }
    fields.push(("action".to_owned(), action.to_owned()));
    fields
}

async fn send(
    browser: &mut leadvault_test_support::Browser<'_>,
    from: &Page,
    path: &str,
    fields: &[(String, String)],
) -> Page {
    let borrowed: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    browser.submit(from, path, &borrowed).await
}

#[both_engines]
async fn an_owner_builds_a_form_on_the_builder_page_without_javascript(engine: Engine) {
    let app = TestApp::start(engine).await;
    let (ana, mut owner, _) = app.signed_in_owner("ana@lima.law").await;
    let new = owner.get("/forms/new").await;
    assert_eq!(new.status, 200, "{}", new.html);
    assert!(
        new.html.contains("name=\"q4_key\" value=\"consent\""),
        "a starter form: {}",
        new.html
    );

    let questions = [
        ("name", "Your name", "text", "contact"),
        ("ssn", "Social Security number", "text", "sensitive"),
        ("agree", "I agree", "consent", ""),
    ];
    // Adding a question shows the page again with one more, as typed; nothing saved.
    let added = send(
        &mut owner,
        &new,
        "/forms/new",
        &builder_fields("Intake", &questions, "add"),
    )
    .await;
    assert_eq!(added.status, 200, "{}", added.html);
    assert!(
        added.html.contains("Question 4")
            && added.html.contains("value=\"Social Security number\"")
    );
    assert!(
        !added.html.contains("documents-unguarded"),
        "no document question, no warning"
    );
    let papers = [questions[0], ("papers", "Your papers", "file", "")];
    let with_papers = send(
        &mut owner,
        &new,
        "/forms/new",
        &builder_fields("Intake", &papers, "add"),
    )
    .await;
    assert!(
        with_papers
            .html
            .contains("The prohibited-data guard reads typed answers, not documents"),
        "an owner asking for documents on a public form is told the guard does not read them: {}",
        with_papers.html
    );
    // Saving refuses the sensitive question on a public form, says where, keeps the page.
    let refused = send(
        &mut owner,
        &added,
        "/forms/new",
        &builder_fields("Intake", &questions, "save"),
    )
    .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused
            .html
            .contains("Not saved: ssn: a public consultation form may not ask for sensitive data"),
        "{}",
        refused.html
    );
    assert!(
        refused.html.contains("value=\"Social Security number\""),
        "what was typed stays"
    );
    let bad_number = {
        let mut fields = builder_fields("Intake", &questions[..1], "save");
        fields.push(("q0_max_length".to_owned(), "lots".to_owned()));
        send(&mut owner, &added, "/forms/new", &fields).await
    };
    assert!(
        bad_number
            .html
            .contains("question 1: the longest answer is a whole number"),
        "{}",
        bad_number.html
    );
    assert_eq!(forms_in_database(&app).await, 0);

    // Removing it, then saving: the form exists and its public page answers.
    let removed = send(
        &mut owner,
        &refused,
        "/forms/new",
        &builder_fields("Intake", &questions, "remove:1"),
    )
    .await;
    assert!(
        !removed.html.contains("Social Security number")
            && removed.html.contains("value=\"agree\"")
    );
    let good = [questions[0], questions[2]];
    let saved = send(
        &mut owner,
        &removed,
        "/forms/new",
        &builder_fields("Intake", &good, "save"),
    )
    .await;
    assert_eq!(saved.location(), Some("/forms"), "{}", saved.html);
    let list = owner.get("/forms").await;
    let edit_link = list.attributes("a[href$=\"/edit\"]", "href").remove(0);
    let id = edit_link
        .trim_start_matches("/forms/")
        .trim_end_matches("/edit")
        .to_owned();
    assert_eq!(app.browser().get(&format!("/f/{id}")).await.status, 200);

    // Editing shows it as saved; moving a question up and saving makes version 2.
    let edit = owner.get(&format!("/forms/{id}/edit")).await;
    assert!(
        edit.html.contains("name=\"q1_key\" value=\"agree\""),
        "{}",
        edit.html
    );
    let path = format!("/forms/{id}/edit");
    let moved = send(
        &mut owner,
        &edit,
        &path,
        &builder_fields("Intake", &good, "up:1"),
    )
    .await;
    assert!(
        moved.html.contains("name=\"q0_key\" value=\"agree\""),
        "{}",
        moved.html
    );
    let reordered = [good[1], good[0]];
    let saved = send(
        &mut owner,
        &moved,
        &path,
        &builder_fields("Intake", &reordered, "save"),
    )
    .await;
    assert_eq!(saved.location(), Some("/forms"));
    let form = owner.get(&format!("/api/forms/{id}")).await.json();
    assert_eq!(
        (
            form["version"].as_i64(),
            form["definition"]["fields"][0]["key"].as_str()
        ),
        (Some(2), Some("agree"))
    );

    // Other roles cannot build; another organization's form is not found.
    let cy = app
        .member(&ana, "cy@lima.law", Role::Intake, Scope::Organization)
        .await;
    let (mut cy_browser, _) = app.signed_in(&cy).await;
    assert_eq!(cy_browser.get("/forms/new").await.status, 403);
    let (_, mut bo, _) = app.signed_in_owner("bo@nyx.law").await;
    assert_eq!(bo.get(&path).await.status, 404);
    let bo_page = bo.get("/forms/new").await;
    assert_eq!(
        send(
            &mut bo,
            &bo_page,
            &path,
            &builder_fields("Mine", &reordered, "save")
        )
        .await
        .status,
        404
    );
}
