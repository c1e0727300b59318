//! The route table: the one place that mounts handlers. The server, the tests and the
//! OpenAPI generator all build from here, so they cannot disagree.

use actix_cors::Cors;
use actix_web::body::BoxBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName};
use actix_web::middleware::from_fn;
use actix_web::{App, web};
use utoipa::OpenApi;
use utoipa::openapi::security::{ClientCredentials, Flow, HttpAuthScheme, HttpBuilder, OAuth2, Scopes, SecurityScheme};
use utoipa_actix_web::AppExt;
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_swagger_ui::SwaggerUi;

use crate::config::{CorsOrigins, MailConfig, TrustedProxies};
use crate::db::Db;
use crate::domain::identity::rate_limit::RateLimiter;
use crate::domain::identity::tokens::KeySet;
use crate::http::admission::{Admission, admission};
use crate::http::framework::{self, KnownPaths};
use crate::http::middleware::{BodyTimeout, REQUEST_ID, request_context};
use crate::http::{
    actions, agreements, areas, audit, contacts, coordination_documents, directory, event_series, health, identity,
    indicators, meetings, members, networks, organizations, phenomena, removals, service_clients, venues, webhooks,
    workshops,
};
use crate::telemetry::Metrics;

/// Every documented endpoint. Mount with `.service(...)` only: `.route(...)` would be
/// missing from the OpenAPI document.
pub fn api(cfg: &mut ServiceConfig) {
    cfg.service(health::healthz)
        .service(health::readyz)
        .service(health::metrics)
        .service(identity::token)
        .service(identity::revoke)
        .service(identity::jwks)
        .service(identity::me)
        .service(areas::list)
        .service(areas::get)
        .service(organizations::list)
        .service(organizations::create)
        .service(organizations::get)
        .service(organizations::update)
        .service(organizations::delete)
        .service(members::list)
        .service(members::add)
        .service(members::get)
        .service(members::update)
        .service(members::remove)
        .service(members::accept)
        .service(members::list_invitations)
        .service(members::revoke_invitation)
        .service(contacts::list)
        .service(contacts::create)
        .service(contacts::get)
        .service(contacts::update)
        .service(contacts::erase)
        .service(service_clients::list)
        .service(service_clients::create)
        .service(service_clients::get)
        .service(service_clients::rotate)
        .service(service_clients::revoke)
        .service(agreements::list)
        .service(agreements::create)
        .service(agreements::get)
        .service(agreements::update)
        .service(agreements::transition)
        .service(agreements::amend)
        .service(agreements::versions::list)
        .service(agreements::versions::get)
        .service(agreements::versions::sign)
        .service(agreements::versions::get_signature)
        .service(agreements::versions::diff)
        .service(agreements::reviews::list_reviews)
        .service(agreements::reviews::record_review)
        .service(agreements::reviews::get_review)
        .service(agreements::reviews::list_acknowledgements)
        .service(agreements::reviews::acknowledge)
        .service(agreements::reviews::get_acknowledgement)
        .service(agreements::reviews::delete_acknowledgement)
        .service(coordination_documents::list)
        .service(coordination_documents::create)
        .service(coordination_documents::get)
        .service(coordination_documents::update)
        .service(coordination_documents::delete)
        .service(coordination_documents::undelete)
        .service(coordination_documents::accept)
        .service(coordination_documents::entries::list)
        .service(coordination_documents::entries::create)
        .service(coordination_documents::entries::get)
        .service(coordination_documents::entries::update)
        .service(coordination_documents::entries::move_entry)
        .service(coordination_documents::entries::delete)
        .service(coordination_documents::revisions::list)
        .service(coordination_documents::revisions::get)
        .service(coordination_documents::revisions::diff)
        .service(coordination_documents::revisions::restore)
        .service(coordination_documents::events::events)
        .service(coordination_documents::exports::csv)
        .service(coordination_documents::exports::calendar)
        .service(venues::list)
        .service(venues::create)
        .service(venues::get)
        .service(venues::update)
        .service(venues::delete)
        .service(venues::bookings::list)
        .service(venues::bookings::create)
        .service(venues::bookings::get)
        .service(venues::bookings::cancel)
        .service(event_series::list)
        .service(event_series::create)
        .service(event_series::get)
        .service(event_series::update)
        .service(event_series::delete)
        .service(event_series::accept)
        .service(event_series::calendar)
        .service(event_series::occurrences::list)
        .service(event_series::occurrences::get)
        .service(event_series::occurrences::update)
        .service(event_series::occurrences::attendance)
        .service(event_series::occurrences::put_attendance)
        .service(event_series::costs::list)
        .service(event_series::costs::create)
        .service(event_series::costs::update)
        .service(event_series::costs::delete)
        .service(event_series::costs::accept)
        .service(event_series::costs::allocation)
        .service(event_series::occurrences::list_all)
        .service(removals::list)
        .service(directory::changes)
        .service(directory::calendar)
        .service(directory::hsds::about)
        .service(directory::hsds::list)
        .service(directory::hsds::item)
        .service(directory::lahella::activities)
        .service(directory::events)
        .service(indicators::refresh_platform)
        .service(indicators::import_sotkanet)
        .service(indicators::list)
        .service(indicators::create)
        .service(indicators::get)
        .service(indicators::update)
        .service(indicators::delete)
        .service(indicators::versions)
        .service(indicators::series)
        .service(indicators::chart)
        .service(indicators::observations::list)
        .service(indicators::observations::batch)
        .service(indicators::observations::get)
        .service(indicators::observations::delete)
        .service(indicators::observations::transition)
        .service(indicators::observations::history)
        .service(indicators::exports::observations)
        .service(indicators::exports::datapackage)
        .service(phenomena::themes)
        .service(phenomena::create_theme)
        .service(phenomena::summary)
        .service(phenomena::list)
        .service(phenomena::create)
        .service(phenomena::get)
        .service(phenomena::update)
        .service(phenomena::transition)
        .service(phenomena::delete)
        .service(networks::list)
        .service(networks::create)
        .service(networks::get)
        .service(networks::update)
        .service(networks::delete)
        .service(networks::update_member)
        .service(networks::remove_member)
        .service(networks::list_invitations)
        .service(networks::invite)
        .service(networks::get_invitation)
        .service(networks::accept_invitation)
        .service(networks::decline_invitation)
        .service(networks::list_join_requests)
        .service(networks::request_to_join)
        .service(networks::get_join_request)
        .service(networks::approve_join_request)
        .service(networks::decline_join_request)
        .service(networks::calendar)
        .service(meetings::list)
        .service(meetings::list_of_network)
        .service(meetings::create_for_network)
        .service(meetings::list_of_agreement)
        .service(meetings::create_for_agreement)
        .service(meetings::get)
        .service(meetings::update)
        .service(meetings::delete)
        .service(meetings::add_action)
        .service(actions::list)
        .service(actions::get)
        .service(actions::update)
        .service(actions::accept)
        .service(actions::delete)
        .service(workshops::list)
        .service(workshops::create)
        .service(workshops::get)
        .service(workshops::update)
        .service(workshops::accept)
        .service(workshops::delete)
        .service(workshops::list_challenges)
        .service(workshops::create_challenge)
        .service(workshops::get_challenge)
        .service(workshops::update_challenge)
        .service(workshops::delete_challenge)
        .service(workshops::vote)
        .service(workshops::unvote)
        .service(workshops::list_actions)
        .service(workshops::add_action)
        .service(workshops::list_artefacts)
        .service(workshops::create_artefact)
        .service(workshops::get_artefact)
        .service(workshops::update_artefact)
        .service(workshops::delete_artefact)
        .service(webhooks::list)
        .service(webhooks::get)
        .service(webhooks::create)
        .service(webhooks::update)
        .service(webhooks::delete)
        .service(webhooks::deliveries)
        .service(audit::list);
}

