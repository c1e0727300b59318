//! Test harness: a migrated template database, one clone per test, and an in-process app
//! built from `routes::app`.
//!
//! `YHDYSPINTA_TEST_ADMIN_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`) names
//! a role that may create databases.

use std::sync::OnceLock;
use std::time::Duration;

use actix_http::Request;
use actix_service::Service;
use actix_service::boxed::{self, BoxService};
use actix_web::body::BoxBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::HeaderMap;
use actix_web::test::TestRequest;
use actix_web::web::{self, Bytes};
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use sha2::{Digest, Sha256};
use yhdyspinta::config::{CorsOrigins, DEFAULT_MAIL_FROM, MailConfig, TokenConfig, TrustedProxies};
use yhdyspinta::db::{DatabaseUrl, Db, PooledConn};
use yhdyspinta::domain::coordination_documents::live::LiveHub;
use yhdyspinta::domain::identity::rate_limit::RateLimiter;
use yhdyspinta::domain::identity::tokens::KeySet;
use yhdyspinta::http::health::MetricsAccess;
use yhdyspinta::http::middleware::BodyTimeout;
use yhdyspinta::routes::Shared;
use yhdyspinta::telemetry::Metrics;

/// The metrics token of test apps.
pub const METRICS_TOKEN: &str = "test-metrics-token-0123456789";
pub const DEFAULT_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
/// Serialises template creation across concurrently running test binaries.
const TEMPLATE_LOCK_KEY: i64 = 0x5950_5445_4d50_4c54; // "YPTEMPLT"

pub fn admin_url() -> String {
    std::env::var("YHDYSPINTA_TEST_ADMIN_URL").unwrap_or_else(|_| DEFAULT_ADMIN_URL.to_owned())
}

fn url_for(database: &str) -> String {
    let admin = admin_url();
    DatabaseUrl::parse(&admin).expect("admin URL names a database").with_database(database)
}

/// Runs `f` on a fresh single-threaded runtime in its own thread, so harness set-up and
/// tear-down work from sync contexts (OnceLock, Drop) inside a test's runtime.
fn block_on_own_thread<T: Send + 'static>(f: impl AsyncFnOnce() -> T + Send + 'static) -> T {
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        rt.block_on(f())
    })
    .join()
    .expect("harness thread panicked")
}

async fn admin_conn() -> AsyncPgConnection {
    let url = admin_url();
    AsyncPgConnection::establish(&url).await.unwrap_or_else(|e| {
        panic!("cannot connect to PostgreSQL at {url} ({e}); start it or set YHDYSPINTA_TEST_ADMIN_URL")
    })
}

/// Content hash of the migrations, so a changed migration gets a fresh template.
fn migrations_hash() -> String {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let mut files: Vec<_> = walk(&dir);
    files.sort();
    let mut hasher = Sha256::new();
    for f in files {
        hasher.update(f.to_string_lossy().as_bytes());
        hasher.update(std::fs::read(&f).expect("read migration"));
    }
    hasher.finalize()[..6].iter().map(|b| format!("{b:02x}")).collect()
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("migrations dir").flatten() {
        let path = entry.path();
        if path.is_dir() { out.extend(walk(&path)) } else { out.push(path) }
    }
    out
}

/// The migrated template database, created once per migration set.
fn template() -> &'static str {
    static TEMPLATE: OnceLock<String> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        block_on_own_thread(async || {
            let name = format!("yhdyspinta_template_{}", migrations_hash());
            let mut admin = admin_conn().await;
            admin.batch_execute(&format!("SELECT pg_advisory_lock({TEMPLATE_LOCK_KEY})")).await.expect("lock");
            let ready = exists(&mut admin, &name, true).await;
            if !ready {
                // Separate statements: DROP/CREATE DATABASE cannot share an implicit transaction.
                for sql in
                    [format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"), format!("CREATE DATABASE \"{name}\"")]
                {
                    admin.batch_execute(&sql).await.expect("create template");
                }
                yhdyspinta::db::migrate(&url_for(&name)).await.expect("migrate template");
                admin
                    .batch_execute(&format!("ALTER DATABASE \"{name}\" IS_TEMPLATE true"))
                    .await
                    .expect("mark template");
            }
            admin.batch_execute(&format!("SELECT pg_advisory_unlock({TEMPLATE_LOCK_KEY})")).await.expect("unlock");
            name
        })
    })
}

