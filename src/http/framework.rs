//! Framework errors as [`AppError`]s: malformed or oversized bodies, wrong content types,
//! bad path and query parameters, unknown routes (404) and wrong methods (405).

use std::collections::HashMap;
use std::sync::Arc;

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

/// The documented paths with their methods, and which operations the contract declares for
/// signed-in callers only: 405 is told from 404 with it, and the request context refuses an
/// anonymous caller of such an operation before anything else.
///
/// It also tells the request-context middleware which route a path belongs to, before the
/// router runs: documented paths are matched segment by segment here (a few comparisons),
/// where asking the router would run its regular expressions over every route a second time.
pub struct KnownPaths {
    /// The documented patterns by segment: a request path is matched one segment at a time,
    /// a literal segment before a parameter, as the router prefers it.
    tree: PathNode,
    patterns: Vec<(Arc<str>, Vec<String>)>,
    token_required: HashMap<String, Vec<&'static str>>,
    /// Media types other than JSON that an operation's success answers are declared in, by
    /// path and method.
    produces: HashMap<String, Vec<(&'static str, Vec<String>)>>,
}

/// One segment position of the documented patterns.
#[derive(Default)]
struct PathNode {
    /// A handful per position: comparing them beats hashing the segment.
    literals: Vec<(String, PathNode)>,
    parameter: Option<Box<PathNode>>,
    /// The pattern that ends here, as an index into `patterns`.
    pattern: Option<usize>,
}

impl PathNode {
    fn insert(&mut self, pattern: &str, index: usize) {
        let node = pattern.split('/').fold(self, |node, segment| {
            if segment.starts_with('{') && segment.ends_with('}') {
                node.parameter.get_or_insert_with(Default::default)
            } else {
                match node.literals.iter().position(|(literal, _)| literal == segment) {
                    Some(i) => &mut node.literals[i].1,
                    None => {
                        node.literals.push((segment.to_owned(), PathNode::default()));
                        let last = node.literals.len() - 1;
                        &mut node.literals[last].1
                    }
                }
            }
        });
        node.pattern = Some(index);
    }

