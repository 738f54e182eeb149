//! Experiments as stored (issue 8): definitions checked when saved, the life of an
//! experiment, and each site seeing only its own.

use leadvault_analytics::{
    ExperimentError, ExperimentRefused, ExperimentState, OnSite, create_experiment,
    list_experiments, set_state,
};
use leadvault_store::{OrgId, SiteId, Timestamp};
use leadvault_test_support::{Engine, TestApp, acting_in, both_engines};

/// A site of a made-up organization, as experiments name it.
fn lima(site: SiteId) -> OnSite<'static> {
    OnSite {
        site,
        domain: "lima.law",
    }
}

const HEADLINE: &str = r#"{"name": "Hero headline", "include": ["/"], "traffic": 100, "variations": [
    {"name": "Control", "weight": 50},
    {"name": "Direct", "weight": 50, "changes": [{"set_text": {"selector": "h1", "text": "Talk to a lawyer today"}}]}]}"#;

#[both_engines]
async fn an_experiment_is_saved_checked_and_moves_only_through_its_life(engine: Engine) {
    let app = TestApp::start(engine).await;
    let (site, other) = (SiteId::random(), SiteId::random());
    let (db, acting) = (&app.db, acting_in(OrgId::random()));
    let id = create_experiment(db, &acting, lima(site), HEADLINE)
        .await
        .unwrap();

    let unsafe_one = HEADLINE.replace(
        r#"{"set_text": {"selector": "h1", "text": "Talk to a lawyer today"}}"#,
        r#"{"set_attribute": {"selector": "a", "name": "href", "value": "javascript:alert(1)"}}"#,
    );
    match create_experiment(db, &acting, lima(site), &unsafe_one).await {
        Err(ExperimentError::Refused(ExperimentRefused::Change { change: 1, .. })) => {}
        other => panic!("an unsafe change was not refused: {other:?}"),
    }
    let saved = list_experiments(db, lima(site)).await.unwrap();
    assert_eq!(saved.len(), 1, "the refused one was not saved");
    assert_eq!((saved[0].id, saved[0].state), (id, ExperimentState::Draft));
    assert_eq!(saved[0].seed.len(), 32);
    assert!(
        list_experiments(
            db,
            OnSite {
                site: other,
                domain: "other.law"
            }
        )
        .await
        .unwrap()
        .is_empty()
    );

    let step = |next| set_state(db, &acting, lima(site), id, next);
    step(ExperimentState::Running).await.unwrap();
    assert!(matches!(
        step(ExperimentState::Draft).await,
        Err(ExperimentError::Transition { .. })
    ));
    step(ExperimentState::Paused).await.unwrap();
    step(ExperimentState::Running).await.unwrap();
    assert!(matches!(
        step(ExperimentState::Shipped(2)).await,
        Err(ExperimentError::NoSuchVariation(2))
    ));
    step(ExperimentState::Shipped(1)).await.unwrap();
    assert!(matches!(
        step(ExperimentState::Running).await,
        Err(ExperimentError::Transition { .. })
    ));
    assert_eq!(
        list_experiments(db, lima(site)).await.unwrap()[0].state,
        ExperimentState::Shipped(1)
    );
    assert!(matches!(
        set_state(
            db,
            &acting,
            OnSite {
                site: other,
                domain: "other.law"
            },
            id,
            ExperimentState::Stopped
        )
        .await,
        Err(ExperimentError::Unknown)
    ));
}