async fn exists(admin: &mut AsyncPgConnection, name: &str, as_template: bool) -> bool {
    use diesel::sql_types::{Bool, Text};
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = Bool)]
        found: bool,
    }
    let row: Row = diesel::sql_query(
        "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1 AND datistemplate = $2) AS found",
    )
    .bind::<Text, _>(name)
    .bind::<Bool, _>(as_template)
    .get_result(admin)
    .await
    .expect("query pg_database");
    row.found
}

/// A fresh database cloned from the template; dropped with the value.
pub struct TestDatabase {
    pub name: String,
    pub url: String,
}

impl TestDatabase {
    pub fn create() -> TestDatabase {
        let template = template();
        let name = format!("yhdyspinta_test_{}", uuid::Uuid::now_v7().simple());
        let sql = format!("CREATE DATABASE \"{name}\" TEMPLATE \"{template}\"");
        block_on_own_thread(async move || {
            admin_conn().await.batch_execute(&sql).await.expect("clone template");
        });
        let url = url_for(&name);
        TestDatabase { name, url }
    }

    /// An empty database (no migrations), for migration tests.
    pub fn create_empty() -> TestDatabase {
        let name = format!("yhdyspinta_test_{}", uuid::Uuid::now_v7().simple());
        let sql = format!("CREATE DATABASE \"{name}\"");
        block_on_own_thread(async move || {
            admin_conn().await.batch_execute(&sql).await.expect("create database");
        });
        let url = url_for(&name);
        TestDatabase { name, url }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let sql = format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name);
        block_on_own_thread(async move || {
            let _ = admin_conn().await.batch_execute(&sql).await;
        });
    }
}

type AppService = BoxService<Request, ServiceResponse<BoxBody>, actix_web::Error>;

/// The application on its own database.
pub struct TestApp {
    service: AppService,
    pub db: Db,
    pub keys: web::Data<KeySet>,
    pub live: web::Data<LiveHub>,
    // Dropped last: the pool closes before the database goes.
    _database: TestDatabase,
}

/// How a test app's pool behaves.
pub struct PoolSettings {
    pub size: usize,
    pub wait_timeout: Duration,
}