    /// A parameter matches any non-empty segment, as the router's default `[^/]+` does.
    fn find(&self, path: &str) -> Option<usize> {
        let (segment, rest) = match path.split_once('/') {
            Some((segment, rest)) => (segment, Some(rest)),
            None => (path, None),
        };
        let next = |node: &PathNode| match rest {
            Some(rest) => node.find(rest),
            None => node.pattern,
        };
        self.literals
            .iter()
            .find(|(literal, _)| literal == segment)
            .and_then(|(_, node)| next(node))
            .or_else(|| self.parameter.as_deref().filter(|_| !segment.is_empty()).and_then(next))
    }
}

impl KnownPaths {
    pub fn from_openapi(api: &OpenApi) -> Self {
        let mut tree = PathNode::default();
        let mut patterns = Vec::new();
        let mut token_required: HashMap<String, Vec<&'static str>> = HashMap::new();
        let mut produces: HashMap<String, Vec<(&'static str, Vec<String>)>> = HashMap::new();
        for (path, item) in &api.paths.paths {
            let operations = [
                ("GET", item.get.as_ref()),
                ("POST", item.post.as_ref()),
                ("PUT", item.put.as_ref()),
                ("PATCH", item.patch.as_ref()),
                ("DELETE", item.delete.as_ref()),
            ];
            let mut methods = Vec::new();
            for (method, operation) in operations {
                let Some(operation) = operation else { continue };
                methods.push(method.to_owned());
                // Required: some requirement is declared and none of them is the empty one.
                let required = operation.security.as_ref().is_some_and(|list| {
                    !list.is_empty()
                        && list.iter().all(|r| serde_json::to_value(r).is_ok_and(|v| v != serde_json::json!({})))
                });
                if required {
                    token_required.entry(path.clone()).or_default().push(method);
                }
                let other: Vec<String> = operation
                    .responses
                    .responses
                    .iter()
                    .filter(|(status, _)| status.starts_with('2'))
                    .filter_map(|(_, response)| match response {
                        utoipa::openapi::RefOr::T(response) => Some(response.content.keys()),
                        utoipa::openapi::RefOr::Ref(_) => None,
                    })
                    .flatten()
                    .filter(|media| media.as_str() != "application/json")
                    .cloned()
                    .collect();
                if !other.is_empty() {
                    produces.entry(path.clone()).or_default().push((method, other));
                }
            }
            tree.insert(path, patterns.len());
            patterns.push((Arc::from(path.as_str()), methods));
        }
        KnownPaths { tree, patterns, token_required, produces }
    }

    fn find(&self, path: &str) -> Option<&(Arc<str>, Vec<String>)> {
        self.tree.find(path).and_then(|i| self.patterns.get(i))
    }

    /// The documented route pattern a request path belongs to (`/api/v1/venues/{id}`).
    pub fn pattern(&self, path: &str) -> Option<&Arc<str>> {
        self.find(path).map(|(pattern, _)| pattern)
    }

    fn methods_for(&self, path: &str) -> Option<&[String]> {
        self.find(path).map(|(_, methods)| methods.as_slice())
    }

    /// The media types besides JSON that the operation at route `pattern` answers with, as
    /// the contract declares them (exports, event streams).
    pub fn produces(&self, pattern: &str, method: &str) -> &[String] {
        self.produces
            .get(pattern)
            .and_then(|by_method| by_method.iter().find(|(m, _)| *m == method))
            .map_or(&[], |(_, media)| media.as_slice())
    }

    /// Whether the operation at route `pattern` answers a document besides JSON (CSV,
    /// iCalendar, JSON-LD; not an event stream or plain text): an export.
    pub fn is_export(&self, pattern: &str, method: &str) -> bool {
        let produces = self.produces(pattern, method);
        !produces.iter().any(|media| media.starts_with("text/event-stream"))
            && produces.iter().any(|media| !media.starts_with("text/plain"))
    }

    /// Whether the operation at route `pattern` requires an access token.
    pub fn requires_token(&self, pattern: &str, method: &str) -> bool {
        self.token_required.get(pattern).is_some_and(|methods| methods.contains(&method))
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
    fn request_paths_find_their_documented_pattern() {
        let known = KnownPaths::from_openapi(&crate::routes::openapi());
        for (pattern, _) in &known.patterns {
            let path = pattern
                .split('/')
                .map(|s| if s.starts_with('{') { "0193a2b4-aaaa-7bbb-8ccc-123456789abc" } else { s })
                .collect::<Vec<_>>()
                .join("/");
            assert_eq!(known.pattern(&path).map(|p| &**p), Some(&**pattern), "{path}");
        }
        let pattern = |path: &str| known.pattern(path).map(|p| p.to_string());
        assert_eq!(pattern("/api/v1/organizations/x/members").as_deref(), Some("/api/v1/organizations/{id}/members"));
        assert_eq!(pattern("/api/v1/areas/municipality/179").as_deref(), Some("/api/v1/areas/{kind}/{code}"));
        for unknown in ["/api/v1/organizations/", "/api/v1/organizations//members", "/api/v1/nothing", "/", ""] {
            assert_eq!(pattern(unknown), None, "{unknown}");
        }
        let mut tree = PathNode::default();
        for (i, pattern) in ["/a/{id}", "/a/new", "/a/{id}/b"].into_iter().enumerate() {
            tree.insert(pattern, i);
        }
        // A literal segment wins; where it leads nowhere, the parameter is tried.
        assert_eq!([tree.find("/a/new"), tree.find("/a/x"), tree.find("/a/new/b")], [Some(1), Some(0), Some(2)]);
        assert_eq!(
            known.methods_for("/api/v1/organizations/x"),
            Some(&["GET".to_owned(), "PATCH".into(), "DELETE".into()][..])
        );
    }

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
