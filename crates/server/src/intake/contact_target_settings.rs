//! `POST /settings/intake/contact-target`: the organization's speed-to-lead target (within
//! how many minutes of office time a new lead is to be contacted, and the office hours),
//! or with "remove", none. Owners and admins, on the intake settings page.

use axum::extract::{RawForm, State};
use axum::response::Response;
use leadvault_intake::{ContactTarget, IntakeError, WEEKDAYS, set_contact_target};

use crate::intake::intake_settings::{outcome, settings_form};
use crate::intake::views::TargetForm;
use crate::state::AppState;
use crate::web::auth::SignedIn;
use crate::web::error::AppError;
use crate::web::form_body::Fields;

pub async fn change(
    State(state): State<AppState>,
    signed_in: SignedIn,
    RawForm(body): RawForm,
) -> Result<Response, AppError> {
    let fields = settings_form(&state, &signed_in, &body).await?;
    let result = match read(&fields) {
        Ok(target) => set_contact_target(state.db(), &signed_in.acting, target).await,
        Err(refused) => Err(refused),
    };
    outcome(&state, &signed_in, result).await
}

/// The target as the form gives it; `None` when "remove" was pressed.
fn read(fields: &Fields) -> Result<Option<ContactTarget>, IntakeError> {
    if !fields.one("remove").is_empty() {
        return Ok(None);
    }
    let invalid = |why: &str| IntakeError::Invalid(why.to_owned());
    let minutes = fields
        .one("minutes")
        .trim()
        .parse()
        .map_err(|_| invalid("the target is a number of minutes"))?;
    let weekdays = (0..WEEKDAYS.len())
        .filter(|day| fields.has("day", &day.to_string()))
        .fold(0u8, |days, day| days | (1 << day));
    let opens = clock(fields.one("opens")).ok_or_else(|| invalid("opening time as HH:MM"))?;
    let closes = match fields.one("closes").trim() {
        "24:00" => 24 * 60,
        other => clock(other).ok_or_else(|| invalid("closing time as HH:MM"))?,
    };
    let offset = utc_offset(fields.one("utc_offset"))
        .ok_or_else(|| invalid("the offset from UTC as +HH:MM or -HH:MM"))?;
    ContactTarget::new(minutes, weekdays, opens, closes, offset).map(Some)
}

/// `HH:MM` as minutes after midnight.
fn clock(text: &str) -> Option<i64> {
    let (h, m) = text.trim().split_once(':')?;
    let (h, m): (i64, i64) = (h.parse().ok()?, m.parse().ok()?);
    ((0..24).contains(&h) && (0..60).contains(&m)).then_some(h * 60 + m)
}

/// `+HH:MM`, `-HH:MM`, or `0`, as minutes.
fn utc_offset(text: &str) -> Option<i64> {
    let text = text.trim();
    if text == "0" || text.is_empty() {
        return Some(0);
    }
    let (sign, rest) = match text.as_bytes().first()? {
        b'+' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        _ => (1, text),
    };
    let (h, m) = rest.split_once(':').unwrap_or((rest, "0"));
    let (h, m): (i64, i64) = (h.parse().ok()?, m.parse().ok()?);
    ((0..60).contains(&m)).then_some(sign * (h * 60 + m))
}

/// The form as the page shows it: the organization's target, or a suggestion.
pub(crate) fn target_form(target: Option<ContactTarget>) -> TargetForm {
    let t = target.unwrap_or(ContactTarget {
        minutes: 15,
        weekdays: 0b001_1111,
        opens: 9 * 60,
        closes: 17 * 60,
        utc_offset: 0,
    });
    let hhmm = |m: i64| format!("{:02}:{:02}", m / 60, m % 60);
    let sign = if t.utc_offset < 0 { '-' } else { '+' };
    TargetForm {
        set: target.is_some(),
        minutes: t.minutes.to_string(),
        days: WEEKDAYS
            .iter()
            .enumerate()
            .map(|(n, day)| (n, *day, t.weekdays & (1 << n) != 0))
            .collect(),
        opens: hhmm(t.opens),
        closes: hhmm(t.closes),
        utc_offset: format!("{sign}{}", hhmm(t.utc_offset.abs())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn office_times_and_offsets_read_as_people_type_them() {
        assert_eq!(clock("09:30"), Some(570));
        assert_eq!(clock("9:05"), Some(545));
        assert_eq!(clock("24:00"), None);
        assert_eq!(clock("nine"), None);
        assert_eq!(utc_offset("+01:00"), Some(60));
        assert_eq!(utc_offset("-05:30"), Some(-330));
        assert_eq!(utc_offset("0"), Some(0));
        assert_eq!(utc_offset("+2"), Some(120));
        assert_eq!(utc_offset("+x"), None);
    }

    #[test]
    fn the_form_shows_the_target_as_it_reads_it() {
        let target = ContactTarget::new(20, 0b011, 8 * 60, 18 * 60, -330).unwrap();
        let form = target_form(Some(target));
        let fields = Fields::parse_str(&format!(
            "minutes={}&day=0&day=1&opens={}&closes={}&utc_offset={}",
            form.minutes,
            form.opens,
            form.closes,
            form.utc_offset.replace('+', "%2B")
        ));
        assert_eq!(read(&fields).unwrap(), Some(target));
    }
}
