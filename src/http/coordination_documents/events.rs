//! `GET /api/v1/coordination-documents/{id}/events`: the document's new revisions as
//! Server-Sent Events, so an open editor updates without polling.

use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, get, web};
use uuid::Uuid;

use super::revisions::RevisionView;
use crate::domain::context::Cx;
use crate::domain::coordination_documents::Revision;
use crate::domain::coordination_documents::live::{self, LiveHub, Subscription, Update};
use crate::error::AppError;
use crate::http::common::ReadErrors;

/// One `revision` event per revision; the event id is the revision number.
fn frames(revisions: Vec<Revision>) -> Bytes {
    let mut out = String::new();
    for r in revisions {
        let n = r.revision;
        let data = serde_json::to_string(&RevisionView::from(r)).unwrap_or_else(|_| "{}".to_owned());
        out.push_str(&format!("id: {n}\nevent: revision\ndata: {data}\n\n"));
    }
    Bytes::from(out)
}

/// Stream the document's new revisions (`text/event-stream`). Each `revision` event carries
/// the revision number (also the event id), the actor, the JSON Patch and the new ETags.
/// Reconnect with `Last-Event-ID` to resume without gaps. A comment line keeps an idle stream
/// open every 15 seconds. When you lose access (your organisation is taken off the editors,
/// your membership ends, your token expires) an `end` event closes the stream. A person has at
/// most 5 open streams (`YHDYSPINTA_STREAMS_PER_PERSON`): one more ends their oldest. A client
/// address opens at most 120 a minute (`YHDYSPINTA_STREAM_OPENS_PER_MINUTE`).
#[utoipa::path(
    operation_id = "stream_coordination_document_events",
    tag = "coordination-documents",
    params(("id" = Uuid, Path, description = "Document id"),
           ("Last-Event-ID" = Option<i64>, Header, description = "The last revision you received: the stream resumes after it")),
    responses((status = 200, description = "An endless event stream", body = String, content_type = "text/event-stream"),
              (status = 429, description = "This client address has opened its streams of the minute (`YHDYSPINTA_STREAM_OPENS_PER_MINUTE`), or this instance holds as many open streams as it takes; see `Retry-After`", body = crate::error::Problem, content_type = "application/problem+json"),
              ReadErrors),
    security(("bearer" = []))
)]
#[get("/api/v1/coordination-documents/{id}/events")]
pub async fn events(
    mut cx: Cx<'static>,
    id: web::Path<Uuid>,
    req: HttpRequest,
    hub: web::Data<LiveHub>,
) -> Result<HttpResponse, AppError> {
    let last_event_id = match req.headers().get("last-event-id").map(|v| v.to_str().map(str::trim)) {
        None => None,
        Some(Ok(v)) => Some(
            v.parse::<i64>()
                .map_err(|_| AppError::bad_request("Last-Event-ID is the number of the last revision you received."))?,
        ),
        Some(Err(_)) => return Err(AppError::bad_request("Last-Event-ID is not readable text.")),
    };
    let subscription = live::open(&mut cx, &hub.into_inner(), id.into_inner(), last_event_id).await?;
    drop(cx);
    let opening =
        futures_util::stream::once(async { Ok::<_, std::convert::Infallible>(Bytes::from_static(b"retry: 3000\n\n")) });
    let updates = futures_util::stream::unfold(Some(subscription), |state: Option<Subscription>| async move {
        let mut subscription = state?;
        let (bytes, next) = match subscription.next().await {
            Update::Revisions(revisions) => (frames(revisions), Some(subscription)),
            Update::KeepAlive => (Bytes::from_static(b": keep-alive\n\n"), Some(subscription)),
            Update::Ended => (Bytes::from_static(b"event: end\ndata: {}\n\n"), None),
        };
        Some((Ok::<_, std::convert::Infallible>(bytes), next))
    });
    use futures_util::StreamExt;
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("cache-control", "no-cache"))
        .insert_header(("x-accel-buffering", "no"))
        .streaming(opening.chain(updates)))
}