/// Process-wide state handed to every worker's app.
#[derive(Clone)]
pub struct Shared {
    pub metrics: web::Data<Metrics>,
    pub keys: web::Data<KeySet>,
    pub limiter: web::Data<RateLimiter>,
    pub cors_origins: CorsOrigins,
    pub trusted_proxies: web::Data<TrustedProxies>,
    pub mail: web::Data<MailConfig>,
    pub metrics_access: web::Data<health::MetricsAccess>,
    /// Fan-out of new document revisions to this process's open event streams.
    pub live: web::Data<crate::domain::coordination_documents::live::LiveHub>,
    pub body_timeout: web::Data<BodyTimeout>,
    pub public_url: web::Data<crate::config::PublicUrl>,
    /// Expensive requests each worker runs at once (see [`Admission`]).
    pub expensive_per_worker: usize,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Yhdyspinta API",
        description = "Open API for cross-sector collaboration (yhdyspintatyö) in Finnish health and \
                       social services: organisations, partnership agreements, event series, shared \
                       coordination documents, collective-impact indicators, phenomenon reports, \
                       networks and their meetings, workshops and follow-up actions.\n\n\
                       Conventions: JSON with snake_case fields; errors are RFC 9457 \
                       `application/problem+json` carrying `request_id`; lists use the \
                       `{data, meta.next_cursor}` envelope with cursor pagination and a `Link: rel=\"next\"` \
                       header; single resources carry a strong `ETag` and honour `If-None-Match`.",
        license(name = "EUPL-1.2", identifier = "EUPL-1.2"),
    ),
    servers((url = "/", description = "This server (paths carry the /api/v1 prefix)")),
    components(schemas(crate::domain::types::formats::schema::IdempotencyKey)),
    tags(
        (name = "auth", description = "Signing in: OAuth 2.0 token endpoint, revocation, JWKS, the signed-in user"),
        (name = "areas", description = "Register of municipalities (kunnat) and wellbeing services counties (hyvinvointialueet)"),
        (name = "organizations", description = "Organisations taking part in collaboration"),
        (name = "members", description = "Memberships and invitations"),
        (name = "contacts", description = "Contact persons (yhdyshenkilöt) of organisations"),
        (name = "service-clients", description = "Machine clients using client_credentials (platform admins)"),
        (name = "agreements", description = "Partnership agreements (kumppanuussopimukset): ground rules, collective-impact principles, cost sharing, versions and signatures"),
        (name = "coordination-documents", description = "Shared coordination documents (yhteiset koordinaatiodokumentit): sections and schedule entries every key person edits, with full history, live updates and exports"),
        (name = "venues", description = "Meeting places (kohtaamispaikat), collaboration lobbies (yhteistyöaulat) and other premises, and their bookings"),
        (name = "event-series", description = "Event series (tapahtumasarjat) and their occurrences: schedules with RFC 5545 recurrence, calendars, overrides, attendance and cost sharing; and the flat list of what is on"),
        (name = "directory", description = "What a directory mirror (a lähellä.fi-style activity directory, a county's service guide) reads: the change feed of everything in public view, a subscribable calendar, and the directory as schema.org JSON-LD, Open Referral HSDS 3.0 and lähellä.fi-shaped activities"),
        (name = "indicators", description = "Collective-impact indicators: definitions partners agree on, values they report per period and area, the owner's approval, and time series"),
        (name = "phenomena", description = "Phenomenon reports (ilmiöraportit): what staff at collaboration lobbies and meeting places notice in their area, the responsible organisation's response, and counts for maps"),
        (name = "networks", description = "Networks (verkostot): hyte networks, NGO advisory boards and their theme networks; members join by their own act (invitations and requests to join), with their contact persons; a calendar of meetings"),
        (name = "meetings", description = "Meetings of networks and of agreements' parties (the yearly collaboration meeting): agenda, venue booking, attendance, minutes and decisions"),
        (name = "workshops", description = "Workshops (ilmiöpajat, Hukkapaja, Ratkaisupaja): organising and participating organisations, linked phenomena, challenges prioritised by vote, actions and artefacts such as client paths and collaboration flowcharts"),
        (name = "actions", description = "Follow-up actions (toimenpiteet) decided by meetings and set by workshops, followed up in one list"),
        (name = "webhooks", description = "Signed pushes of the change feed to an organisation's receivers, from a durable outbox, with every delivery's attempts"),
        (name = "audit", description = "The audit log of every write"),
        (name = "operations", description = "Health, readiness and metrics"),
    ),
    modifiers(&SecurityDefinitions),
)]
struct ApiDoc;

