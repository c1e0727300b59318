//! Framework errors as [`AppError`]s: malformed or oversized bodies, wrong content types,
//! bad path and query parameters, unknown routes (404) and wrong methods (405).

use actix_router::ResourceDef;
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::{HttpRequest, web};
use utoipa::openapi::OpenApi;

use crate::error::AppError;

/// Largest JSON request body accepted.
pub const JSON_BODY_LIMIT: usize = 256 * 1024;
/// Largest raw or form body accepted.
pub const PAYLOAD_LIMIT: usize = 1024 * 1024;

pub fn json_config() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(JSON_BODY_LIMIT)
        // application/json and any +json type (merge-patch+json, problem+json, ...)
        .content_type(|mime| mime.subtype() == mime::JSON || mime.suffix() == Some(mime::JSON))
        .content_type_required(true)
        .error_handler(|err, _req| json_error(err).into())
}

fn json_error(err: JsonPayloadError) -> AppError {
    match err {
        JsonPayloadError::OverflowKnownLength { limit, .. } | JsonPayloadError::Overflow { limit } => {
            AppError::PayloadTooLarge { limit }
        }
        JsonPayloadError::ContentType => {
            AppError::UnsupportedMediaType { detail: "Send the body as application/json.".into() }
        }
        JsonPayloadError::Deserialize(e) if e.is_data() => {
            AppError::invalid(json_error_field(&e), "invalid_value", strip_position(&e))
        }
        JsonPayloadError::Deserialize(e) => AppError::bad_request(format!("The body is not valid JSON: {e}")),
        JsonPayloadError::Serialize(e) => AppError::internal(e),
        other => AppError::bad_request(format!("Cannot read the request body: {other}")),
    }
}

/// serde_json names the offending field in messages such as "unknown field `x`" or
/// "missing field `y`"; use it as the error's field when present.
fn json_error_field(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    msg.split('`')
        .nth(1)
        .filter(|_| msg.starts_with("unknown field") || msg.starts_with("missing field"))
        .unwrap_or("body")
        .to_owned()
}

fn strip_position(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    match msg.find(" at line ") {
        Some(i) => msg[..i].to_owned(),
        None => msg,
    }
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err, _req| {
        let detail = match err {
            QueryPayloadError::Deserialize(e) => format!("Invalid query string: {e}"),
            other => format!("Invalid query string: {other}"),
        };
        AppError::bad_request(detail).into()
    })
}

pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|err, _req| {
        let detail = match err {
            PathError::Deserialize(e) => format!("Invalid path parameter: {e}"),
            other => format!("Invalid path parameter: {other}"),
        };
        AppError::bad_request(detail).into()
    })
}

/// The documented paths and their methods, to tell 405 from 404.
pub struct KnownPaths {
    paths: Vec<(ResourceDef, Vec<String>)>,
}

impl KnownPaths {
    pub fn from_openapi(api: &OpenApi) -> Self {
        let paths = api
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let methods = [
                    ("GET", item.get.is_some()),
                    ("POST", item.post.is_some()),
                    ("PUT", item.put.is_some()),
                    ("PATCH", item.patch.is_some()),
                    ("DELETE", item.delete.is_some()),
                ]
                .into_iter()
                .filter(|(_, present)| *present)
                .map(|(m, _)| m.to_owned())
                .collect();
                (ResourceDef::new(path.as_str()), methods)
            })
            .collect();
        KnownPaths { paths }
    }

    fn methods_for(&self, path: &str) -> Option<&[String]> {
        self.paths.iter().find(|(def, _)| def.is_match(path)).map(|(_, m)| m.as_slice())
    }
}

/// The default service: a request that matched no route.
pub async fn fallback(req: HttpRequest, known: web::Data<KnownPaths>) -> Result<actix_web::HttpResponse, AppError> {
    match known.methods_for(req.path()) {
        Some(methods) => Err(AppError::MethodNotAllowed { allow: methods.to_vec() }),
        None => Err(AppError::NotFound),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_errors_name_the_field() {
        #[derive(serde::Deserialize, Debug)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Body {
            name: String,
        }
        let e = serde_json::from_str::<Body>(r#"{"name": "x", "nmae": "y"}"#).unwrap_err();
        assert_eq!(json_error_field(&e), "nmae");
        let e = serde_json::from_str::<Body>(r#"{}"#).unwrap_err();
        assert_eq!(json_error_field(&e), "name");
    }
}
