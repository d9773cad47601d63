//! The web admin's OPML page (`/admin/opml`): the source list downloaded as
//! the OPML `tinkhac feeds export` writes, and an OPML list imported as
//! `tinkhac feeds import` does it ([`feeds_edit::import_opml`], the same
//! decisions), first shown, then written on confirmation.
//!
//! The list comes as a file (`<input type=file>`, so the form is posted as
//! `multipart/form-data`) or pasted into a textarea; the multipart body,
//! capped at [`OPML_FORM_BYTES`], is read with multer ([`multipart_fields`]).
//! The confirmation is an ordinary
//! urlencoded form carrying the list back (with the CSRF token and the
//! file's version), so what is written is decided again, under the edit
//! lock, from the file as it is then.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::super::admin_page::opml::{self as view, ImportRow, ImportRowKind};
use super::super::admin_page::Notice;
use super::{
    checked_post, client_of, page, peer, read_file, see_other, site_title, web, write_file, Form,
    Posted,
};
use crate::feeds_edit::{self, EditError, ImportDecision};
use crate::publish::http::AppState;

/// The largest OPML form read (the list, percent-encoded, and two tokens):
/// a few thousand outlines.
const OPML_FORM_BYTES: usize = 1024 * 1024;

/// A multipart form holds at most this many parts.
const MAX_PARTS: usize = 16;

/// The fields of a `multipart/form-data` body (RFC 7578) as a browser
/// sends it, in order, read with multer (the parser axum's own `Multipart`
/// uses). Every value, a file's included, must be UTF-8 text (a leading
/// byte-order mark is dropped). None for anything else: no boundary, a part
/// without a name, a body cut short, binary content, more than
/// [`MAX_PARTS`] parts.
pub(super) async fn multipart_fields(
    content_type: &str,
    body: axum::body::Bytes,
) -> Option<Vec<(String, String)>> {
    let boundary = multer::parse_boundary(content_type).ok()?;
    let whole = futures_util::stream::once(async move { Ok::<_, std::io::Error>(body) });
    let mut parts = multer::Multipart::new(whole, boundary);
    let mut fields = Vec::new();
    while let Some(field) = parts.next_field().await.ok()? {
        if fields.len() == MAX_PARTS {
            return None;
        }
        let name = field.name()?.to_string();
        let value = String::from_utf8(field.bytes().await.ok()?.into()).ok()?;
        fields.push((name, value.trim_start_matches('\u{feff}').to_string()));
    }
    Some(fields)
}

/// The checked form, or the response to a request without a session (the
/// login), too large to read (413), or a multipart body that cannot be read
/// (400): in every case nothing changed.
async fn read_form(st: &AppState, req: Request) -> Result<Posted, Box<Response>> {
    let (parts, body) = req.into_parts();
    // Without a session the body is not even read.
    if web(st).session(&parts.headers).is_none() {
        return Err(Box::new(see_other("/admin/login")));
    }
    let Ok(body) = axum::body::to_bytes(body, OPML_FORM_BYTES).await else {
        return Err(Box::new(super::refused(
            st,
            StatusCode::PAYLOAD_TOO_LARGE,
            Notice::error(
                "Tệp OPML quá lớn",
                &format!(
                    "Nội dung gửi lên vượt quá {} KB nên không được đọc; feeds.toml không \
                     thay đổi. Hãy chia danh sách thành vài phần rồi nhập từng phần.",
                    OPML_FORM_BYTES / 1024
                ),
            ),
        )));
    };
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let multipart = content_type
        .trim_start()
        .to_ascii_lowercase()
        .starts_with("multipart/form-data");
    let form = if multipart {
        let Some(fields) = multipart_fields(content_type, body.clone()).await else {
            return Err(Box::new(super::refused(
                st,
                StatusCode::BAD_REQUEST,
                Notice::error(
                    "Không đọc được tệp tải lên",
                    "Biểu mẫu gửi lên bị hỏng, hoặc tệp không phải văn bản UTF-8 (tệp OPML \
                     là văn bản). feeds.toml không thay đổi.",
                ),
            )));
        };
        Form(fields)
    } else {
        Form::parse(&body)
    };
    let csrf = checked_post(st, &parts, Some(&form))?;
    Ok(Posted { parts, form, csrf })
}

/// `GET /admin/opml`: the download link and the import form (with what the
/// last import did, after one).
pub(super) async fn opml_page(State(st): State<AppState>, req: Request) -> Response {
    let Some(csrf) = web(&st).session(req.headers()) else {
        return see_other("/admin/login");
    };
    let query = req.uri().query().map(str::to_string);
    let notice = crate::publish::http::query_value(&query, "them")
        .and_then(|n| n.parse::<usize>().ok())
        .map(|n| match n {
            0 => Notice::done(
                "Không có nguồn mới",
                "Mọi nguồn trong danh sách đã có trong feeds.toml (hoặc không dùng được); \
                 không có gì được ghi.",
            ),
            n => Notice::done(
                "Đã nhập danh sách OPML",
                &format!(
                    "Đã thêm {n} nguồn vào feeds.toml; tinkhac bắt đầu lấy tin của chúng. \
                     Xem chúng trong danh sách nguồn tin."
                ),
            ),
        });
    html_page(&st, StatusCode::OK, &csrf, "", notice)
}