/// Declares the bearer scheme that authenticated operations refer to.
struct SecurityDefinitions;

impl utoipa::Modify for SecurityDefinitions {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("Access token from POST /api/v1/auth/token"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "metrics_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("The operator's metrics token (YHDYSPINTA_METRICS_TOKEN), not an access token"))
                    .build(),
            ),
        );
        // The same tokens as issued to service clients: the scopes they may be granted.
        let scopes = Scopes::from_iter([
            ("agreements:read", "Read the agreements of the client's organisation as its members may"),
            ("contacts:read", "Read contact persons as the client's organisation's members may"),
            ("directory:read", "Read the activity directory feed"),
            ("indicators:read", "Read collective-impact indicators"),
            ("webhooks:manage", "Manage the organisation's webhooks"),
        ]);
        components.add_security_scheme(
            "oauth2",
            SecurityScheme::OAuth2(OAuth2::with_description(
                [Flow::ClientCredentials(ClientCredentials::new("/api/v1/auth/token", scopes))],
                "Service clients: client_credentials at the token endpoint (secret in the body or HTTP Basic)",
            )),
        );
    }
}

/// The OpenAPI document of the API as mounted by [`api`], as generated.
pub fn openapi() -> utoipa::openapi::OpenApi {
    App::new().into_utoipa_app().openapi(ApiDoc::openapi()).configure(api).split_for_parts().1
}

