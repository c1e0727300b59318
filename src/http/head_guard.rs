//! The first reader of every connection: request heads are measured here, before the HTTP codec
//! sees them.
//!
//! The codec answers a head it will not take (a target over 64 KiB, more than 96 header fields,
//! a head over 128 KiB, contradictory framing) with an empty 400 or 431 of its own, and cannot
//! be told otherwise. So this reader holds each head back until it is complete and measures it
//! against this service's smaller limits. A head it refuses is replaced with a short stand-in
//! request that the request-context middleware answers as problem+json, in order after the
//! connection's earlier answers, and the connection then closes. So is a head that does not
//! arrive within [`HEAD_TIMEOUT`] (the codec's own timeout, a little later, would answer an
//! empty 408). Bodies pass straight through; their framing (`Content-Length`, chunked) is
//! followed only to know where the next head starts, by the codec's own rules (actix-http's
//! `h1::decoder` and `h1::chunked`, mirrored here byte for byte: a general chunked parser
//! would accept what the codec refuses, and the two would disagree on where a head starts).
//! Where the framing is something the codec reads differently or not at all, the connection
//! is closed rather than followed blindly; only a WebSocket upgrade or CONNECT, after which
//! the codec reads no more heads, passes through as it is.

use std::cell::Cell;
use std::io;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::error::AppError;

/// How long a request head may take to arrive, from its first byte (a connection that sends
/// nothing, idle or preconnected, is the codec's to close, silently).
pub const HEAD_TIMEOUT: Duration = Duration::from_secs(5);

/// Longest request target (path and query) served; longer ones are answered 414. Every
/// documented query fits in a fraction of it.
pub const MAX_URI_BYTES: usize = 8 * 1024;
/// Most request header fields served; more are answered 431.
pub const MAX_HEADERS: usize = 64;
/// Most bytes of header lines served; more are answered 431.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;
/// Room for the method and version around the target on the request line.
const REQUEST_LINE_EXTRA: usize = 64;
/// Longest chunk-size or trailer line followed; past it the codec judges the body itself.
const MAX_FRAMING_LINE: usize = 4096;
/// How much is read off the socket at once.
const READ_CHUNK: usize = 8 * 1024;

/// The path of the stand-in request; it only means something on a connection whose head was
/// refused (see [`RefusedHead`]), anywhere else it is an unknown path like any other.
pub const REFUSED_PATH: &str = "/.refused-request-head";
const STAND_IN: &[u8] = b"GET /.refused-request-head HTTP/1.1\r\nhost: yhdyspinta\r\nconnection: close\r\n\r\n";

/// Why a request head was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    UriTooLong,
    TooManyHeaders,
    HeadersTooLong,
    /// The head cannot be read, or its framing contradicts itself.
    Malformed(&'static str),
    /// The head did not arrive within [`HEAD_TIMEOUT`].
    HeadTimeout,
}

impl Refusal {
    pub fn error(self) -> AppError {
        match self {
            Refusal::UriTooLong => AppError::UriTooLong { limit: MAX_URI_BYTES },
            Refusal::TooManyHeaders => {
                AppError::HeadersTooLarge { detail: format!("The request has more than {MAX_HEADERS} header fields.") }
            }
            Refusal::HeadersTooLong => AppError::HeadersTooLarge {
                detail: format!("The request's header lines are longer than {MAX_HEADER_BYTES} bytes in all."),
            },
            Refusal::Malformed(reason) => AppError::bad_request(format!("The request head cannot be read: {reason}.")),
            Refusal::HeadTimeout => AppError::RequestTimeout { limit_secs: HEAD_TIMEOUT.as_secs(), head: true },
        }
    }
}

/// Connection data: what the connection's reader refused, once it has.
#[derive(Clone, Debug, Default)]
pub struct RefusedHead(Rc<Cell<Option<Refusal>>>);

impl RefusedHead {
    pub fn get(&self) -> Option<Refusal> {
        self.0.get()
    }
}

/// Where the scanner is in the request stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Frame {
    /// Collecting a head.
    Head,
    /// Bytes of a `Content-Length` body still to come.
    Body(u64),
    /// A chunk-size line.
    ChunkSize,
    /// Bytes of a chunk still to come.
    ChunkData(u64),
    /// The CRLF after a chunk.
    ChunkEnd,
    /// Trailer lines up to the empty line.
    Trailers,
    /// The codec reads no more heads (a WebSocket upgrade, CONNECT): bytes pass as they are.
    Opaque,
    /// A head was refused: the stand-in has been passed on, the rest is dropped.
    Refused,
    /// Framing the codec would read otherwise, or not at all: the connection ends here.
    Closed,
}

