//! The work-orders board (issue 21): keyset pages that neither repeat nor skip, filters on
//! status, client, due date, rush and overdue kept in the URL, overdue and due-soon marked,
//! soonest due first; and the client portal paged the same way, only their own orders.

use std::collections::HashSet;

use leadvault_accounts::{Role, Scope};
use leadvault_analytics::Day;
use leadvault_intake::OrderStatus;
use leadvault_store::{Timestamp, sqlx};
use leadvault_test_support::forms::WORK_ORDER_WITH_DUE_DATE;
use leadvault_test_support::{Browser, Engine, Page, TestApp, both_engines};

/// The order ids a board or portal page lists, in order.
fn listed(page: &Page, prefix: &str) -> Vec<String> {
    page.attributes("tbody a", "href")
        .into_iter()
        .filter_map(|href| href.strip_prefix(prefix).map(str::to_owned))
        .collect()
}

/// Every order on the board or portal from `start`, following "Next page".
async fn page_through(browser: &mut Browser<'_>, start: &str, prefix: &str) -> Vec<String> {
    let mut seen = Vec::new();
    let mut at = start.to_owned();
    loop {
        let page = browser.get(&at).await;
        assert_eq!(page.status, 200, "{}", page.html);
        seen.extend(listed(&page, prefix));
        let next = page.attributes("a[rel=next]", "href");
        match next.first() {
            Some(next) => at = next.clone(),
            None => return seen,
        }
    }
}

fn day(offset: i64) -> String {
    Day::of(Timestamp::now()).plus(offset).to_string()
}

#[both_engines]
async fn staff_page_filter_and_sort_the_board_and_see_what_is_late(engine: Engine) {
    let app = TestApp::start(engine).await;
    let ana = app.owner("ana@spectrum.legal").await;
    let form = app.form(ana.org_id, WORK_ORDER_WITH_DUE_DATE).await;
    let dee = app.customer(&ana, "dee@client.example").await;
    let eve = app.customer(&ana, "eve@client.example").await;
    let order = |client: leadvault_accounts::UserId, due: String, rush: bool| {
        let app = &app;
        let form = &form;
        async move {
            let mut answers = vec![("job", "Service of process"), ("party", "R. Roe")];
            if !due.is_empty() {
                answers.push(("due", due.as_str()));
            }
            if rush {
                answers.push(("rush", "yes"));
            }
            app.order(form, client.as_uuid(), &answers, &[]).await
        }
    };
    // 120 of dee's, due over the coming weeks; eve's: one overdue rush, one due tomorrow,
    // one overdue but completed, one with no due date.
    let mut dees = HashSet::new();
    for n in 0..120 {
        dees.insert(
            order(dee.user_id, day(10 + n % 30), false)
                .await
                .to_string(),
        );
    }
    let late = order(eve.user_id, day(-3), true).await;
    let soon = order(eve.user_id, day(1), false).await;
    let done = order(eve.user_id, day(-5), false).await;
    let undated = order(eve.user_id, String::new(), false).await;
    sqlx::query("UPDATE work_orders SET status = $1 WHERE id = $2")
        .bind(OrderStatus::Completed.name())
        .bind(done.to_string())
        .execute(app.db.pool())
        .await
        .unwrap();

    let (mut browser, _) = app.signed_in(&ana).await;
    let all = page_through(&mut browser, "/orders", "/orders/").await;
    let unique: HashSet<&String> = all.iter().collect();
    assert_eq!(all.len(), 124, "every order once");
    assert_eq!(unique.len(), 124);

    let board = browser.get("/orders").await;
    assert!(
        board
            .html
            .contains("Received <span class=\"count\">123</span>"),
        "{}",
        board.html
    );
    let marks = |page: &Page| -> Vec<String> { page.texts("tbody tr .badge") };

    // Overdue: only the open one, marked, with its rush.
    let overdue = browser.get("/orders?overdue=yes").await;
    assert_eq!(listed(&overdue, "/orders/"), vec![late.to_string()]);
    assert_eq!(marks(&overdue), ["Overdue", "Rush"]);
    // Soonest due first: the late one, then tomorrow's (marked due soon); undated last.
    let by_due = page_through(&mut browser, "/orders?sort=due", "/orders/").await;
    assert_eq!(by_due.len(), 124);
    assert_eq!(by_due[0], done.to_string());
    assert_eq!(by_due[1], late.to_string());
    assert_eq!(by_due[2], soon.to_string());
    assert_eq!(by_due.last(), Some(&undated.to_string()));
    let first = browser.get("/orders?sort=due").await;
    assert!(
        marks(&first).contains(&"Due soon".to_owned()),
        "{:?}",
        marks(&first)
    );

    let rush = browser.get("/orders?rush=yes").await;
    assert_eq!(listed(&rush, "/orders/"), vec![late.to_string()]);
    let eves = browser
        .get(&format!("/orders?customer={}", eve.user_id))
        .await;
    assert_eq!(listed(&eves, "/orders/").len(), 4);
    let window = browser
        .get(&format!(
            "/orders?due_from={}&due_until={}",
            day(-5),
            day(1)
        ))
        .await;
    let in_window: HashSet<String> = listed(&window, "/orders/").into_iter().collect();
    assert_eq!(
        in_window,
        [late, soon, done].iter().map(ToString::to_string).collect()
    );
    let completed = browser.get("/orders?status=completed").await;
    assert_eq!(listed(&completed, "/orders/"), vec![done.to_string()]);
    // A status count keeps the other filters.
    assert!(
        eves.attributes("ul.counts a", "href")
            .iter()
            .any(|href| href.contains("customer=") && href.contains("status=received"))
    );
    let dees_paged = page_through(
        &mut browser,
        &format!("/orders?customer={}&sort=oldest", dee.user_id),
        "/orders/",
    )
    .await;
    assert_eq!(dees_paged.iter().cloned().collect::<HashSet<_>>(), dees);

    for bad in [
        "/orders?status=lost",
        "/orders?due_from=soon",
        "/orders?rush=maybe",
        "/orders?sort=random",
        "/orders?customer=someone",
        "/orders?after=garbage",
    ] {
        let refused = browser.get(bad).await;
        assert_eq!(refused.status, 422, "{bad}");
        assert!(
            refused.texts(".error").len() == 1,
            "{bad}: {}",
            refused.html
        );
    }
}

