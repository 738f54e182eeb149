//! Sites, forms and leads that intake tests start from.

use leadvault_accounts::{OrgId, SiteDomain, SiteId, add_site};
use leadvault_audit::Acting;
use leadvault_intake::form::{FormDefinition, Submitted, check_answers};
use leadvault_intake::{
    Form, FormDraft, LeadId, NewOrder, OrderId, Submission, Upload, create_form, find_form,
    place_order, submit_lead,
};
use leadvault_store::Timestamp;

use crate::TestApp;
use crate::people::fixture;

/// A site of `org` with this domain, in the database `db`.
pub async fn site_in(db: &leadvault_store::Db, org: OrgId, domain: &str) -> SiteId {
    add_site(
        db,
        &Acting::new(org, fixture(), Timestamp::now()),
        &SiteDomain::parse(domain).unwrap(),
    )
    .await
    .unwrap()
    .id
}

impl TestApp {
    /// A site of `org` with this domain.
    pub async fn site(&self, org: OrgId, domain: &str) -> SiteId {
        site_in(&self.db, org, domain).await
    }

    /// A published form of the whole of `org`, named "Free consultation", from its JSON
    /// definition.
    pub async fn form(&self, org: OrgId, definition: &str) -> Form {
        self.form_on(org, None, definition).await
    }

    /// A published form of `org` that belongs to `site` (or to the whole organization).
    pub async fn form_on(&self, org: OrgId, site: Option<SiteId>, definition: &str) -> Form {
        let draft = FormDraft::new(
            "Free consultation",
            FormDefinition::from_json(definition).unwrap(),
        )
        .on_site(site);
        let id = create_form(
            &self.db,
            &Acting::new(org, fixture(), Timestamp::now()),
            &draft,
        )
        .await
        .unwrap();
        find_form(&self.db, org, id).await.unwrap().unwrap()
    }

    /// A work order of `form` placed by `client`, with these answers and documents
    /// (field, file name, content), which must pass the form's checks.
    pub async fn order(
        &self,
        form: &Form,
        client: uuid::Uuid,
        answers: &[(&str, &str)],
        documents: &[(&str, &str, &[u8])],
    ) -> OrderId {
        let sent: Submitted = answers
            .iter()
            .map(|(k, v)| ((*k).to_owned(), vec![(*v).to_owned()]))
            .collect();
        let answers = check_answers(&form.definition, &sent, false).unwrap();
        let now = Timestamp::now();
        let uploads = self.uploads(form, documents).await;
        let order = NewOrder {
            client,
            form,
            answers: &answers,
            uploads,
            notify: &[],
            request_id: None,
        };
        place_order(&self.db, &self.keyring, &self.documents, order, now)
            .await
            .unwrap()
    }

    /// A lead of `form`, sent with these answers (which must pass the form's checks).
    pub async fn lead(&self, form: &Form, answers: &[(&str, &str)]) -> LeadId {
        self.lead_with_documents(form, answers, &[]).await
    }

    /// A lead of `form` with these answers and documents (field, file name, content).
    pub async fn lead_with_documents(
        &self,
        form: &Form,
        answers: &[(&str, &str)],
        documents: &[(&str, &str, &[u8])],
    ) -> LeadId {
        let sent: Submitted = answers
            .iter()
            .map(|(k, v)| ((*k).to_owned(), vec![(*v).to_owned()]))
            .collect();
        let answers = check_answers(&form.definition, &sent, false).unwrap();
        let uploads = self.uploads(form, documents).await;
        let submission = Submission {
            uploads: &uploads,
            documents: Some(&self.documents),
            ..Submission::default()
        };
        submit_lead(self.vault(), form, &answers, &submission, Timestamp::now())
            .await
            .unwrap()
            .lead_id
    }

    /// Documents received for `form` as its page would receive them.
    async fn uploads(&self, form: &Form, documents: &[(&str, &str, &[u8])]) -> Vec<Upload> {
        let mut uploads = Vec::new();
        for (field, name, bytes) in documents {
            let accept = &form.definition.field(field).unwrap().accept;
            let mut incoming = self
                .documents
                .receive(&self.keyring, form.org_id, accept, Timestamp::now())
                .await
                .unwrap();
            incoming.push(bytes).await.unwrap();
            uploads.push(Upload {
                field: (*field).to_owned(),
                name: (*name).to_owned(),
                document: incoming.finish().await.unwrap(),
            });
        }
        uploads
    }
}