/// The OpenAPI document as served and committed: [`openapi`] with flattened views closed.
pub fn openapi_document(api: &utoipa::openapi::OpenApi) -> serde_json::Value {
    let mut doc = serde_json::to_value(api).unwrap_or_default();
    close_flattened(&mut doc);
    close_tagged_unions(&mut doc, &["DocumentScope"]);
    merge_patch_schemas(&mut doc);
    shared_headers(&mut doc);
    drop_unreferenced_schemas(&mut doc);
    doc
}

/// A schema nothing refers to any more (a field set only ever sent as its merge patch) is
/// not part of the contract: it is dropped, so generators and linters see only what is used.
fn drop_unreferenced_schemas(doc: &mut serde_json::Value) {
    use serde_json::Value;
    const PREFIX: &str = "#/components/schemas/";
    fn refs(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::Object(o) => {
                if let Some(name) = o.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix(PREFIX)) {
                    out.push(name.to_owned());
                }
                o.values().for_each(|v| refs(v, out));
            }
            Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let mut pending = Vec::new();
    refs(&doc["paths"], &mut pending);
    let schemas = doc.pointer("/components/schemas").and_then(Value::as_object).cloned().unwrap_or_default();
    let mut used = std::collections::BTreeSet::new();
    while let Some(name) = pending.pop() {
        if used.insert(name.clone())
            && let Some(schema) = schemas.get(&name)
        {
            refs(schema, &mut pending);
        }
    }
    if let Some(all) = doc.pointer_mut("/components/schemas").and_then(Value::as_object_mut) {
        all.retain(|name, _| used.contains(name));
    }
}

/// A `oneOf` of internally tagged variants whose Rust type refuses unknown fields: each
/// branch is a closed object, as the server reads it.
fn close_tagged_unions(doc: &mut serde_json::Value, names: &[&str]) {
    for name in names {
        let pointer = format!("/components/schemas/{name}/oneOf");
        for branch in doc.pointer_mut(&pointer).and_then(serde_json::Value::as_array_mut).into_iter().flatten() {
            if let Some(object) = branch.as_object_mut() {
                object.insert("additionalProperties".into(), serde_json::Value::Bool(false));
            }
        }
    }
}

