//! GetChannelSchedule: the computed schedule (see `mediatailor::schedule`), paged.

use super::super::schedule;
use super::{Call, channel, page};
use crate::mediatailor::{Answer, ApiError};
use crate::wire::query_value;

pub(super) fn get(call: Call<'_, '_>, name: &str) -> Result<Answer, ApiError> {
    let record = channel(call.store, name)?;
    let duration_minutes = match query_value(call.query, "durationMinutes") {
        None | Some("") => None,
        Some(raw) => match raw.parse::<u64>() {
            Ok(n) if n >= 1 => Some(n),
            _ => {
                return Err(ApiError::bad_request(format!(
                    "DurationMinutes must be a whole number of minutes, got {raw:?}"
                )));
            }
        },
    };
    if let Some(audience) = query_value(call.query, "audience").filter(|a| !a.is_empty())
        && !record.channel.audiences.iter().any(|a| a == audience)
    {
        return Err(ApiError::bad_request(format!("Audience: {audience:?} is not an audience of channel {name}")));
    }
    let entries = schedule::entries(call.store, call.ctx.media, record, call.ctx.now, duration_minutes);
    let keyed = entries.into_iter().enumerate().map(|(i, e)| (format!("{i:08}"), e));
    page(keyed, call.query, 100)
}