/// Measures request heads in the byte stream of one connection and decides what the codec gets.
#[derive(Debug)]
pub struct HeadScanner {
    frame: Frame,
    /// The head being collected, or the framing line being followed.
    held: Vec<u8>,
    /// End of the request line within `held`, once seen.
    request_line: Option<usize>,
    header_lines: usize,
    /// Line breaks just seen at the end of `held`: 1 after `\n`, 2 after `\n\r`.
    line_break: u8,
    trailer_lines: usize,
    refused: Option<Refusal>,
    /// Heads passed on so far.
    heads: u64,
}

impl Default for HeadScanner {
    fn default() -> Self {
        HeadScanner {
            frame: Frame::Head,
            held: Vec::new(),
            request_line: None,
            header_lines: 0,
            line_break: 0,
            trailer_lines: 0,
            refused: None,
            heads: 0,
        }
    }
}

impl HeadScanner {
    pub fn refused(&self) -> Option<Refusal> {
        self.refused
    }

    /// A head is being collected and has its first byte.
    fn head_started(&self) -> bool {
        self.frame == Frame::Head && !self.held.is_empty()
    }

    /// The connection is to end after what has been passed on.
    pub fn closed(&self) -> bool {
        self.frame == Frame::Closed
    }

    /// The head's time is up: refused, whatever of it has arrived.
    pub fn time_out(&mut self, out: &mut Vec<u8>) {
        if self.frame == Frame::Head {
            self.refuse(Refusal::HeadTimeout, out);
        }
    }

    /// Takes bytes read off the socket and appends to `out` those the codec may have now.
    pub fn feed(&mut self, mut input: &[u8], out: &mut Vec<u8>) {
        while !input.is_empty() {
            match self.frame {
                Frame::Opaque => {
                    out.extend_from_slice(input);
                    return;
                }
                Frame::Refused | Frame::Closed => return,
                Frame::Body(left) | Frame::ChunkData(left) => {
                    let n = usize::try_from(left).map_or(input.len(), |left| left.min(input.len()));
                    out.extend_from_slice(&input[..n]);
                    input = &input[n..];
                    let left = left - n as u64;
                    self.frame = match (self.frame, left) {
                        (Frame::Body(_), 0) => Frame::Head,
                        (Frame::Body(_), _) => Frame::Body(left),
                        (_, 0) => Frame::ChunkEnd,
                        _ => Frame::ChunkData(left),
                    };
                }
                Frame::ChunkSize | Frame::ChunkEnd | Frame::Trailers => {
                    // A framing line is held until its CRLF, then judged as the codec would.
                    let mut complete = false;
                    let mut used = 0;
                    for &b in input {
                        used += 1;
                        self.held.push(b);
                        if self.held.len() > MAX_FRAMING_LINE {
                            self.close();
                            return;
                        }
                        if self.held.ends_with(b"\r\n") {
                            complete = true;
                            break;
                        }
                        // Where the codec fails at once: a CR without its LF, an LF in a size
                        // line, anything but CRLF after a chunk.
                        let n = self.held.len();
                        let broken = (n >= 2 && self.held[n - 2] == b'\r')
                            || (b == b'\n' && self.frame == Frame::ChunkSize)
                            || (n == 2 && self.frame == Frame::ChunkEnd);
                        if broken {
                            self.close();
                            return;
                        }
                    }
                    input = &input[used..];
                    if complete {
                        let next = self.after_framing_line();
                        if next == Frame::Closed {
                            self.close();
                            return;
                        }
                        out.append(&mut self.held);
                        self.frame = next;
                        if next == Frame::Head {
                            self.start_head();
                        }
                    }
                }
                Frame::Head => {
                    let used = self.collect_head(input, out);
                    input = &input[used..];
                }
            }
        }
    }

    /// Collects head bytes from `input` and returns how many it took: up to the end of the head
    /// (which is then passed on or refused), or all of them.
    fn collect_head(&mut self, input: &[u8], out: &mut Vec<u8>) -> usize {
        for (i, &b) in input.iter().enumerate() {
            // Empty lines before a request line are ignored (RFC 9112, 2.2).
            if self.held.is_empty() && (b == b'\r' || b == b'\n') {
                continue;
            }
            self.held.push(b);
            let refusal = if b == b'\n' {
                if self.line_break > 0 {
                    self.finish_head(out);
                    return i + 1;
                }
                self.line_break = 1;
                self.end_of_line()
            } else {
                self.line_break = if b == b'\r' && self.line_break == 1 { 2 } else { 0 };
                self.over_length()
            };
            if let Some(refusal) = refusal {
                self.refuse(refusal, out);
                return input.len();
            }
        }
        input.len()
    }