/// The request headers every resource shares, stated once: `Idempotency-Key` on every POST
/// the idempotency middleware honours (all but [`crate::http::idempotency::NO_KEY`]),
/// `If-None-Match` on every read that answers 304, and no header typed as possibly `null` (a
/// header is absent or has a value). With them the answers they bring: 412 and 428 only where
/// `If-Match` is taken, and the `ETag` and `Location` the server always sends, as required.
fn shared_headers(doc: &mut serde_json::Value) {
    use serde_json::{Value, json};
    let idempotency_key = json!({
        "name": "Idempotency-Key", "in": "header", "required": false,
        "description": "Any 1-255 visible ASCII characters: a retry with the same key and body within 24 hours \
                        gets the first answer again (with `Idempotent-Replayed: true`)",
        "schema": {"$ref": "#/components/schemas/IdempotencyKey"}});
    let if_none_match = json!({
        "name": "If-None-Match", "in": "header", "required": false,
        "description": "The ETag of a copy you hold: 304 without a body while it is current",
        "schema": {"type": "string"}});
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else { return };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else { continue };
        for (method, operation) in item.iter_mut() {
            let has_not_modified = operation.pointer("/responses/304").is_some();
            let if_match = operation
                .get("parameters")
                .and_then(Value::as_array)
                .and_then(|ps| ps.iter().find(|p| p["in"] == "header" && p["name"] == "If-Match"))
                .map(|p| p["required"] == true);
            if let Some(responses) = operation.get_mut("responses").and_then(Value::as_object_mut) {
                // Precondition answers only where a precondition is taken: 428 where If-Match
                // is required, 412 where it is taken at all.
                if if_match != Some(true) {
                    responses.remove("428");
                }
                if if_match.is_none() {
                    responses.remove("412");
                }
                // What the server always sends is required: the ETag of a 2xx and a 304, the
                // Location of a 201.
                if let Some(not_modified) = responses.get_mut("304").and_then(Value::as_object_mut) {
                    not_modified.insert(
                        "headers".into(),
                        json!({"ETag": {"schema": {"type": "string"},
                        "description": "The ETag of the copy you hold, still current"}}),
                    );
                }
                for response in responses.values_mut() {
                    for (name, header) in
                        response.get_mut("headers").and_then(Value::as_object_mut).into_iter().flatten()
                    {
                        if name == "ETag" || name == "Location" {
                            header["required"] = Value::Bool(true);
                        }
                    }
                }
            }
            let parameters = operation
                .as_object_mut()
                .map(|o| o.entry("parameters").or_insert_with(|| json!([])))
                .and_then(Value::as_array_mut);
            let Some(parameters) = parameters else { continue };
            if method == "post" && !crate::http::idempotency::NO_KEY.contains(&path.as_str()) {
                parameters.push(idempotency_key.clone());
            }
            if has_not_modified {
                parameters.push(if_none_match.clone());
            }
            for parameter in parameters.iter_mut().filter(|p| p["in"] == "header") {
                let schema = &mut parameter["schema"];
                if let Some(types) = schema.get("type").and_then(Value::as_array) {
                    let types: Vec<Value> = types.iter().filter(|t| *t != "null").cloned().collect();
                    schema["type"] = if types.len() == 1 { types[0].clone() } else { Value::Array(types) };
                }
                if let Some(branches) = schema.get("oneOf").and_then(Value::as_array) {
                    let branches: Vec<Value> =
                        branches.iter().filter(|b| **b != json!({"type": "null"})).cloned().collect();
                    if let [only] = branches.as_slice() {
                        *schema = only.clone();
                    }
                }
            }
            if parameters.is_empty()
                && let Some(o) = operation.as_object_mut()
            {
                o.remove("parameters");
            }
        }
    }
}