impl Default for PoolSettings {
    fn default() -> Self {
        PoolSettings { size: 4, wait_timeout: Duration::from_secs(5) }
    }
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(PoolSettings::default()).await
    }

    pub async fn spawn_with(pool: PoolSettings) -> TestApp {
        let database = TestDatabase::create();
        let db = Db::with_settings(&database.url, pool.size, pool.wait_timeout, Duration::from_secs(5)).expect("pool");
        let keys = {
            let mut conn = db.conn().await.expect("connection");
            web::Data::new(KeySet::load(&mut conn, &TokenConfig::default()).await.expect("keys"))
        };
        let live = web::Data::new(LiveHub::new(3, 1000));
        // The tests' series are dated (spring 2026, for its daylight-saving change): re-derive
        // as far back as the service allows (50 years), so they stay within the window.
        yhdyspinta::domain::event_series::set_history_months(600);
        // Webhook receivers in the tests listen on loopback.
        yhdyspinta::domain::webhooks::set_allowed_hosts(vec![crate::receiver::ALLOWED_HOST.to_owned()]);
        actix_web::rt::spawn(yhdyspinta::domain::coordination_documents::live::listen(
            database.url.clone(),
            live.clone().into_inner(),
        ));
        let service = Self::service(db.clone(), keys.clone(), RateLimiter::default(), live.clone()).await;
        TestApp { service, db, keys, live, _database: database }
    }

    /// The URL of the app's database, for the command-line paths.
    pub fn database_url(&self) -> String {
        self._database.url.clone()
    }

    /// An app whose database URL points nowhere, to observe the 503 behaviour.
    pub async fn spawn_unreachable() -> (AppService, Db) {
        let db = Db::with_settings(
            "postgres://postgres@127.0.0.1:1/nowhere",
            2,
            Duration::from_millis(500),
            Duration::from_secs(1),
        )
        .expect("pool");
        let keys = web::Data::new(KeySet::from_seed_for_tests([7; 32], TokenConfig::default()));
        (Self::service(db.clone(), keys, RateLimiter::default(), web::Data::new(LiveHub::default())).await, db)
    }

    /// Rebuilds the app on the same database with a login limiter of its own.
    pub async fn use_limiter(&mut self, limiter: RateLimiter) {
        self.service = Self::service(self.db.clone(), self.keys.clone(), limiter, self.live.clone()).await;
    }

    async fn service(db: Db, keys: web::Data<KeySet>, limiter: RateLimiter, live: web::Data<LiveHub>) -> AppService {
        let shared = Shared {
            metrics: web::Data::new(Metrics::default()),
            keys,
            limiter: web::Data::new(limiter),
            cors_origins: CorsOrigins::List(vec!["https://app.example.fi".into()]),
            trusted_proxies: web::Data::new(TrustedProxies(vec!["10.0.0.0/8".parse().expect("network")])),
            mail: web::Data::new(MailConfig { from: DEFAULT_MAIL_FROM.into(), ..MailConfig::default() }),
            metrics_access: web::Data::new(MetricsAccess::Token(METRICS_TOKEN.into())),
            live,
            body_timeout: web::Data::new(BodyTimeout(Duration::from_secs(10))),
            public_url: web::Data::new(yhdyspinta::config::PublicUrl("https://yhdyspinta.example".into())),
            expensive_per_worker: 2,
        };
        let app = yhdyspinta::routes::app(db, &shared).service(web::resource("/__test/echo").post(echo));
        boxed::service(actix_web::test::init_service(app).await)
    }

    pub async fn conn(&self) -> PooledConn {
        self.db.conn().await.expect("test connection")
    }

    pub async fn call(&self, req: TestRequest) -> TestResponse {
        call(&self.service, req).await
    }

    /// Delivers the mail outbox to `sink`, as the server's worker does; returns how many.
    pub async fn deliver_mail(&self, sink: &crate::mail_sink::SmtpSink) -> usize {
        let mut conn = self.conn().await;
        yhdyspinta::domain::mail::deliver_due(&mut conn, &sink.mailer()).await.expect("mail delivery")
    }

    /// Sends `req` and returns the response without reading its body (event streams).
    pub async fn call_streaming(&self, req: TestRequest) -> ServiceResponse<BoxBody> {
        match self.service.call(req.to_request()).await {
            Ok(res) => res,
            Err(e) => panic!("the app returned an error instead of a response: {e}"),
        }
    }

    pub async fn get(&self, uri: &str) -> TestResponse {
        self.call(TestRequest::get().uri(uri)).await
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.db.close();
    }
}

pub async fn call(service: &AppService, req: TestRequest) -> TestResponse {
    let res = match service.call(req.to_request()).await {
        Ok(res) => res,
        Err(e) => panic!("the app returned an error instead of a response: {e}"),
    };
    let status = res.status();
    let headers = res.headers().clone();
    let body = actix_web::test::read_body(res).await;
    TestResponse { status, headers, body }
}

/// A body-taking route mounted only in tests, to exercise the framework's JSON handling.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct EchoBody {
    name: String,
}

async fn echo(body: web::Json<EchoBody>) -> web::Json<serde_json::Value> {
    web::Json(serde_json::json!({ "name": body.name }))
}

