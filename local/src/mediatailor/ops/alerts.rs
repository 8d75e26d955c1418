//! ListAlerts: computed and injected alerts of one resource (see `mediatailor::alerts`), paged.

use super::super::alerts;
use super::{Call, page};
use crate::mediatailor::{Answer, ApiError};
use crate::wire::query_value;

pub(super) fn list(call: Call<'_, '_>) -> Result<Answer, ApiError> {
    let arn = query_value(call.query, "resourceArn").ok_or_else(|| ApiError::bad_request("resourceArn is required"))?;
    let items = alerts::list(call.ctx, call.store, arn)?;
    // Keyed by what identifies an alert, in the order `list` sorts by ('\0' keeps the tuple
    // order), so a token stays valid while alerts appear or clear between pages.
    let keyed = items.into_iter().map(|a| {
        let millis = (a.last_modified_time * 1000.0).round().max(0.0) as u64;
        (format!("{}\0{}\0{}\0{millis:020}", a.resource_arn, a.alert_code, a.alert_message), a)
    });
    page(keyed, call.query, 100)
}