fn html_page(
    st: &AppState,
    status: StatusCode,
    csrf: &str,
    opml: &str,
    notice: Option<Notice>,
) -> Response {
    page(
        status,
        view::page(&view::OpmlView {
            title: site_title(st),
            csrf: csrf.to_string(),
            opml: opml.to_string(),
            notice,
        }),
    )
}

/// `GET /admin/opml/tai-xuong`: the configured sources as OPML, exactly as
/// `tinkhac feeds export` prints them, as a file to save.
pub(super) async fn download(State(st): State<AppState>, headers: HeaderMap) -> Response {
    if web(&st).session(&headers).is_none() {
        return see_other("/admin/login");
    }
    let config = st.config();
    let day = chrono::Utc::now()
        .with_timezone(&config.fetch.timezone)
        .format("%Y-%m-%d");
    (
        StatusCode::OK,
        [
            (
                header::CONTENT_TYPE,
                "text/x-opml; charset=utf-8".to_string(),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"tinkhac-nguon-tin-{day}.opml\""),
            ),
        ],
        crate::opml::export_config(&config),
    )
        .into_response()
}

/// The list sent: the chosen file, else the textarea.
fn list_of(form: &Form) -> &str {
    form.get("tep")
        .filter(|f| !f.trim().is_empty())
        .or_else(|| form.get("opml"))
        .unwrap_or("")
}

/// The list sent read as OPML, or the form again saying why not (400).
fn parsed(
    st: &AppState,
    csrf: &str,
    form: &Form,
) -> Result<Vec<crate::opml::OpmlSource>, Box<Response>> {
    let xml = list_of(form);
    let refuse = |title: &str, text: &str| {
        Box::new(html_page(
            st,
            StatusCode::BAD_REQUEST,
            csrf,
            xml,
            Some(Notice::error(title, text)),
        ))
    };
    if xml.trim().is_empty() {
        return Err(refuse(
            "Chưa có danh sách OPML",
            "Hãy chọn tệp OPML (hoặc dán nội dung của nó vào ô bên dưới) rồi bấm «Xem trước».",
        ));
    }
    crate::opml::import(xml).map_err(|e| {
        refuse(
            "Tệp OPML không đọc được",
            &format!(
                "Danh sách gửi lên không phải OPML hợp lệ, nên không có gì được ghi vào \
                 feeds.toml. Chỗ hỏng: {}",
                e.message()
            ),
        )
    })
}

/// Why an outline was not added, in Vietnamese.
fn why_vi(e: &EditError) -> String {
    match e {
        EditError::DuplicateId(id) => format!("đã có nguồn mang mã «{id}»"),
        EditError::DuplicateUrl { id, .. } => {
            format!("địa chỉ này đã có trong feeds.toml (nguồn «{id}»)")
        }
        EditError::Invalid(m) => format!("không dùng được: {m}"),
        e => format!("không thêm được: {e}"),
    }
}

/// `POST /admin/opml/xem-truoc`: what importing the pasted list would do,
/// outline by outline, and the form that does it. Nothing is written.
pub(super) async fn preview(State(st): State<AppState>, req: Request) -> Response {
    let Posted { form, csrf, .. } = match read_form(&st, req).await {
        Ok(f) => f,
        Err(r) => return *r,
    };
    let found = match parsed(&st, &csrf, &form) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    let (text, version) = match read_file(&st) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    let config = st.config();
    let plan = feeds_edit::import_opml(&config, &text, &found);
    let broken = (plan.added() > 0)
        .then(|| crate::config::Config::parse(&plan.text, &config.path).err())
        .flatten()
        .map(|e| e.to_string());
    let rows = plan
        .outcomes
        .iter()
        .map(|o| ImportRow {
            title: o.title.clone(),
            url: o.url.clone(),
            kind: match &o.decision {
                ImportDecision::Added(id) => ImportRowKind::Added(id.clone()),
                ImportDecision::AlreadyListed(e) => ImportRowKind::Listed(why_vi(e)),
                ImportDecision::Refused(e) => ImportRowKind::Refused(why_vi(e)),
            },
            unknown_topics: o.unknown_topics.clone(),
        })
        .collect();
    page(
        StatusCode::OK,
        view::import_preview(&view::ImportPreviewView {
            title: site_title(&st),
            csrf,
            version,
            opml: list_of(&form).to_string(),
            rows,
            added: plan.added(),
            broken,
        }),
    )
}