#[derive(Debug)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl TestResponse {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    #[track_caller]
    pub fn assert_status(&self, expected: u16) -> &Self {
        assert_eq!(self.status.as_u16(), expected, "unexpected status; body: {}", String::from_utf8_lossy(&self.body));
        self
    }

    /// Asserts an RFC 9457 problem with this status, carrying the response's request id.
    #[track_caller]
    pub fn assert_problem(&self, expected: u16) -> serde_json::Value {
        self.assert_status(expected);
        assert_eq!(self.header("content-type"), Some("application/problem+json"));
        let body = self.json();
        assert_eq!(body["status"], expected);
        assert!(body["type"].as_str().is_some_and(|t| t.starts_with("/problems/")), "{body}");
        assert!(body["title"].is_string() && body["detail"].is_string(), "{body}");
        let request_id = self.header("x-request-id").expect("x-request-id header");
        assert_eq!(body["request_id"], request_id);
        body
    }
}

/// Fixtures for organisations.
pub mod fixtures {
    use std::collections::BTreeMap;

    use yhdyspinta::db::Conn;
    use yhdyspinta::domain::organizations::{OrganizationFields, OrganizationKind, insert_missing};
    use yhdyspinta::domain::types::localized::LocalizedText;

    /// An organisation with a fresh id.
    pub fn organization(name: &str, kind: OrganizationKind) -> (uuid::Uuid, OrganizationFields) {
        (
            uuid::Uuid::now_v7(),
            OrganizationFields {
                name: LocalizedText::fi(name),
                kind,
                business_id: None,
                parent_id: None,
                municipality_codes: vec![],
                wellbeing_county_code: None,
                description: None,
                website: None,
                email: None,
                phone: None,
                external_ids: BTreeMap::new(),
            },
        )
    }

    pub async fn insert(conn: &mut Conn, orgs: Vec<(uuid::Uuid, OrganizationFields)>) {
        insert_missing(conn, orgs).await.expect("insert organisations");
    }
}

/// The kinds of caller every endpoint is checked against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum As {
    Anonymous,
    /// Org admin of an unrelated organisation.
    Outsider,
    Member,
    Coordinator,
    OrgAdmin,
    PlatformAdmin,
    /// A service client of the organisation holding the scope under test.
    Client,
    /// The same organisation's client without that scope.
    ClientWithoutScope,
}

/// One organisation with a person in every role, an unrelated organisation with its own
/// admin, a platform admin and two service clients; with their access tokens.
pub struct Personas {
    pub org: uuid::Uuid,
    pub other_org: uuid::Uuid,
    pub users: std::collections::HashMap<As, uuid::Uuid>,
    tokens: std::collections::HashMap<As, String>,
}

impl Personas {
    pub fn token(&self, who: As) -> Option<&str> {
        self.tokens.get(&who).map(String::as_str)
    }

    pub fn user(&self, who: As) -> uuid::Uuid {
        self.users[&who]
    }

    /// The `Authorization` header of `who`; for the anonymous caller use [`Personas::request`].
    pub fn bearer(&self, who: As) -> (&'static str, String) {
        ("authorization", format!("Bearer {}", self.token(who).unwrap_or_default()))
    }

    /// `req` as sent by `who`.
    pub fn request(&self, who: As, req: TestRequest) -> TestRequest {
        match self.token(who) {
            Some(token) => req.insert_header(("authorization", format!("Bearer {token}"))),
            None => req,
        }
    }
}

