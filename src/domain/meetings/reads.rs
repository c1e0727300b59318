//! Reading meetings: across networks and agreements, one meeting, a network's calendar.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use icalendar::{Component, Event, EventLike};
use uuid::Uuid;

use super::access;
use super::model::*;
use crate::domain::actions::Action;
use crate::domain::context::Cx;
use crate::domain::types::localized::Lang;
use crate::domain::types::names::name_of;
use crate::domain::types::pagination::{ListQuery, Page};
use crate::error::AppError;
use crate::repo::meetings::{self as repo, MeetingFilter};

/// The meetings as the actor sees them, the insiders' with their decisions (one query).
async fn seen(
    conn: &mut crate::db::Conn,
    actor: &crate::domain::access::Actor,
    meetings: Vec<Meeting>,
) -> Result<Vec<SeenMeeting>, AppError> {
    let inside: Vec<Uuid> = meetings.iter().filter(|m| access::is_insider(actor, m)).map(|m| m.id).collect();
    let mut decisions: HashMap<Uuid, Vec<Action>> = HashMap::new();
    for action in crate::domain::actions::of_meetings(conn, &inside).await? {
        if let Some(m) = action.meeting_id {
            decisions.entry(m).or_default().push(action);
        }
    }
    Ok(meetings
        .into_iter()
        .map(|meeting| {
            let made = decisions.remove(&meeting.id).unwrap_or_default();
            access::for_reader(actor, meeting, made)
        })
        .collect())
}

pub async fn list(
    cx: &mut Cx<'_>,
    query: MeetingQuery,
    list: &ListQuery,
) -> Result<Page<SeenMeeting, (DateTime<Utc>, Uuid)>, AppError> {
    crate::domain::types::validation::check(&query)?;
    let page = list.page::<(DateTime<Utc>, Uuid)>()?;
    let (conn, actor) = cx.parts().await?;
    let filter = MeetingFilter {
        readers: actor.organizations(),
        all: actor.is_platform_admin(),
        network: query.network,
        agreement: query.agreement,
        organization: query.organization,
        kind: query.kind.map(|k| name_of(&k)),
        from: query.from,
        to: query.to,
        updated_since: list.updated_since,
        after: page.after,
        limit: page.fetch_limit(),
    };
    let rows = repo::list(conn, &filter).await?;
    let page = Page::from_rows(rows, &page, |r| (r.0.written.starts_at, r.0.id)).try_map(Meeting::try_from)?;
    let items = seen(conn, actor, page.items).await?;
    Ok(Page { items, next: page.next, limit: page.limit })
}

pub async fn get(cx: &mut Cx<'_>, id: Uuid) -> Result<SeenMeeting, AppError> {
    let (conn, actor) = cx.parts().await?;
    let meeting = load(conn, id, false).await?;
    access::can_read(actor, &meeting)?;
    seen(conn, actor, vec![meeting]).await?.pop().ok_or(AppError::NotFound)
}

/// A network's meetings as an RFC 5545 calendar (a year back, eighteen months ahead), in UTC,
/// written with `icalendar` as the event series' calendars are.
pub async fn calendar(cx: &mut Cx<'_>, network_id: Uuid) -> Result<String, AppError> {
    let (conn, actor) = cx.parts().await?;
    let network = crate::domain::networks::load(conn, network_id, false).await?;
    crate::domain::networks::access::can_read(actor, &network)?;
    let now = Utc::now();
    let filter = MeetingFilter {
        all: true,
        network: Some(network_id),
        from: Some(now - Duration::days(365)),
        to: Some(now + Duration::days(548)),
        limit: 2000,
        ..MeetingFilter::default()
    };
    let meetings: Vec<Meeting> =
        repo::list(conn, &filter).await?.into_iter().map(Meeting::try_from).collect::<Result<_, _>>()?;
    let locations =
        crate::domain::event_series::calendar::locations(conn, meetings.iter().filter_map(|m| m.fields.venue_id))
            .await?;
    let name = network.fields.name.display(Lang::Fi).to_owned();
    let events = meetings
        .iter()
        .map(|m| {
            let mut event = Event::new();
            let title = m.fields.title.as_ref().map(|t| t.display(Lang::Fi).to_owned()).unwrap_or_else(|| name.clone());
            event
                .uid(&format!("{}@yhdyspinta", m.id))
                .timestamp(m.updated_at)
                .summary(&crate::domain::types::formats::ics_text(&title))
                .starts(m.fields.starts_at)
                .ends(m.fields.ends())
                .add_property("SEQUENCE", (m.version - 1).max(0).to_string());
            if let Some(place) = m.fields.venue_id.and_then(|v| locations.get(&v)) {
                event.location(&crate::domain::types::formats::ics_text(place));
            }
            if !m.fields.agenda.is_empty() {
                let agenda: Vec<&str> = m.fields.agenda.iter().map(|a| a.display(Lang::Fi)).collect();
                event.description(&crate::domain::types::formats::ics_text(&agenda.join("\n")));
            }
            event.done()
        })
        .collect();
    Ok(crate::domain::event_series::calendar::assemble(&name, Vec::new(), events, &[]))
}
