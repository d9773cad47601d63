//! The web admin's OPML page (`/admin/opml`): the source list downloaded as
//! the OPML `tinkhac feeds export` writes, and an OPML list imported as
//! `tinkhac feeds import` does it ([`feeds_edit::import_opml`], the same
//! decisions), first shown, then written on confirmation.
//!
//! The list is pasted into a textarea and posted as an ordinary
//! `application/x-www-form-urlencoded` form, like every other admin form:
//! a file input would need `multipart/form-data`, and with it a multipart
//! parser in the build (axum's `multipart` feature, multer), for a text
//! file the admin can open and copy. The confirmation form carries the
//! list back (with the CSRF token and the file's version), so what is
//! written is decided again, under the edit lock, from the file as it is
//! then.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::super::admin_page::opml::{self as view, ImportRow, ImportRowKind};
use super::super::admin_page::Notice;
use super::{
    checked_post, client_of, page, peer, read_file, see_other, site_title, web, write_file, Form,
};
use crate::feeds_edit::{self, EditError, ImportDecision};
use crate::publish::http::AppState;

/// The largest OPML form read (the list, percent-encoded, and two tokens):
/// a few thousand outlines.
pub(super) const OPML_FORM_BYTES: usize = 1024 * 1024;

/// The request's head and its form, or None when the body is over
/// [`OPML_FORM_BYTES`].
async fn opml_form(req: Request) -> (axum::http::request::Parts, Option<Form>) {
    let (parts, body) = req.into_parts();
    let form = axum::body::to_bytes(body, OPML_FORM_BYTES)
        .await
        .ok()
        .map(|b| Form::parse(&b));
    (parts, form)
}

/// The form, or the response to a request without a session (the login) or
/// too large to read (413; nothing read, nothing changed).
async fn read_form(
    st: &AppState,
    req: Request,
) -> Result<(axum::http::request::Parts, Form), Box<Response>> {
    let (parts, form) = opml_form(req).await;
    let Some(form) = form else {
        if web(st).session(&parts.headers).is_none() {
            return Err(Box::new(see_other("/admin/login")));
        }
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
    checked_post(st, &parts, Some(&form))?;
    Ok((parts, form))
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

/// The pasted list read as OPML, or the form again saying why not (400).
fn parsed(
    st: &AppState,
    csrf: &str,
    form: &Form,
) -> Result<Vec<crate::opml::OpmlSource>, Box<Response>> {
    let xml = form.get("opml").unwrap_or("");
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
            "Hãy dán nội dung tệp OPML vào ô bên dưới rồi bấm «Xem trước».",
        ));
    }
    crate::opml::import(xml).map_err(|e| {
        refuse(
            "Tệp OPML không đọc được",
            &format!(
                "Nội dung dán vào không phải OPML hợp lệ, nên không có gì được ghi vào \
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
    let (parts, form) = match read_form(&st, req).await {
        Ok(f) => f,
        Err(r) => return *r,
    };
    let csrf = web(&st).session(&parts.headers).unwrap_or_default();
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
            opml: form.get("opml").unwrap_or("").to_string(),
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
    let (parts, form) = match read_form(&st, req).await {
        Ok(f) => f,
        Err(r) => return *r,
    };
    let csrf = web(&st).session(&parts.headers).unwrap_or_default();
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