/// A JSON Merge Patch (RFC 7396) of a type is not that type: every member is optional, an
/// optional one may be `null` (to remove it), and a nested object is itself a patch. PATCH
/// bodies documented as `application/merge-patch+json` of `X` get the schema `XPatch` derived
/// here from `X`, so the contract accepts exactly the patches the server does.
fn merge_patch_schemas(doc: &mut serde_json::Value) {
    use serde_json::{Map, Value, json};
    const PREFIX: &str = "#/components/schemas/";

    fn nullable(schema: Value) -> Value {
        match schema {
            Value::Object(mut o) if o.get("type").is_some_and(Value::is_string) => {
                let t = o.remove("type").unwrap_or_default();
                o.insert("type".into(), json!([t, "null"]));
                Value::Object(o)
            }
            Value::Object(o)
                if o.get("type").is_some_and(|t| t.as_array().is_some_and(|a| a.contains(&json!("null")))) =>
            {
                Value::Object(o)
            }
            Value::Object(o)
                if o.get("oneOf")
                    .is_some_and(|v| v.as_array().is_some_and(|a| a.contains(&json!({"type": "null"})))) =>
            {
                Value::Object(o)
            }
            other => json!({"oneOf": [other, {"type": "null"}]}),
        }
    }

    /// The patch form of a schema: objects become patches (recursively, through `$ref`),
    /// anything else is replaced whole and stays as it is.
    fn patch_of(schema: &Value, schemas: &Map<String, Value>, made: &mut Map<String, Value>) -> Value {
        if let Some(name) = schema.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix(PREFIX)) {
            let Some(target) = schemas.get(name) else { return schema.clone() };
            // LocalizedText-like: the object shape of an allOf whose other parts only constrain.
            let object = target
                .get("allOf")
                .and_then(Value::as_array)
                .and_then(|parts| parts.iter().find(|p| p.get("properties").is_some()))
                .unwrap_or(target);
            if object.get("properties").is_none() {
                return schema.clone();
            }
            let patch_name = format!("{name}Patch");
            if !made.contains_key(&patch_name) {
                made.insert(patch_name.clone(), Value::Null);
                let patch = patch_object(object, schemas, made);
                made.insert(patch_name.clone(), patch);
            }
            return json!({"$ref": format!("{PREFIX}{patch_name}")});
        }
        if let Some(parts) = schema.get("oneOf").and_then(Value::as_array) {
            let parts: Vec<Value> = parts.iter().map(|p| patch_of(p, schemas, made)).collect();
            let mut out = schema.clone();
            out["oneOf"] = Value::Array(parts);
            return out;
        }
        if schema.get("properties").is_some() {
            return patch_object(schema, schemas, made);
        }
        schema.clone()
    }

    fn patch_object(object: &Value, schemas: &Map<String, Value>, made: &mut Map<String, Value>) -> Value {
        let required: Vec<&str> =
            object.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
        let mut properties = Map::new();
        for (name, property) in object["properties"].as_object().into_iter().flatten() {
            let patched = patch_of(property, schemas, made);
            let patched = if required.contains(&name.as_str()) { patched } else { nullable(patched) };
            properties.insert(name.clone(), patched);
        }
        let mut out = Map::new();
        out.insert("type".into(), json!("object"));
        if let Some(description) = object.get("description") {
            out.insert("description".into(), description.clone());
        }
        out.insert("properties".into(), Value::Object(properties));
        if let Some(extra) = object.get("additionalProperties") {
            out.insert("additionalProperties".into(), extra.clone());
        }
        Value::Object(out)
    }

    let schemas: Map<String, Value> =
        doc.pointer("/components/schemas").and_then(Value::as_object).cloned().unwrap_or_default();
    let mut made = Map::new();
    for item in doc.get_mut("paths").and_then(Value::as_object_mut).into_iter().flat_map(|p| p.values_mut()) {
        let Some(patch) = item.get_mut("patch") else { continue };
        let Some(content) = patch.pointer_mut("/requestBody/content/application~1merge-patch+json") else { continue };
        let schema = content["schema"].clone();
        content["schema"] = patch_of(&schema, &schemas, &mut made);
    }
    if let Some(target) = doc.pointer_mut("/components/schemas").and_then(Value::as_object_mut) {
        target.extend(made);
    }
}

