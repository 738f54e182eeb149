//! Experiments as stored (issue 8): definitions checked when saved, the life of an
//! experiment, and each site seeing only its own.

use leadvault_analytics::{
    ExperimentError, ExperimentRefused, ExperimentState, create_experiment, list_experiments,
    set_state,
};
use leadvault_store::{SiteId, Timestamp};
use leadvault_test_support::{TestApp, on_both_engines};

const HEADLINE: &str = r#"{"name": "Hero headline", "include": ["/"], "traffic": 100, "variations": [
    {"name": "Control", "weight": 50},
    {"name": "Direct", "weight": 50, "changes": [{"set_text": {"selector": "h1", "text": "Talk to a lawyer today"}}]}]}"#;

on_both_engines! {
    async fn an_experiment_is_saved_checked_and_moves_only_through_its_life(engine) {
        let app = TestApp::start(engine).await;
        let (site, other) = (SiteId::random(), SiteId::random());
        let db = &app.analytics;
        let now = Timestamp::now();
        let id = create_experiment(db, site, "lima.law", HEADLINE, now).await.unwrap();

        let unsafe_one = HEADLINE.replace(
            r#"{"set_text": {"selector": "h1", "text": "Talk to a lawyer today"}}"#,
            r#"{"set_attribute": {"selector": "a", "name": "href", "value": "javascript:alert(1)"}}"#,
        );
        match create_experiment(db, site, "lima.law", &unsafe_one, now).await {
            Err(ExperimentError::Refused(ExperimentRefused::Change { change: 1, .. })) => {}
            other => panic!("an unsafe change was not refused: {other:?}"),
        }
        let saved = list_experiments(db, site, "lima.law").await.unwrap();
        assert_eq!(saved.len(), 1, "the refused one was not saved");
        assert_eq!((saved[0].id, saved[0].state), (id, ExperimentState::Draft));
        assert_eq!(saved[0].seed.len(), 32);
        assert!(list_experiments(db, other, "other.law").await.unwrap().is_empty());

        let step = |next| set_state(db, site, "lima.law", id, next, now);
        step(ExperimentState::Running).await.unwrap();
        assert!(matches!(step(ExperimentState::Draft).await, Err(ExperimentError::Transition { .. })));
        step(ExperimentState::Paused).await.unwrap();
        step(ExperimentState::Running).await.unwrap();
        assert!(matches!(step(ExperimentState::Shipped(2)).await, Err(ExperimentError::NoSuchVariation(2))));
        step(ExperimentState::Shipped(1)).await.unwrap();
        assert!(matches!(step(ExperimentState::Running).await, Err(ExperimentError::Transition { .. })));
        assert_eq!(list_experiments(db, site, "lima.law").await.unwrap()[0].state, ExperimentState::Shipped(1));
        assert!(matches!(
            set_state(db, other, "other.law", id, ExperimentState::Stopped, now).await,
            Err(ExperimentError::Unknown)
        ));
    }
}

on_both_engines! {
    async fn the_json_api_saves_safe_experiments_refuses_unsafe_ones_and_runs_them(engine) {
        let app = TestApp::start(engine).await;
        let owner = app.owner("ana@lima.law").await;
        let site = app.site(owner.org_id, "lima.law").await;
        let (mut browser, _) = app.signed_in(&owner).await;
        let path = format!("/api/sites/{site}/experiments");
        let csrf = browser.get(&format!("/sites/{site}/analytics")).await.csrf();
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
        assert_eq!((experiment["name"].as_str(), experiment["state"].as_str()), (Some("Hero headline"), Some("draft")));

        let script = HEADLINE.replace(r#"{"set_text": {"selector": "h1", "text": "Talk to a lawyer today"}}"#, r#"{"set_style": {"selector": "h1", "property": "background", "value": "url(https://evil.example/x)"}}"#);
        let refused = post!(path, &script);
        assert_eq!(refused.status, 422);
        assert!(refused.json()["error"].as_str().unwrap().contains("may not be set"), "{}", refused.html);

        let id = experiment["id"].as_str().unwrap();
        let state = format!("{path}/{id}/state");
        assert_eq!(post!(state, r#"{"state": "running"}"#).status, 204);
        let listed = browser.get(&path).await.json();
        assert_eq!(listed["experiments"].as_array().unwrap().len(), 1, "the unsafe one was not saved");
        assert_eq!(listed["experiments"][0]["state"], "running");
        assert_eq!(post!(state, r#"{"state": "draft"}"#).status, 422);
        assert_eq!(post!(state, r#"{"state": "shipped", "variation": 1}"#).status, 204);
        let chain = leadvault_audit::Chain::of(owner.org_id);
        assert_eq!(app.audited(chain, "experiment.created").await.len(), 1);
        assert_eq!(app.audited(chain, "experiment.state_changed").await.len(), 2);
    }
}