    /// A line of the head has ended: the request line's target and the number of header lines
    /// are measured.
    fn end_of_line(&mut self) -> Option<Refusal> {
        let Some(_) = self.request_line else {
            self.request_line = Some(self.held.len());
            let target = self.held.split(|&b| b == b' ').nth(1).map_or(0, <[u8]>::len);
            return (target > MAX_URI_BYTES).then_some(Refusal::UriTooLong);
        };
        self.header_lines += 1;
        (self.header_lines > MAX_HEADERS).then_some(Refusal::TooManyHeaders)
    }

    fn over_length(&self) -> Option<Refusal> {
        match self.request_line {
            None => (self.held.len() > MAX_URI_BYTES + REQUEST_LINE_EXTRA).then_some(Refusal::UriTooLong),
            Some(end) => (self.held.len() - end > MAX_HEADER_BYTES).then_some(Refusal::HeadersTooLong),
        }
    }

    /// The head is complete: it is parsed as the codec will parse it, and passed on with the
    /// framing of what follows, or refused.
    fn finish_head(&mut self, out: &mut Vec<u8>) {
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut request = httparse::Request::new(&mut headers);
        let next = match request.parse(&self.held) {
            Ok(httparse::Status::Complete(_)) => framing(&request),
            Ok(httparse::Status::Partial) => Err(Refusal::Malformed("the head does not end as HTTP ends it")),
            Err(httparse::Error::TooManyHeaders) => Err(Refusal::TooManyHeaders),
            Err(e) => Err(Refusal::Malformed(parse_error(e))),
        };
        match next {
            Ok(frame) => {
                out.extend_from_slice(&self.held);
                self.heads += 1;
                self.frame = frame;
                self.start_head();
            }
            Err(refusal) => self.refuse(refusal, out),
        }
    }

    fn start_head(&mut self) {
        self.held.clear();
        self.request_line = None;
        self.header_lines = 0;
        self.line_break = 0;
        self.trailer_lines = 0;
    }

    fn refuse(&mut self, refusal: Refusal, out: &mut Vec<u8>) {
        out.extend_from_slice(STAND_IN);
        self.refused = Some(refusal);
        self.frame = Frame::Refused;
        self.held = Vec::new();
    }

    /// What follows a complete framing line (in `held`, with its CRLF), by the codec's rules
    /// (actix-http `h1::chunked`); `Closed` where the codec would fail or could read it
    /// otherwise.
    fn after_framing_line(&mut self) -> Frame {
        let line = &self.held[..self.held.len() - 2];
        // The codec ends every such line at its first CR.
        if line.contains(&b'\r') {
            return Frame::Closed;
        }
        match self.frame {
            Frame::ChunkSize => match chunk_size(line) {
                Some(0) => Frame::Trailers,
                Some(size) => Frame::ChunkData(size),
                None => Frame::Closed,
            },
            Frame::ChunkEnd if line.is_empty() => Frame::ChunkSize,
            Frame::Trailers if line.is_empty() => Frame::Head,
            Frame::Trailers if self.trailer_lines < MAX_HEADERS => {
                self.trailer_lines += 1;
                Frame::Trailers
            }
            _ => Frame::Closed,
        }
    }

    fn close(&mut self) {
        self.frame = Frame::Closed;
        self.held = Vec::new();
    }
}

/// A chunk-size line's size, as the codec reads it: hexadecimal digits (no more than a `u64`
/// holds), then optional spaces or tabs, then nothing or a `;` extension without control
/// characters.
fn chunk_size(line: &[u8]) -> Option<u64> {
    let digits = line.iter().take_while(|b| b.is_ascii_hexdigit()).count();
    if digits == 0 {
        return None;
    }
    let mut size: u64 = 0;
    for &b in &line[..digits] {
        let digit = u64::from((b as char).to_digit(16)?);
        size = size.checked_mul(16)?.checked_add(digit)?;
    }
    let rest = &line[digits..];
    let rest = &rest[rest.iter().take_while(|b| matches!(b, b' ' | b'\t')).count()..];
    match rest.split_first() {
        None => Some(size),
        Some((b';', extension)) => {
            extension.iter().all(|&b| !matches!(b, 0x00..=0x08 | 0x0a..=0x1f | 0x7f)).then_some(size)
        }
        Some(_) => None,
    }
}

