//! People to sign in as, and the steps of signing in that many tests share.

use leadvault_accounts::{
    Email, Grant, Joining, NewOwner, OrgId, OrgName, Password, PasswordHasher, Role, Scope,
    TotpSecret, UserId, accept_invitation, create_owner, invite,
};
use leadvault_audit::{Acting, Actor, By};
use leadvault_store::Timestamp;

use crate::TestApp;
use crate::browser::{Browser, Page};

/// Who a test's own setup acts as, in the audit log.
pub fn fixture() -> By {
    By::new(Actor::System("test fixture"), None)
}

/// A password no list contains, for every test person.
pub const TEST_PASSWORD: &str = "orchid lantern gravel seventy";

/// Someone with an account, and what they know.
#[derive(Debug, Clone)]
pub struct TestPerson {
    pub email: String,
    pub password: String,
    pub user_id: UserId,
    pub org_id: OrgId,
}

/// What a person has after setting up their second factor.
#[derive(Debug)]
pub struct Enrolled {
    pub secret: TotpSecret,
    pub recovery_codes: Vec<String>,
    /// The time whose code confirmed enrolment (that code is used up).
    pub confirmed_with: Timestamp,
}

/// A new organization named after the address in the database `db`, with this person as
/// its owner (for tests that run the real binary over a database of their own).
pub async fn owner_in(db: &leadvault_store::Db, email: &str) -> TestPerson {
    let owner = create_owner(
        db,
        &Acting::personal(fixture(), Timestamp::now()),
        &PasswordHasher::new(1),
        NewOwner {
            org_name: OrgName::parse(&format!("Firm of {email}")).unwrap(),
            email: Email::parse(email).unwrap(),
            password: Password::new(TEST_PASSWORD.to_owned()).unwrap(),
        },
    )
    .await
    .unwrap();
    TestPerson {
        email: email.to_owned(),
        password: TEST_PASSWORD.to_owned(),
        user_id: owner.user_id,
        org_id: owner.org_id,
    }
}

impl TestApp {
    /// A new organization named after the address, with this person as its owner.
    pub async fn owner(&self, email: &str) -> TestPerson {
        owner_in(&self.db, email).await
    }

    /// Someone invited into `owner`'s organization with `role` over `scope`, who has
    /// accepted (choosing [`TEST_PASSWORD`]) but not yet signed in.
    pub async fn member(
        &self,
        owner: &TestPerson,
        email: &str,
        role: Role,
        scope: Scope,
    ) -> TestPerson {
        let joining = Joining::Member(Grant::new(role, scope).unwrap());
        self.joined(owner, email, &joining).await
    }

    /// A client of `owner`'s organization (client portal), who has accepted the invitation.
    pub async fn customer(&self, owner: &TestPerson, email: &str) -> TestPerson {
        self.joined(owner, email, &Joining::Customer).await
    }

    /// Invites `email` into `owner`'s organization and accepts with [`TEST_PASSWORD`].
    async fn joined(&self, owner: &TestPerson, email: &str, joining: &Joining) -> TestPerson {
        let by = By::new(Actor::Member(owner.user_id.as_uuid()), None);
        let (_, token) = invite(
            &self.db,
            &Acting::new(owner.org_id, by, Timestamp::now()),
            owner.user_id,
            &Email::parse(email).unwrap(),
            joining,
        )
        .await
        .unwrap();
        let (org_id, user_id) = accept_invitation(
            &self.db,
            &PasswordHasher::new(1),
            &token,
            Password::new(TEST_PASSWORD.to_owned()).unwrap(),
            &Acting::personal(By::new(Actor::Anonymous, None), Timestamp::now()),
        )
        .await
        .unwrap();
        TestPerson {
            email: email.to_owned(),
            password: TEST_PASSWORD.to_owned(),
            user_id,
            org_id,
        }
    }

    /// Headless Chromium in the session of `browser` (signed in), handed over as its
    /// cookie, on this app's own address.
    pub async fn chromium_with(&self, browser: &Browser<'_>) -> crate::Chromium {
        let session = browser
            .cookie("lv_session")
            .expect("a session cookie after signing in")
            .to_owned();
        let chromium = crate::Chromium::start(&[]).await;
        chromium.goto(&self.url("/login")).await;
        chromium.set_cookie("lv_session", &session).await;
        chromium
    }

    /// A browser in which `person` is fully signed in, enrolling a second factor on the way
    /// if their role requires one (then returned).
    pub async fn signed_in(&self, person: &TestPerson) -> (Browser<'_>, Option<Enrolled>) {
        let mut browser = self.browser();
        let page = browser.sign_in_with_password(person).await;
        match page.location() {
            Some("/") => (browser, None),
            Some("/account/two-factor") => {
                let enrolled = browser.enrol().await;
                (browser, Some(enrolled))
            }
            other => panic!("unexpected sign-in answer {other:?}: {page:?}"),
        }
    }

    pub fn browser(&self) -> Browser<'_> {
        Browser::new(self)
    }

    /// An owner who has signed in and set up a second factor, and their browser.
    pub async fn signed_in_owner(&self, email: &str) -> (TestPerson, Browser<'_>, Enrolled) {
        let person = self.owner(email).await;
        let mut browser = self.browser();
        let page = browser.sign_in_with_password(&person).await;
        assert_eq!(page.location(), Some("/account/two-factor"), "{page:?}");
        let enrolled = browser.enrol().await;
        (person, browser, enrolled)
    }
}

impl Browser<'_> {
    /// Opens the sign-in page and submits the person's address and password.
    pub async fn sign_in_with_password(&mut self, person: &TestPerson) -> Page {
        let form = self.get("/login").await;
        assert_eq!(form.status, 200, "{form:?}");
        self.submit(
            &form,
            "/login",
            &[("email", &person.email), ("password", &person.password)],
        )
        .await
    }

    /// Sets up TOTP from the enrolment page, typing the key shown there.
    pub async fn enrol(&mut self) -> Enrolled {
        let page = self.get("/account/two-factor").await;
        assert_eq!(page.status, 200, "{page:?}");
        let secret = TotpSecret::from_base32(&page.code_with_class("secret")).unwrap();
        let confirmed_with = Timestamp::now();
        let done = self
            .submit(
                &page,
                "/account/two-factor",
                &[("code", &secret.code_at(confirmed_with))],
            )
            .await;
        assert_eq!(done.status, 200, "{done:?}");
        Enrolled {
            secret,
            recovery_codes: done.listed_codes(),
            confirmed_with,
        }
    }

    /// Enters a code on the second-factor page.
    pub async fn second_factor(&mut self, code: &str) -> Page {
        let page = self.get("/login/two-factor").await;
        assert_eq!(page.status, 200, "{page:?}");
        self.submit(&page, "/login/two-factor", &[("code", code)])
            .await
    }
}

/// The code an app would show 30 seconds from now: accepted (one step of skew is allowed)
/// even when the current step's code was already used.
pub fn next_code(secret: &TotpSecret) -> String {
    secret.code_at(Timestamp::now().saturating_add(std::time::Duration::from_secs(30)))
}