#[both_engines]
async fn the_json_api_saves_safe_experiments_refuses_unsafe_ones_and_runs_them(engine: Engine) {
    let app = TestApp::start(engine).await;
    let owner = app.owner("ana@lima.law").await;
    let site = app.site(owner.org_id, "lima.law").await;
    let (mut browser, _) = app.signed_in(&owner).await;
    let path = format!("/api/sites/{site}/experiments");
    let csrf = browser
        .get(&format!("/sites/{site}/analytics"))
        .await
        .csrf();
    macro_rules! post {
        ($to:expr, $json:expr) => {
            browser
                .send_json(
                    reqwest::Method::POST,
                    &$to,
                    Some(&csrf),
                    &serde_json::from_str::<serde_json::Value>($json).unwrap(),
                )
                .await
        };
    }

    let created = post!(path, HEADLINE);
    assert_eq!(created.status, 201, "{}", created.html);
    let experiment = created.json();
    assert_eq!(
        (experiment["name"].as_str(), experiment["state"].as_str()),
        (Some("Hero headline"), Some("draft"))
    );
    assert_eq!(experiment["warnings"], serde_json::json!([]));

    let script = HEADLINE.replace(r#"{"set_text": {"selector": "h1", "text": "Talk to a lawyer today"}}"#, r#"{"set_style": {"selector": "h1", "property": "background", "value": "url(https://evil.example/x)"}}"#);
    let refused = post!(path, &script);
    assert_eq!(refused.status, 422);
    assert!(
        refused.json()["error"]
            .as_str()
            .unwrap()
            .contains("may not be set"),
        "{}",
        refused.html
    );

    let id = experiment["id"].as_str().unwrap();
    let state = format!("{path}/{id}/state");
    assert_eq!(post!(state, r#"{"state": "running"}"#).status, 204);
    let listed = browser.get(&path).await.json();
    assert_eq!(
        listed["experiments"].as_array().unwrap().len(),
        1,
        "the unsafe one was not saved"
    );
    assert_eq!(listed["experiments"][0]["state"], "running");
    assert_eq!(post!(state, r#"{"state": "draft"}"#).status, 422);
    assert_eq!(
        post!(state, r#"{"state": "shipped", "variation": 1}"#).status,
        204
    );
    let chain = leadvault_audit::Chain::of(owner.org_id);
    assert_eq!(app.audited(chain, "experiment.created").await.len(), 1);
    assert_eq!(
        app.audited(chain, "experiment.state_changed").await.len(),
        2
    );
}

#[both_engines]
async fn results_count_conversions_after_exposure_under_the_variation_seen(engine: Engine) {
    use std::time::Duration;

    use leadvault_analytics::{
        Day, EXPOSURE, FORM_SUBMITTED, GoalKind, Range, StoredEvent, VisitId, VisitorId,
        experiment_results,
    };

    let app = TestApp::start(engine).await;
    let site = SiteId::random();
    let db = &app.analytics;
    let today = Day::of(Timestamp::now());
    let acting = acting_in(OrgId::random());
    let id = create_experiment(&app.db, &acting, lima(site), HEADLINE)
        .await
        .unwrap();
    let experiment = list_experiments(&app.db, lima(site))
        .await
        .unwrap()
        .remove(0);
    let at = |minute: u64| {
        today
            .start()
            .saturating_add(Duration::from_secs(minute * 60))
    };
    let event = |visitor: i64, minute: u64, name: &str, props: Option<String>| StoredEvent {
        site,
        at: at(minute),
        visit: VisitId::from_raw(visitor),
        visitor: VisitorId::from_raw(visitor),
        name: name.to_owned(),
        path: "/".to_owned(),
        props,
        revenue: None,
    };
    let exposure = |experiment: &str, variation: usize| {
        Some(format!(
            r#"{{"experiment":"{experiment}","variation":"{variation}"}}"#
        ))
    };
    let mut events = Vec::new();
    for visitor in 0..40_i64 {
        let variation = usize::try_from(visitor % 2).unwrap();
        events.push(event(
            visitor,
            10,
            EXPOSURE,
            exposure(&id.to_string(), variation),
        ));
        // A second exposure later that day changes nothing.
        events.push(event(
            visitor,
            20,
            EXPOSURE,
            exposure(&id.to_string(), variation),
        ));
        // Two in twenty of the control convert; twelve in twenty of the variation.
        let converts = if variation == 0 {
            visitor < 4
        } else {
            visitor < 24
        };
        if converts {
            events.push(event(visitor, 30, FORM_SUBMITTED, None));
        }
    }
    // Converted before being exposed: not the variation's doing.
    events.push(event(100, 5, FORM_SUBMITTED, None));
    events.push(event(100, 6, EXPOSURE, exposure(&id.to_string(), 1)));
    // Another experiment's exposure is not this one's.
    events.push(event(101, 6, EXPOSURE, exposure("another", 1)));
    // Four visitors, two in each arm, reach a thank-you page after exposure; one before.
    for visitor in [0_i64, 1, 2, 3, 100] {
        let minute = if visitor == 100 { 4 } else { 40 };
        events.push(StoredEvent {
            path: "/thanks/consultation".into(),
            ..event(visitor, minute, "pageview", None)
        });
    }
    db.write(&events, &[]).await.unwrap();

    let goal = GoalKind::Event(FORM_SUBMITTED.to_owned());
    let results = experiment_results(db, site, &experiment, &goal, Range::Today.period(today))
        .await
        .unwrap();
    let arms: Vec<(u64, u64)> = results
        .variations
        .iter()
        .map(|v| (v.arm.visitors, v.arm.conversions))
        .collect();
    assert_eq!(arms, [(20, 2), (21, 12)]);
    assert!(results.variations[0].comparison.is_none());
    let direct = &results.variations[1];
    assert!(direct.comparison.unwrap().chance_to_beat > 0.99);
    assert_eq!(
        direct.verdict.as_deref(),
        Some("not enough data yet"),
        "the numbers lean one way, but 20 visitors an arm is too few to say"
    );
    assert!(
        results.sample_ratio.unwrap() > 0.5,
        "20 and 21 of a 50/50 split is fair"
    );

    let page_goal = GoalKind::Page(leadvault_analytics::PathPattern::parse("/thanks/*").unwrap());
    let by_page = experiment_results(
        db,
        site,
        &experiment,
        &page_goal,
        Range::Today.period(today),
    )
    .await
    .unwrap();
    let conversions: Vec<u64> = by_page
        .variations
        .iter()
        .map(|v| v.arm.conversions)
        .collect();
    assert_eq!(conversions, [2, 2]);
}

#[both_engines]
async fn the_script_carries_a_sites_experiments_only_while_it_has_some(engine: Engine) {
    let app = TestApp::start(engine).await;
    let owner = app.owner("ana@lima.law").await;
    let site = app.site(owner.org_id, "lima.law").await;
    let other = app.site(owner.org_id, "other.law").await;
    let (mut browser, _) = app.signed_in(&owner).await;
    let csrf = browser
        .get(&format!("/sites/{site}/analytics"))
        .await
        .csrf();
    let plain = app
        .client
        .get(app.url("/js/lv.js"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let script = |site: String| {
        let request = app.client.get(app.url(&format!("/js/lv.js?site={site}")));
        async move {
            let response = request.send().await.unwrap();
            let (status, headers) = (response.status(), response.headers().clone());
            (status, headers, response.text().await.unwrap())
        }
    };

    // No experiments yet: the plain script, for every kind of site id (and a site named
    // twice).
    for id in [
        site.to_string(),
        SiteId::random().to_string(),
        "not-an-id".to_owned(),
        format!("{site}&site=x"),
    ] {
        let (status, _, body) = script(id).await;
        assert_eq!((status.as_u16(), body.as_str()), (200, plain.as_str()));
    }

    // A draft is sent for its preview link; refusals save nothing.
    let unknown_goal = HEADLINE.replace(
        r#""traffic": 100"#,
        r#""traffic": 100, "goals": [{"event": "Call"}]"#,
    );
    let refused = browser
        .send_json(
            reqwest::Method::POST,
            &format!("/api/sites/{site}/experiments"),
            Some(&csrf),
            &serde_json::from_str::<serde_json::Value>(&unknown_goal).unwrap(),
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.json()["error"]
            .as_str()
            .unwrap()
            .contains("no goal Event: Call"),
        "{}",
        refused.html
    );
    let created = browser
        .send_json(
            reqwest::Method::POST,
            &format!("/api/sites/{site}/experiments"),
            Some(&csrf),
            &serde_json::from_str::<serde_json::Value>(HEADLINE).unwrap(),
        )
        .await
        .json();
    let id = created["id"].as_str().unwrap().to_owned();
    let (_, headers, body) = script(site.to_string()).await;
    assert!(body.starts_with(&plain) && body.len() > plain.len());
    assert!(
        body.contains(&format!(r#""site":"{site}""#)) && body.contains(r#""run":false"#),
        "{body}"
    );
    assert!(body.contains("Talk to a lawyer today"));
    assert_eq!(headers["cache-control"], "public, max-age=60");
    assert_eq!(headers["cross-origin-resource-policy"], "cross-origin");
    // Revalidated by its tag.
    let etag = headers["etag"].to_str().unwrap().to_owned();
    let again = app
        .client
        .get(app.url(&format!("/js/lv.js?site={site}")))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    // Another site's script does not carry them.
    assert_eq!(script(other.to_string()).await.2, plain);

    // Running, then stopped: the change reaches the script at once, with a new tag.
    let state = format!("/api/sites/{site}/experiments/{id}/state");
    let send = |body: &'static str| {
        let body: serde_json::Value = serde_json::from_str(body).unwrap();
        (state.clone(), body)
    };
    let (to, body) = send(r#"{"state": "running"}"#);
    assert_eq!(
        browser
            .send_json(reqwest::Method::POST, &to, Some(&csrf), &body)
            .await
            .status,
        204
    );
    let (_, headers, body) = script(site.to_string()).await;
    assert!(body.contains(r#""run":true"#));
    assert_ne!(headers["etag"].to_str().unwrap(), etag);
    let (to, body) = send(r#"{"state": "stopped"}"#);
    assert_eq!(
        browser
            .send_json(reqwest::Method::POST, &to, Some(&csrf), &body)
            .await
            .status,
        204
    );
    assert_eq!(
        script(site.to_string()).await.2,
        plain,
        "a stopped experiment is not sent"
    );
}

#[both_engines]
async fn the_experiments_page_saves_safe_experiments_warns_of_overlaps_and_shows_results(
    engine: Engine,
) {
    let app = TestApp::start(engine).await;
    let owner = app.owner("ana@lima.law").await;
    let site = app.site(owner.org_id, "lima.law").await;
    let (mut browser, _) = app.signed_in(&owner).await;
    let page_path = format!("/sites/{site}/experiments");
    let dashboard = browser.get(&format!("/sites/{site}/analytics")).await;
    assert!(
        dashboard.html.contains(&page_path),
        "the dashboard links to experiments"
    );
    let added = browser
        .submit(
            &dashboard,
            &format!("/sites/{site}/analytics/goals"),
            &[("kind", "event"), ("target", "Signup")],
        )
        .await;
    assert_eq!(added.status, 303);
    let page = browser.get(&page_path).await;
    assert!(
        page.html.contains("No experiments yet") && page.html.contains(r#"value="event:Signup""#),
        "{}",
        page.html
    );

    let form = |kind: &'static str,
                field: &'static str,
                value: &'static str|
     -> Vec<(&'static str, &'static str)> {
        vec![
            ("name", "Hero"),
            ("include", "/\r\n/fees*"),
            ("exclude", ""),
            ("traffic", "100"),
            ("primary", "event:Signup"),
            ("secondary", "event:Form submitted"),
            ("control_name", "Original"),
            ("control_weight", "50"),
            ("v1_name", "Direct"),
            ("v1_weight", "50"),
            ("v1_kind", kind),
            ("v1_selector", "h1"),
            ("v1_field", field),
            ("v1_value", value),
            ("v1_kind", ""),
            ("v1_selector", ""),
            ("v1_field", ""),
            ("v1_value", ""),
            ("v2_name", ""),
            ("v2_weight", ""),
        ]
    };
    let api = format!("/api/sites/{site}/experiments");

    // An unsafe change: refused with the reason, the form kept, nothing saved.
    let refused = browser
        .submit(
            &page,
            &page_path,
            &form("set_attribute", "onclick", "alert(1)"),
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused
            .html
            .contains("variation Direct, change 1: the attribute &#34;onclick&#34; may not be set"),
        "{}",
        refused.html
    );
    assert!(
        refused.html.contains(r#"value="Hero""#),
        "what was typed stays"
    );
    assert!(
        browser.get(&api).await.json()["experiments"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    // A safe one is saved as a draft, with a preview link per variation.
    let saved = browser
        .submit(
            &page,
            &page_path,
            &form("set_text", "", "Talk to a lawyer today"),
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.html);
    let listed = browser.get(&api).await.json();
    let id = listed["experiments"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(listed["experiments"][0]["state"], "draft");
    let page = browser.get(&page_path).await;
    assert!(
        page.html
            .contains(&format!("https://lima.law/?lv_preview={id}:1")),
        "{}",
        page.html
    );

    // A second one changing the same element on the same pages: saved, and warned of.
    let mut other = form("hide", "", "");
    other[0] = ("name", "Quiet hero");
    assert_eq!(browser.submit(&page, &page_path, &other).await.status, 303);
    let page = browser.get(&page_path).await;
    assert!(
        page.html
            .contains("Quiet hero also changes h1 on some of the same pages"),
        "{}",
        page.html
    );

    // Started from the page.
    let started = browser
        .submit(
            &page,
            &format!("{page_path}/{id}/state"),
            &[("state", "running")],
        )
        .await;
    assert_eq!(started.status, 303);
    assert_eq!(
        browser.get(&api).await.json()["experiments"][0]["state"],
        "running"
    );
    let bogus = browser
        .submit(
            &page,
            &format!("{page_path}/{id}/state"),
            &[("state", "draft")],
        )
        .await;
    assert_eq!(bogus.status, 422);
    let chain = leadvault_audit::Chain::of(owner.org_id);
    assert_eq!(app.audited(chain, "experiment.created").await.len(), 2);
    assert_eq!(
        app.audited(chain, "experiment.state_changed").await.len(),
        1
    );

    // Results: every goal, the primary first, as JSON and as a page.
    let results = browser.get(&format!("{api}/{id}/results?effect=20")).await;
    assert_eq!(results.status, 200, "{}", results.html);
    let results = results.json();
    assert_eq!(results["state"], "running");
    assert_eq!(results["goals"][0]["goal"], "Event: Signup");
    assert_eq!(results["goals"][0]["primary"], true);
    assert_eq!(results["goals"][1]["goal"], "Event: Form submitted");
    assert_eq!(results["goals"][0]["variations"][1]["name"], "Direct");
    assert_eq!(results["goals"][0]["variations"][1]["visitors"], 0);
    assert_eq!(results["effect_percent"], 20.0);
    assert!(
        results["warnings"][0]
            .as_str()
            .unwrap()
            .contains("Quiet hero")
    );
    assert_eq!(
        browser
            .get(&format!("{api}/{id}/results?effect=0"))
            .await
            .status,
        422
    );
    assert_eq!(
        browser
            .get(&format!("{api}/{id}/results?period=forever"))
            .await
            .status,
        422
    );
    let page = browser.get(&format!("{page_path}/{id}")).await;
    assert_eq!(page.status, 200);
    assert!(
        page.html.contains("Event: Signup (primary goal)")
            && page.html.contains("not enough data yet"),
        "{}",
        page.html
    );
}

#[both_engines]
async fn a_settled_days_tally_is_counted_once_and_read_back_after_its_events_are_gone(
    engine: Engine,
) {
    use std::time::Duration;

    use leadvault_analytics::{
        Day, EXPOSURE, FORM_SUBMITTED, GoalKind, Period, ReportScope, StoredEvent, VisitId,
        VisitorId, experiment_report, experiment_results, purge,
    };

    let app = TestApp::start(engine).await;
    let site = SiteId::random();
    let db = &app.analytics;
    let now = Timestamp::now();
    let today = Day::of(now);
    let acting = acting_in(OrgId::random());
    let id = create_experiment(&app.db, &acting, lima(site), HEADLINE)
        .await
        .unwrap();
    let experiment = list_experiments(&app.db, lima(site))
        .await
        .unwrap()
        .remove(0);
    // On each of five days (two settled, the day before yesterday among them, and the
    // last two live), visitors exposed to both variations; some send a form after.
    let mut events = Vec::new();
    for (ago, visitors, converted) in [(5_i64, 10_i64, 3_i64), (2, 6, 1), (1, 4, 2), (0, 8, 4)] {
        let day = today.plus(-ago);
        for visitor in 0..visitors {
            let at = |minute: u64| day.start().saturating_add(Duration::from_secs(60 * minute));
            let event = |minute, name: &str, props| StoredEvent {
                site,
                at: at(minute),
                visit: VisitId::from_raw(visitor),
                visitor: VisitorId::from_raw(visitor),
                name: name.to_owned(),
                path: "/".to_owned(),
                props,
                revenue: None,
            };
            let variation = visitor % 2;
            events.push(event(
                10,
                EXPOSURE,
                Some(format!(
                    r#"{{"experiment":"{id}","variation":"{variation}"}}"#
                )),
            ));
            if visitor < converted {
                events.push(event(20, FORM_SUBMITTED, None));
            }
        }
    }
    db.write(&events, &[]).await.unwrap();
    let week = Period {
        first: today.plus(-6),
        end: today.plus(1),
    };
    let arms = |results: &leadvault_analytics::Results| -> Vec<(u64, u64)> {
        results
            .variations
            .iter()
            .map(|v| (v.arm.visitors, v.arm.conversions))
            .collect()
    };
    let goal = GoalKind::Event(FORM_SUBMITTED.to_owned());
    let counted = experiment_results(db, site, &experiment, &goal, week)
        .await
        .unwrap();
    // 28 visitor-days, 14 a variation (even visitors see the control). Conversions: 0
    // and 2 (control) and 1 five days ago; 0 two days ago; 0 and 1 yesterday; 0 to 3
    // today: 6 in the control, 4 in the variation.
    assert_eq!(arms(&counted), [(14, 6), (14, 4)]);

    // The report agrees, and stores the settled days' tallies as it goes.
    let scope = ReportScope {
        period: week,
        effect: 0.1,
        today,
    };
    let report = experiment_report(db, site, &experiment, scope)
        .await
        .unwrap();
    assert_eq!(arms(&report.goals[0].1), arms(&counted));
    // The events of settled days go (retention): the report still counts them, from the
    // stored tallies; counting from the events no longer can.
    purge(db, Duration::from_secs(86_400 * 2), now)
        .await
        .unwrap();
    let after = experiment_report(db, site, &experiment, scope)
        .await
        .unwrap();
    assert_eq!(arms(&after.goals[0].1), arms(&counted));
    let recounted = experiment_results(db, site, &experiment, &goal, week)
        .await
        .unwrap();
    assert_ne!(
        arms(&recounted),
        arms(&counted),
        "the purge did remove events"
    );
}

/// Goals, share links and experiments an earlier version kept in the SQLite analytics file
/// are moved beside the audit log when analytics opens, once; on PostgreSQL they were there
/// all along.
#[both_engines]
async fn definitions_kept_by_an_earlier_version_move_to_the_main_database(engine: Engine) {
    use leadvault_analytics::{is_shared, list_goals, move_definitions};
    use leadvault_store::sqlx;

    let app = TestApp::start(engine).await;
    let site = SiteId::random();
    let old = app.analytics.db();
    let micros = Timestamp::now().as_unix_micros();
    sqlx::query(
        "INSERT INTO analytics_goals (id, site_id, kind, target, created_at) \
         VALUES ('7d2c1e0a-5b7c-4d8e-9f00-112233445566', $1, 'event', 'Signup', $2)",
    )
    .bind(site.to_string())
    .bind(micros)
    .execute(old.pool())
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO analytics_shares (site_id, token_hash, created_at) VALUES ($1, $2, $3)",
    )
    .bind(site.to_string())
    .bind(b"token hash".to_vec())
    .bind(micros)
    .execute(old.pool())
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO analytics_experiments \
         (id, site_id, seed, definition, state, shipped, created_at, updated_at) \
         VALUES ('8e3d2f1b-6c8d-4e9f-a011-223344556677', $1, 'seed', $2, 'running', NULL, $3, $3)",
    )
    .bind(site.to_string())
    .bind(HEADLINE)
    .bind(micros)
    .execute(old.pool())
    .await
    .unwrap();

    let moved = move_definitions(&app.db, &app.analytics).await.unwrap();
    assert_eq!(moved, if engine == Engine::Sqlite { 3 } else { 0 });
    let goals = list_goals(&app.db, site).await.unwrap();
    assert_eq!(goals.len(), 2, "the built-in goal and the one moved");
    assert!(is_shared(&app.db, site).await.unwrap());
    let experiments = list_experiments(&app.db, lima(site)).await.unwrap();
    assert_eq!(experiments[0].state, ExperimentState::Running);
    assert_eq!(
        move_definitions(&app.db, &app.analytics).await.unwrap(),
        0,
        "nothing is moved twice"
    );
    assert_eq!(list_goals(&app.db, site).await.unwrap().len(), 2);
}