/// A view that flattens another type (`#[serde(flatten)]`) is generated as `allOf` of that
/// type and its own fields. When the flattened type is closed (`additionalProperties: false`,
/// as request bodies are), no real response could validate against the `allOf`: merge such
/// schemas into one closed object holding every property.
fn close_flattened(doc: &mut serde_json::Value) {
    use serde_json::{Map, Value};
    let schemas: Map<String, Value> =
        doc.pointer("/components/schemas").and_then(Value::as_object).cloned().unwrap_or_default();
    let resolve = |part: &Value| -> Option<Value> {
        match part.get("$ref").and_then(Value::as_str) {
            Some(r) => schemas.get(r.strip_prefix("#/components/schemas/")?).cloned(),
            None => Some(part.clone()),
        }
    };
    let nullable = |schema: &Value| {
        schema.get("type").and_then(Value::as_array).is_some_and(|t| t.contains(&Value::from("null")))
            || schema
                .get("oneOf")
                .and_then(Value::as_array)
                .is_some_and(|o| o.iter().any(|b| b.get("type") == Some(&Value::from("null"))))
    };
    let Some(targets) = doc.pointer_mut("/components/schemas").and_then(Value::as_object_mut) else { return };
    for (name, schema) in targets.iter_mut() {
        let Some(parts) = schema.get("allOf").and_then(Value::as_array) else { continue };
        let Some(parts) = parts.iter().map(resolve).collect::<Option<Vec<Value>>>() else { continue };
        let plain = parts.iter().all(|p| p.get("properties").is_some() && p.get("allOf").is_none());
        let closed = parts.iter().any(|p| p.get("additionalProperties") == Some(&Value::Bool(false)));
        if !(plain && closed) {
            continue;
        }
        let mut properties = Map::new();
        let mut required: Vec<Value> = Vec::new();
        // A view carries every field it flattens, defaulted in a request or not: only a field
        // that may be null is left out of `required` (as a view's own optional fields are).
        let view = name.ends_with("View");
        for part in &parts {
            let own = part["properties"].as_object().cloned().unwrap_or_default();
            let always: Vec<Value> =
                own.iter().filter(|(_, p)| view && !nullable(p)).map(|(n, _)| Value::from(n.as_str())).collect();
            properties.extend(own);
            for field in part.get("required").and_then(Value::as_array).into_iter().flatten().chain(&always) {
                if !required.contains(field) {
                    required.push(field.clone());
                }
            }
        }
        let Some(object) = schema.as_object_mut() else { continue };
        object.remove("allOf");
        object.insert("type".into(), "object".into());
        object.insert("required".into(), Value::Array(required));
        object.insert("properties".into(), Value::Object(properties));
        object.insert("additionalProperties".into(), Value::Bool(false));
    }
}

/// The OpenAPI document as committed in `openapi/openapi.json`.
pub fn openapi_json() -> String {
    let mut json = serde_json::to_string_pretty(&openapi_document(&openapi())).unwrap_or_default();
    json.push('\n');
    json
}

/// The whole application: routes, docs, framework error handling and middleware.
pub fn app(
    db: Db,
    shared: &Shared,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<BoxBody>,
        Error = actix_web::Error,
        InitError = (),
    > + use<>,
> {
    let (app, api) = App::new().into_utoipa_app().openapi(ApiDoc::openapi()).configure(api).split_for_parts();
    let known_paths = web::Data::new(KnownPaths::from_openapi(&api));
    app.app_data(web::Data::new(db))
        // Each worker has its own pool, so its own permits: half its pool.
        .app_data(web::Data::new(Admission::new(shared.expensive_per_worker)))
        .app_data(shared.metrics.clone())
        .app_data(shared.keys.clone())
        .app_data(shared.limiter.clone())
        .app_data(shared.trusted_proxies.clone())
        .app_data(shared.mail.clone())
        .app_data(shared.metrics_access.clone())
        .app_data(shared.live.clone())
        .app_data(shared.body_timeout.clone())
        .app_data(shared.public_url.clone())
        .app_data(known_paths)
        .app_data(framework::json_config())
        .app_data(framework::query_config())
        .app_data(framework::path_config())
        .app_data(web::PayloadConfig::new(framework::PAYLOAD_LIMIT))
        .service(SwaggerUi::new("/docs/{_:.*}").external_url_unchecked("/openapi.json", openapi_document(&api)))
        .service(web::resource("/docs").get(|| async {
            actix_web::HttpResponse::PermanentRedirect().insert_header((header::LOCATION, "/docs/")).finish()
        }))
        .default_service(web::to(framework::fallback))
        .wrap(from_fn(crate::http::idempotency::idempotency))
        .wrap(from_fn(admission))
        .wrap(cors(&shared.cors_origins))
        .wrap(from_fn(request_context))
}

fn cors(origins: &CorsOrigins) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
            HeaderName::from_static("idempotency-key"),
            REQUEST_ID,
        ])
        .expose_headers([
            header::ETAG,
            header::LINK,
            header::LOCATION,
            header::RETRY_AFTER,
            REQUEST_ID,
            crate::http::idempotency::REPLAYED,
        ])
        .max_age(3600)
        // Leave enforcement to the browser: a request from another origin simply gets no
        // CORS headers, rather than an error that non-browser clients would also see.
        .block_on_origin_mismatch(false);
    match origins {
        CorsOrigins::Any => cors = cors.allow_any_origin().send_wildcard(),
        CorsOrigins::List(list) => {
            for origin in list {
                cors = cors.allowed_origin(origin);
            }
        }
    }
    cors
}