#[both_engines]
async fn a_client_pages_through_only_their_own_orders(engine: Engine) {
    let app = TestApp::start(engine).await;
    let ana = app.owner("ana@spectrum.legal").await;
    let form = app.form(ana.org_id, WORK_ORDER_WITH_DUE_DATE).await;
    let dee = app.customer(&ana, "dee@client.example").await;
    let eve = app.customer(&ana, "eve@client.example").await;
    let answers = [("job", "Court filing"), ("party", "R. Roe")];
    let mut dees = HashSet::new();
    for _ in 0..60 {
        dees.insert(
            app.order(&form, dee.user_id.as_uuid(), &answers, &[])
                .await
                .to_string(),
        );
    }
    let eves = app.order(&form, eve.user_id.as_uuid(), &answers, &[]).await;
    let (mut browser, _) = app.signed_in(&dee).await;
    let seen = page_through(&mut browser, "/portal", "/portal/orders/").await;
    assert_eq!(seen.len(), 60);
    assert_eq!(seen.into_iter().collect::<HashSet<_>>(), dees);
    let first = browser.get("/portal").await;
    assert!(!first.html.contains(&eves.to_string()));
    assert!(first.attributes("a[rel=next]", "href")[0].starts_with("/portal?after="));
    let cancelled = browser.get("/portal?status=cancelled").await;
    assert!(cancelled.html.contains("You have no orders in that state"));
    // A forged filter for another client changes nothing: the access condition holds.
    let forged = browser
        .get(&format!("/portal?customer={}", eve.user_id))
        .await;
    assert!(listed(&forged, "/portal/orders/").is_empty());

    // Staff who handle no orders cannot reach the board at all.
    let al = app
        .member(
            &ana,
            "al@spectrum.legal",
            Role::Analyst,
            Scope::Organization,
        )
        .await;
    let (mut al, _) = app.signed_in(&al).await;
    assert_eq!(al.get("/orders").await.status, 403);
}