/// How the body after a head is framed, with the codec's own rules (RFC 9112, 6).
fn framing(request: &httparse::Request<'_, '_>) -> Result<Frame, Refusal> {
    let mut length = None;
    let mut transfer_encoding = None;
    let mut hosts = 0;
    let mut websocket = false;
    for header in request.headers.iter() {
        let name = header.name;
        let value = std::str::from_utf8(header.value).map(str::trim);
        if name.eq_ignore_ascii_case("content-length") {
            if length.is_some() {
                return Err(Refusal::Malformed("more than one Content-Length"));
            }
            match value {
                Ok(v) if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) => {
                    length = Some(v.parse::<u64>().map_err(|_| Refusal::Malformed("Content-Length is too large"))?);
                }
                _ => return Err(Refusal::Malformed("Content-Length is not a number")),
            }
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            if transfer_encoding.is_some() {
                return Err(Refusal::Malformed("more than one Transfer-Encoding"));
            }
            transfer_encoding = Some(value.unwrap_or_default());
        } else if name.eq_ignore_ascii_case("host") {
            hosts += 1;
        } else if name.eq_ignore_ascii_case("upgrade") {
            websocket |= value.is_ok_and(|v| v.eq_ignore_ascii_case("websocket"));
        }
    }
    let http_11 = request.version == Some(1);
    if hosts > 1 {
        return Err(Refusal::Malformed("more than one Host"));
    }
    if http_11 && hosts == 0 {
        return Err(Refusal::Malformed("an HTTP/1.1 request needs a Host"));
    }
    if let Some(coding) = transfer_encoding {
        return if !http_11 {
            Err(Refusal::Malformed("HTTP/1.0 has no Transfer-Encoding"))
        } else if !coding.eq_ignore_ascii_case("chunked") {
            Err(Refusal::Malformed("the only Transfer-Encoding taken is chunked"))
        } else if length.is_some() {
            Err(Refusal::Malformed("both Content-Length and Transfer-Encoding"))
        } else {
            Ok(Frame::ChunkSize)
        };
    }
    if !http_11 && request.method == Some("POST") && length.is_none() {
        return Err(Refusal::Malformed("an HTTP/1.0 POST needs a Content-Length"));
    }
    // After a WebSocket upgrade, and a CONNECT without a length, the codec reads the rest of
    // the connection as the request's payload.
    Ok(match length {
        _ if websocket => Frame::Opaque,
        Some(n) if n > 0 => Frame::Body(n),
        Some(_) => Frame::Head,
        None if request.method == Some("CONNECT") => Frame::Opaque,
        None => Frame::Head,
    })
}

fn parse_error(error: httparse::Error) -> &'static str {
    match error {
        httparse::Error::HeaderName => "a header name is not a token",
        httparse::Error::HeaderValue => "a header value has bytes a header may not",
        httparse::Error::NewLine | httparse::Error::Status => "a line is not ended as HTTP ends lines",
        httparse::Error::Token => "the method is not a token",
        httparse::Error::Version => "the HTTP version is not 1.0 or 1.1",
        httparse::Error::TooManyHeaders => "too many header fields",
    }
}

