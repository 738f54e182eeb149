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