/// `POST /admin/opml`: import the list (as `feeds import` does), decided
/// again from the file as it is, if it is still the version the preview
/// was made from.
pub(super) async fn import(State(st): State<AppState>, req: Request) -> Response {
    let Posted { parts, form, csrf } = match read_form(&st, req).await {
        Ok(f) => f,
        Err(r) => return *r,
    };
    let found = match parsed(&st, &csrf, &form) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    let config = st.config();
    let written = write_file(&st, &form, "OPML import", |text| {
        let plan = feeds_edit::import_opml(&config, text, &found);
        let ids: Vec<String> = plan
            .outcomes
            .iter()
            .filter_map(|o| match &o.decision {
                ImportDecision::Added(id) => Some(id.clone()),
                _ => None,
            })
            .collect();
        if ids.is_empty() {
            // Nothing to write: say so, the file untouched.
            return Err(Box::new(see_other("/admin/opml?them=0")));
        }
        Ok((plan.text, (ids, plan.outcomes.len())))
    })
    .await;
    let (ids, outlines) = match written {
        Ok(w) => w,
        Err(r) => return *r,
    };
    tracing::info!(
        added = ids.len(),
        skipped = outlines - ids.len(),
        sources = %ids.join(","),
        client = %client_of(peer(&parts), &parts.headers),
        file = %config.path.display(),
        "web admin: sources imported from an OPML list"
    );
    see_other(&format!("/admin/opml?them={}", ids.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TYPE: &str = "multipart/form-data; boundary=----WebKitFormBoundaryAbC123";

    fn body(parts: &[(&str, Option<&str>, &str)]) -> Vec<u8> {
        let mut b = String::from("preamble ignored\r\n");
        for (name, file, value) in parts {
            b.push_str("------WebKitFormBoundaryAbC123\r\n");
            match file {
                Some(f) => b.push_str(&format!(
                    "Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\n\
                     Content-Type: application/octet-stream\r\n\r\n"
                )),
                None => b.push_str(&format!(
                    "content-disposition: form-data; name=\"{name}\"\r\n\r\n"
                )),
            }
            b.push_str(value);
            b.push_str("\r\n");
        }
        b.push_str("------WebKitFormBoundaryAbC123--\r\n");
        b.into_bytes()
    }

    /// [`multipart_fields`] on a body, off a runtime.
    fn fields(content_type: &str, body: &[u8]) -> Option<Vec<(String, String)>> {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(multipart_fields(
                content_type,
                axum::body::Bytes::copy_from_slice(body),
            ))
    }

    #[test]
    fn a_browsers_multipart_form_gives_its_fields_in_order() {
        let xml = "\u{feff}<opml>\r\n<body>Sở GD&amp;ĐT</body>\r\n</opml>\r\n";
        let read = fields(
            TYPE,
            &body(&[
                ("csrf", None, "abc"),
                ("tep", Some("ds; name=%22csrf%22.opml"), xml),
                ("opml", None, ""),
            ]),
        )
        .unwrap();
        assert_eq!(
            read,
            [
                ("csrf".to_string(), "abc".to_string()),
                (
                    "tep".to_string(),
                    xml.trim_start_matches('\u{feff}').to_string()
                ),
                ("opml".to_string(), String::new()),
            ]
        );
        let quoted = TYPE.replace("boundary=", "boundary=\"") + "\"";
        assert_eq!(
            fields(&quoted, &body(&[("a", None, "1")])).unwrap(),
            [("a".to_string(), "1".to_string())]
        );
    }

    #[test]
    fn broken_or_binary_multipart_bodies_are_refused() {
        let good = body(&[("csrf", None, "abc")]);
        assert!(fields(TYPE, &good).is_some());
        assert!(
            fields("multipart/form-data", &good).is_none(),
            "no boundary"
        );
        assert!(
            fields(TYPE, &good[..good.len() - 30]).is_none(),
            "cut short"
        );
        let mut binary = body(&[("tep", Some("x.opml"), "ab")]);
        let at = binary.windows(2).position(|w| w == b"ab").unwrap();
        binary[at] = 0xff;
        assert!(fields(TYPE, &binary).is_none(), "not UTF-8");
        let nameless = String::from_utf8(good.clone())
            .unwrap()
            .replace("; name=\"csrf\"", "");
        assert!(fields(TYPE, nameless.as_bytes()).is_none());
        let many: Vec<(&str, Option<&str>, &str)> =
            (0..=MAX_PARTS).map(|_| ("a", None, "1")).collect();
        assert!(fields(TYPE, &body(&many)).is_none(), "too many parts");
        assert!(fields(TYPE, b"").is_none());
    }

    proptest::proptest! {
        #[test]
        fn no_body_makes_the_reader_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..400)) {
            let mut b = b"------WebKitFormBoundaryAbC123\r\n".to_vec();
            b.extend(bytes);
            let _ = fields(TYPE, &b);
        }
    }
}