/// A connection's byte stream with its request heads measured by a [`HeadScanner`].
pub struct GuardedStream<S> {
    inner: S,
    scanner: HeadScanner,
    refused: RefusedHead,
    /// Bytes the codec may have, from `taken` on.
    ready: Vec<u8>,
    taken: usize,
    closed: bool,
    /// When the head being awaited must be complete.
    head_deadline: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl<S> GuardedStream<S> {
    pub fn new(inner: S) -> Self {
        GuardedStream {
            inner,
            scanner: HeadScanner::default(),
            refused: RefusedHead::default(),
            ready: Vec::new(),
            taken: 0,
            closed: false,
            head_deadline: None,
        }
    }

    /// Shared with the connection's requests (`conn_data`), so the middleware can answer the
    /// stand-in.
    pub fn refused_head(&self) -> RefusedHead {
        self.refused.clone()
    }
}

impl<S> GuardedStream<S> {
    fn note_refusal(&mut self) {
        if let Some(refusal) = self.scanner.refused() {
            self.refused.0.set(Some(refusal));
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for GuardedStream<S> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            if this.taken < this.ready.len() {
                let n = buf.remaining().min(this.ready.len() - this.taken);
                buf.put_slice(&this.ready[this.taken..this.taken + n]);
                this.taken += n;
                if this.taken == this.ready.len() {
                    this.ready.clear();
                    this.taken = 0;
                }
                return Poll::Ready(Ok(()));
            }
            if this.closed || buf.remaining() == 0 {
                return Poll::Ready(Ok(()));
            }
            let mut chunk = [0u8; READ_CHUNK];
            let mut read = ReadBuf::new(&mut chunk);
            match Pin::new(&mut this.inner).poll_read(cx, &mut read) {
                Poll::Ready(result) => result?,
                Poll::Pending => {
                    let Some(deadline) = this.head_deadline.as_mut() else { return Poll::Pending };
                    ready!(deadline.as_mut().poll(cx));
                    this.head_deadline = None;
                    this.scanner.time_out(&mut this.ready);
                    this.note_refusal();
                    continue;
                }
            }
            if read.filled().is_empty() {
                this.closed = true;
                continue;
            }
            let heads = this.scanner.heads;
            this.scanner.feed(read.filled(), &mut this.ready);
            this.note_refusal();
            // What was passed on is read; then the codec sees the end of the connection.
            this.closed |= this.scanner.closed();
            // Armed from a head's first byte until it is complete; a body, or a keep-alive
            // pause, has none.
            if this.scanner.heads != heads || !this.scanner.head_started() || this.scanner.refused().is_some() {
                this.head_deadline = None;
            }
            if this.scanner.head_started() && this.head_deadline.is_none() {
                this.head_deadline = Some(Box::pin(tokio::time::sleep(HEAD_TIMEOUT)));
            }
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for GuardedStream<S> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::ResponseError;

    /// Feeds `input` split at `at` and returns what the codec gets.
    fn scan_split(input: &[u8], at: usize) -> (Vec<u8>, Option<Refusal>) {
        let mut scanner = HeadScanner::default();
        let mut out = Vec::new();
        scanner.feed(&input[..at], &mut out);
        scanner.feed(&input[at..], &mut out);
        (out, scanner.refused())
    }

    /// What the codec gets is the same at every split of the input.
    fn scan(input: &[u8]) -> (Vec<u8>, Option<Refusal>) {
        let whole = scan_split(input, 0);
        for at in 1..=input.len() {
            assert_eq!(scan_split(input, at), whole, "split at {at}");
        }
        whole
    }

    const PIPELINE: &[u8] = b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n\
POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nGET /\
POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n4;ext=1\r\nGET \r\n0\r\nX-T: 1\r\n\r\n\
GET /d HTTP/1.0\n\n";

    #[test]
    fn well_framed_requests_pass_unchanged_however_they_are_split() {
        assert_eq!(scan(PIPELINE), (PIPELINE.to_vec(), None));
    }

    #[test]
    fn empty_lines_before_a_request_are_dropped() {
        assert_eq!(scan(b"\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n").0, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    }

    #[test]
    fn a_long_target_is_refused_after_the_requests_before_it() {
        let mut input = PIPELINE.to_vec();
        input.extend_from_slice(format!("GET /?q={} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(100_000)).as_bytes());
        let mut expected = PIPELINE.to_vec();
        expected.extend_from_slice(STAND_IN);
        let (out, refused) = scan_split(&input, input.len() / 2);
        assert_eq!((out, refused), (expected, Some(Refusal::UriTooLong)));
        // Refused at the limit, before the line ends.
        let just_over = format!("GET /{} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(MAX_URI_BYTES));
        assert_eq!(scan_split(just_over.as_bytes(), 0).1, Some(Refusal::UriTooLong));
        let at_limit = format!("GET /{} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(MAX_URI_BYTES - 1));
        assert_eq!(scan_split(at_limit.as_bytes(), 0).1, None);
    }

    #[test]
    fn too_many_or_too_long_headers_are_refused() {
        let many = format!("GET / HTTP/1.1\r\nHost: x\r\n{}\r\n", "X-A: 1\r\n".repeat(MAX_HEADERS));
        assert_eq!(scan_split(many.as_bytes(), 0), (STAND_IN.to_vec(), Some(Refusal::TooManyHeaders)));
        let most = format!("GET / HTTP/1.1\r\nHost: x\r\n{}\r\n", "X-A: 1\r\n".repeat(MAX_HEADERS - 1));
        assert_eq!(scan_split(most.as_bytes(), 0).1, None);
        let long = format!("GET / HTTP/1.1\r\nHost: x\r\nX-A: {}\r\n\r\n", "b".repeat(MAX_HEADER_BYTES));
        assert_eq!(scan_split(long.as_bytes(), 0).1, Some(Refusal::HeadersTooLong));
    }

    #[test]
    fn contradictory_framing_and_unreadable_heads_are_refused() {
        for head in [
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +1\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n",
            "POST / HTTP/1.0\r\n\r\n",
            "GET / HTTP/1.1\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n",
            "GET / HTTP/2.0\r\nHost: x\r\n\r\n",
            "G(T / HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET / HTTP/1.1\r\nBad Name: x\r\n\r\n",
        ] {
            let (out, refused) = scan(head.as_bytes());
            assert!(matches!(refused, Some(Refusal::Malformed(_))), "{head:?} gave {refused:?}");
            assert_eq!(out, STAND_IN, "{head:?}");
        }
    }

    #[test]
    fn after_a_refusal_nothing_more_passes() {
        let mut scanner = HeadScanner::default();
        let mut out = Vec::new();
        scanner.feed(b"GET / HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n", &mut out);
        assert_eq!(out, STAND_IN);
    }

    #[test]
    fn after_a_websocket_upgrade_the_rest_passes_and_other_upgrades_are_plain_requests() {
        let upgrade = b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\nGET /?q=";
        let mut input = upgrade.to_vec();
        input.extend_from_slice(&[b'a'; 20_000]);
        assert_eq!(scan_split(&input, 7), (input.clone(), None));
        // Any other upgrade is a request like any other: the next head is measured.
        let h2c = b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: h2c\r\nConnection: upgrade\r\n\r\n";
        let mut input = h2c.to_vec();
        input.extend_from_slice(format!("GET /?q={} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(60_000)).as_bytes());
        let mut expected = h2c.to_vec();
        expected.extend_from_slice(STAND_IN);
        assert_eq!(scan_split(&input, 100), (expected, Some(Refusal::UriTooLong)));
    }

    /// What the codec gets, and whether the connection then ends.
    fn scan_closing(input: &[u8]) -> (Vec<u8>, bool) {
        let mut scanner = HeadScanner::default();
        let mut out = Vec::new();
        for byte in input {
            scanner.feed(std::slice::from_ref(byte), &mut out);
        }
        (out, scanner.closed())
    }

    #[test]
    fn chunked_bodies_are_framed_as_the_codec_frames_them() {
        let chunked = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
        // Leading zeros past sixteen digits, and an extension: the codec reads a size of 4.
        let long = format!("{chunked}00000000000000000004;a=b\r\nGET \r\n0\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n");
        assert_eq!(scan_closing(long.as_bytes()), (long.clone().into_bytes(), false));
        // A bare LF does not end a trailer line: what follows it is a trailer, not a head.
        let trailer = format!(
            "{chunked}0\r\n\nGET /z HTTP/1.1\r\nHost: a\r\nContent-Length: 70000\r\n\r\nGET /?q={} HTTP/1.1\r\nHost: x\r\n\r\n",
            "a".repeat(9000)
        );
        let mut scanner = HeadScanner::default();
        let mut out = Vec::new();
        scanner.feed(trailer.as_bytes(), &mut out);
        assert_eq!(scanner.refused(), Some(Refusal::UriTooLong), "the head after the trailers is measured");
        // What the codec would refuse, or read otherwise, ends the connection.
        for bad in
            ["zz\r\n", "4\n", "4 x\r\n", "4;\x01\r\n", "ffffffffffffffffff\r\n", "4\r\nabcdXY", "0\r\nX: 1\rY\r\n"]
        {
            let (out, closed) = scan_closing(format!("{chunked}{bad}").as_bytes());
            assert!(closed, "{bad:?}");
            assert!(out.starts_with(chunked.as_bytes()), "{bad:?}");
        }
        let many = format!("{chunked}0\r\n{}\r\n", "X: 1\r\n".repeat(MAX_HEADERS + 1));
        assert!(scan_closing(many.as_bytes()).1);
    }

    #[test]
    fn refusals_answer_the_matching_problems() {
        assert_eq!(Refusal::UriTooLong.error().status_code().as_u16(), 414);
        assert_eq!(Refusal::TooManyHeaders.error().status_code().as_u16(), 431);
        assert_eq!(Refusal::HeadersTooLong.error().status_code().as_u16(), 431);
        assert_eq!(Refusal::Malformed("x").error().status_code().as_u16(), 400);
        assert_eq!(Refusal::HeadTimeout.error().status_code().as_u16(), 408);
    }
}
