//! `GET /forms`: the organization's intake forms for owners and admins, each with its public
//! address and the tag that embeds it on the form's site; the builder makes and edits them.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use leadvault_accounts::Capability;
use leadvault_intake::list_forms;

use crate::intake::views::{FormRow, FormsPage};
use crate::state::AppState;
use crate::web::auth::SignedIn;
use crate::web::error::AppError;
use crate::web::render::render;
use crate::web::shell::{Section, Shell};

pub async fn list(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Response, AppError> {
    signed_in.require(&state, Capability::ManageForms).await?;
    let origin = state.public_origin();
    let forms = list_forms(state.db(), signed_in.org())
        .await?
        .into_iter()
        .map(|form| FormRow {
            address: format!("{origin}/f/{}", form.id),
            embed: format!(
                "<script src=\"{origin}/embed.js\" data-form=\"{}\" async></script>",
                form.id
            ),
            id: form.id.to_string(),
            site: form
                .site
                .map_or_else(|| "all sites".to_owned(), |site| site.domain),
            name: form.name,
            kind: form.kind.name().replace('_', " "),
            version: form.version,
            fields: form.definition.fields.len(),
        })
        .collect();
    let shell = Some(Shell::of(&state, &signed_in, Section::Forms).await?);
    Ok(render(&FormsPage { shell, forms }).into_response())
}