impl TestApp {
    /// Creates the personas; the service clients hold `scope` or nothing.
    pub async fn personas(&self, scope: yhdyspinta::domain::access::Scope) -> Personas {
        use yhdyspinta::domain::identity::tokens::SubjectKind;
        use yhdyspinta::domain::organizations::OrganizationKind;
        use yhdyspinta::repo::{identity::users, service_clients};

        let mut conn = self.conn().await;
        let org = fixtures::organization("Persona ry", OrganizationKind::Ngo);
        let other = fixtures::organization("Muu ry", OrganizationKind::Ngo);
        let (org_id, other_id) = (org.0, other.0);
        fixtures::insert(&mut conn, vec![org, other]).await;

        let mut user_ids = std::collections::HashMap::new();
        let mut tokens = std::collections::HashMap::new();
        let people = [
            (As::Outsider, Some((other_id, "org_admin")), false),
            (As::Member, Some((org_id, "member")), false),
            (As::Coordinator, Some((org_id, "coordinator")), false),
            (As::OrgAdmin, Some((org_id, "org_admin")), false),
            (As::PlatformAdmin, None, true),
        ];
        for (who, membership, platform_admin) in people {
            let id = uuid::Uuid::now_v7();
            users::insert(
                &mut conn,
                &users::UserWrite {
                    id,
                    email: format!("{who:?}-{id}@example.fi").to_lowercase(),
                    display_name: format!("{who:?}"),
                    password_hash: None,
                    platform_admin,
                },
            )
            .await
            .expect("user");
            if let Some((org, role)) = membership {
                users::insert_memberships_missing(
                    &mut conn,
                    &[users::MembershipRow { organization_id: org, user_id: id, role: role.into() }],
                )
                .await
                .expect("membership");
            }
            user_ids.insert(who, id);
            tokens.insert(who, self.keys.issue(id, SubjectKind::User, "").expect("token"));
        }
        for (who, scopes) in [
            (As::Client, vec![Some(yhdyspinta::domain::types::names::name_of(&scope))]),
            (As::ClientWithoutScope, vec![]),
        ] {
            let id = uuid::Uuid::now_v7();
            service_clients::insert(
                &mut conn,
                &service_clients::ServiceClientWrite {
                    id,
                    name: format!("{who:?}"),
                    organization_id: org_id,
                    scopes: scopes.clone(),
                    secret_hash: vec![0; 32],
                },
            )
            .await
            .expect("client");
            let scope = scopes.into_iter().flatten().collect::<Vec<_>>().join(" ");
            tokens.insert(who, self.keys.issue(id, SubjectKind::Client, &scope).expect("token"));
        }
        Personas { org: org_id, other_org: other_id, users: user_ids, tokens }
    }

    /// Sends the request `make()` builds as each caller, in the order given, and checks each
    /// status. Every mismatch is reported together.
    #[track_caller]
    pub fn access_matrix<'a>(
        &'a self,
        personas: &'a Personas,
        expected: &'a [(As, u16)],
        make: impl Fn() -> TestRequest + 'a,
    ) -> impl std::future::Future<Output = ()> + 'a {
        let caller = std::panic::Location::caller();
        async move {
            let mut failures = Vec::new();
            for (who, status) in expected {
                let res = self.call(personas.request(*who, make())).await;
                if res.status.as_u16() != *status {
                    failures.push(format!(
                        "{who:?}: expected {status}, got {} ({})",
                        res.status.as_u16(),
                        String::from_utf8_lossy(&res.body).chars().take(200).collect::<String>()
                    ));
                }
            }
            assert!(failures.is_empty(), "access matrix at {caller}:\n  {}", failures.join("\n  "));
        }
    }
}

impl TestApp {
    /// Follows the `Location` of a `201 Created` as `who` and checks that the read answers
    /// `created` (the whole body, or the member `part` of it) with the same `ETag`, if the
    /// creation gave one. Returns the location.
    #[track_caller]
    pub fn follow_created<'a>(
        &'a self,
        personas: &'a Personas,
        who: As,
        created: &'a TestResponse,
        part: Option<&'a str>,
    ) -> impl std::future::Future<Output = String> + 'a {
        let caller = std::panic::Location::caller();
        async move {
            created.assert_status(201);
            let location = created.header("location").unwrap_or_else(|| panic!("no Location at {caller}")).to_owned();
            let read = self.call(personas.request(who, TestRequest::get().uri(&location))).await;
            read.assert_status(200);
            let body = created.json();
            let expected = part.map_or(&body, |p| &body[p]);
            assert_eq!(&read.json(), expected, "GET {location} at {caller}");
            if let Some(etag) = created.header("etag") {
                assert_eq!(read.header("etag"), Some(etag), "ETag of {location} at {caller}");
            }
            location
        }
    }
}

/// Every caller with the same expected status.
pub fn all(status: u16) -> Vec<(As, u16)> {
    [
        As::Anonymous,
        As::Outsider,
        As::Member,
        As::Coordinator,
        As::OrgAdmin,
        As::PlatformAdmin,
        As::Client,
        As::ClientWithoutScope,
    ]
    .into_iter()
    .map(|who| (who, status))
    .collect()
}

/// A JSON request body.
pub fn json(req: TestRequest, body: serde_json::Value) -> TestRequest {
    req.insert_header(("content-type", "application/json")).set_payload(body.to_string())
}

/// A person with a password, and optionally a membership.
pub async fn user_with_password(
    app: &TestApp,
    email: &str,
    password: &str,
    membership: Option<(uuid::Uuid, &str)>,
) -> uuid::Uuid {
    use yhdyspinta::repo::identity::users;
    let hash = yhdyspinta::domain::identity::passwords::hash(password).expect("hash");
    let mut conn = app.conn().await;
    let user = users::insert(
        &mut conn,
        &users::UserWrite {
            id: uuid::Uuid::now_v7(),
            email: yhdyspinta::domain::types::formats::normalized_email(email),
            display_name: "Testi Henkilö".into(),
            password_hash: Some(hash),
            platform_admin: false,
        },
    )
    .await
    .expect("user");
    if let Some((org, role)) = membership {
        users::insert_memberships_missing(
            &mut conn,
            &[users::MembershipRow { organization_id: org, user_id: user.id, role: role.into() }],
        )
        .await
        .expect("membership");
    }
    user.id
}

/// Requests a token with a form-encoded body.
pub async fn token_request(app: &TestApp, form: &[(&str, &str)]) -> TestResponse {
    app.call(
        TestRequest::post()
            .uri("/api/v1/auth/token")
            .insert_header(("content-type", "application/x-www-form-urlencoded"))
            .set_payload(serde_urlencoded::to_string(form).expect("form")),
    )
    .await
}

/// Everything the process logs from now on (a global subscriber, installed once), so a test
/// can check that a secret never reaches the log.
pub fn captured_logs() -> CapturedLogs {
    static LOGS: OnceLock<CapturedLogs> = OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = CapturedLogs(std::sync::Arc::new(std::sync::Mutex::new(Vec::new())));
        let writer = logs.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("info"))
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("no other global subscriber");
        logs
    })
    .clone()
}

#[derive(Clone)]
pub struct CapturedLogs(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl CapturedLogs {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("log buffer")).into_owned()
    }
}

impl std::io::Write for CapturedLogs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A new person with `role` in `organization`, and their access token.
pub async fn member_token(app: &TestApp, organization: uuid::Uuid, role: &str) -> String {
    use yhdyspinta::domain::identity::tokens::SubjectKind;
    use yhdyspinta::repo::identity::users;
    let mut conn = app.conn().await;
    let id = uuid::Uuid::now_v7();
    users::insert(
        &mut conn,
        &users::UserWrite {
            id,
            email: format!("{role}-{id}@example.fi"),
            display_name: format!("{role} {id}"),
            password_hash: None,
            platform_admin: false,
        },
    )
    .await
    .expect("user");
    users::insert_memberships_missing(
        &mut conn,
        &[users::MembershipRow { organization_id: organization, user_id: id, role: role.into() }],
    )
    .await
    .expect("membership");
    app.keys.issue(id, SubjectKind::User, "").expect("token")
}
