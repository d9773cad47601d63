//! «Sửa» (`/admin/source/{id}/edit`): one source's name, interval, topics,
//! `follow` and `[source.scrape]` rules, written with
//! [`feeds_edit::edit_source`] under the edit lock and the version check.

use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::{
    checked_form, client_of, editing, not_listed, page, peer, read_file, write_edit, AppState,
    Edit, Form, Posted,
};
use crate::feeds_edit::{self, SourceEdit, SCRAPE_KEYS};
use crate::ops::PreviewItem;
use crate::publish::admin_page::source_edit::{self as tpl, EditView};
use crate::publish::admin_page::{Notice, PreviewRow};

/// `GET /admin/source/{id}/edit`: the form, filled from `feeds.toml`.
pub(super) async fn edit_form(
    State(st): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let (csrf, (text, version)) = match editing(&st, &headers) {
        Ok(e) => e,
        Err(r) => return *r,
    };
    let Some((fields, url)) = written(&text, &id) else {
        return not_listed(&st, &id);
    };
    page(
        StatusCode::OK,
        tpl::edit_form(&view(&st, id, url, &fields, csrf, version, None)),
    )
}

/// The source's editable keys and URL as the file writes them.
fn written(text: &str, id: &str) -> Option<(SourceEdit, String)> {
    let fields = feeds_edit::source_fields(text, id).ok()?;
    let url = feeds_edit::list_sources(text)
        .ok()?
        .into_iter()
        .find(|(i, _)| i == id)?
        .1;
    Some((fields, url))
}

fn view(
    st: &AppState,
    id: String,
    url: String,
    f: &SourceEdit,
    csrf: String,
    version: String,
    notice: Option<Notice>,
) -> EditView {
    let config = st.config();
    let mut topics: Vec<(String, String, bool)> = config
        .topics
        .iter()
        .map(|t| (t.id.clone(), t.name.clone(), f.topics.contains(&t.id)))
        .collect();
    // A topic the file lists that the configuration in force does not know
    // yet stays offered, so saving does not drop it unseen.
    for t in &f.topics {
        if !topics.iter().any(|(id, _, _)| id == t) {
            topics.push((t.clone(), t.clone(), true));
        }
    }
    // A feed is read as a feed: CSS selectors have nothing to pick from.
    let feed = config
        .source(&id)
        .is_some_and(|s| s.kind == crate::config::SourceKind::Feed)
        || st
            .report()
            .sources
            .iter()
            .any(|s| s.id == id && s.kind == crate::status::ReadKind::Feed);
    EditView {
        title: config.server.title.clone(),
        feed,
        id,
        url,
        name: f.name.clone(),
        interval: f.interval.clone().unwrap_or_default(),
        default_interval: humantime::format_duration(config.fetch.interval).to_string(),
        topics,
        follow: f.follow,
        scrape: SCRAPE_KEYS
            .iter()
            .map(|k| {
                let v = f
                    .scrape
                    .iter()
                    .find(|(r, _)| r == k)
                    .map(|(_, v)| v.clone());
                (*k, v.unwrap_or_default())
            })
            .collect(),
        csrf,
        version,
        notice,
    }
}

/// The form's fields as the keys to write.
fn posted(form: &Form) -> SourceEdit {
    let field = |name: &str| form.get(name).unwrap_or("").trim().to_string();
    let interval = field("interval");
    SourceEdit {
        name: field("name"),
        interval: Some(interval).filter(|i| !i.is_empty()),
        topics: form.all("topic").map(str::to_string).collect(),
        follow: match form.get("follow") {
            Some("true") => Some(true),
            Some("false") => Some(false),
            _ => None,
        },
        scrape: scrape_posted(form, "scrape_"),
    }
}

/// The `[source.scrape]` rules a form carries as `{prefix}items`… (empty
/// ones left out).
pub(super) fn scrape_posted(form: &Form, prefix: &str) -> Vec<(String, String)> {
    SCRAPE_KEYS
        .iter()
        .filter_map(|k| {
            let v = form.get(&format!("{prefix}{k}")).unwrap_or("").trim();
            (!v.is_empty()).then(|| (k.to_string(), v.to_string()))
        })
        .collect()
}

/// Why the posted values cannot be written, in Vietnamese (the checks the
/// loader would make, said for the form).
pub(super) fn refusal(new: &SourceEdit) -> Option<Notice> {
    if let Some(i) = &new.interval {
        match crate::config::parse_duration(i) {
            Ok(d) if d >= std::time::Duration::from_secs(1) => {}
            _ => {
                return Some(Notice::error(
                    "Chu kỳ không hợp lệ",
                    &format!(
                        "«{i}» không phải một khoảng thời gian. Hãy viết một số và đơn vị \
                         tiếng Anh, ví dụ 30s, 15m, 1h, 1h 30m (s: giây, m: phút, h: giờ, \
                         d: ngày), hoặc để trống để dùng chu kỳ chung."
                    ),
                ))
            }
        }
    }
    if !new.scrape.is_empty() && !new.scrape.iter().any(|(k, _)| k == "items") {
        return Some(Notice::error(
            "Thiếu bộ chọn «Mỗi tin»",
            "Quy tắc lấy tin cần bộ chọn items (một phần tử cho mỗi tin). Hãy điền nó, \
             hoặc để trống mọi quy tắc để tinkhac tự nhận ra danh sách tin.",
        ));
    }
    for (k, v) in &new.scrape {
        if k != "date_format" && scraper::Selector::parse(v).is_err() {
            return Some(Notice::error(
                "Bộ chọn CSS không hợp lệ",
                &format!("Quy tắc {k} = «{v}» không phải một bộ chọn CSS hợp lệ."),
            ));
        }
    }
    None
}

/// `POST /admin/source/{id}/edit`: write what changed.
pub(super) async fn edit(
    State(st): State<AppState>,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let Posted { parts, form, csrf } = match checked_form(&st, req).await {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let new = posted(&form);
    if let Some(why) = refusal(&new) {
        // The form again, as posted, with the same version: nothing written.
        let version = form.get("version").unwrap_or("").to_string();
        let url = read_file(&st)
            .ok()
            .and_then(|(text, _)| written(&text, &id))
            .map(|(_, url)| url)
            .unwrap_or_default();
        return page(
            StatusCode::BAD_REQUEST,
            tpl::edit_form(&view(&st, id, url, &new, csrf, version, Some(why))),
        );
    }
    write_fields(&st, &parts, &form, &id, Edit::Update, |f| *f = new).await
}

/// Change the source `id`'s keys as `change` says (from what the file
/// writes when the lock is held) through [`write_edit`], and log which keys
/// changed.
pub(super) async fn write_fields(
    st: &AppState,
    parts: &axum::http::request::Parts,
    form: &Form,
    id: &str,
    what: Edit,
    change: impl FnOnce(&mut SourceEdit),
) -> Response {
    let mut changed: Option<Vec<&'static str>> = None;
    let r = write_edit(st, parts, form, id, what, |text, id| {
        let mut new = feeds_edit::source_fields(text, id)?;
        change(&mut new);
        let (out, fields) = feeds_edit::edit_source(text, id, &new)?;
        changed = Some(fields);
        Ok(out)
    })
    .await;
    if r.status() == StatusCode::SEE_OTHER {
        if let Some(fields) = changed {
            let fields = if fields.is_empty() {
                "none".to_string()
            } else {
                fields.join(", ")
            };
            tracing::info!(
                source = %id,
                client = %client_of(peer(parts), &parts.headers),
                fields = %fields,
                "web admin: source fields changed"
            );
        }
    }
    r
}

/// Items as the admin pages list them: topics by name, times in the
/// configured zone.
pub(super) fn rows(config: &crate::config::Config, items: Vec<PreviewItem>) -> Vec<PreviewRow> {
    let tz = config.fetch.timezone;
    items
        .into_iter()
        .map(|i| PreviewRow {
            topics: i
                .topics
                .iter()
                .map(|id| config.topic_name(id).to_string())
                .collect(),
            title: i.title,
            link: i.link,
            published: i.published.map(|d| d.with_timezone(&tz)),
            summary: i.summary,
        })
        .collect()
}

/// The suggested selectors of a read, as the pages show them.
pub(super) fn suggested_view(
    config: &crate::config::Config,
    s: Option<crate::ops::Suggested>,
) -> Option<tpl::SuggestedView> {
    s.map(|s| tpl::SuggestedView {
        toml: s.toml,
        rules: s.rules,
        items: rows(config, s.items),
    })
}

/// `GET /admin/source/{id}/why` («Vì sao»): read the source once and show
/// how: its items, auto-detection's blocks and reasons, and, when nothing
/// was found, selectors that read the page with the form that writes them.
pub(super) async fn why(
    State(st): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let (csrf, (_, version)) = match editing(&st, &headers) {
        Ok(e) => e,
        Err(r) => return *r,
    };
    let config = st.config();
    let Some(source) = config.source(&id).cloned() else {
        return not_listed(&st, &id);
    };
    let seen = crate::ops::explain(&config, &source).await;
    let rules = source
        .scrape
        .as_ref()
        .map(|s| {
            let mut r = vec![("items".to_string(), s.items.0.clone())];
            for (k, v) in [
                ("title", &s.title),
                ("link", &s.link),
                ("date", &s.date),
                ("summary", &s.summary),
            ] {
                if let Some((text, _)) = v {
                    r.push((k.to_string(), text.clone()));
                }
            }
            if let Some(f) = &s.date_format {
                r.push(("date_format".to_string(), f.clone()));
            }
            r
        })
        .unwrap_or_default();
    page(
        StatusCode::OK,
        tpl::why(&tpl::WhyView {
            title: config.server.title.clone(),
            id,
            name: source.name.clone(),
            url: source.url.to_string(),
            rules,
            kind: seen.previewed.kind,
            notes: seen.previewed.notes,
            error: seen.previewed.error,
            no_list: seen.previewed.no_list,
            items: rows(&config, seen.previewed.items),
            decisions: seen
                .decisions
                .into_iter()
                .map(|d| tpl::DecisionRow {
                    block: d.block,
                    items: d.items,
                    taken: d.taken,
                    reason: d.reason,
                })
                .collect(),
            auto_items: seen.auto_items,
            suggested: suggested_view(&config, seen.suggested),
            csrf,
            version,
        }),
    )
}

/// `POST /admin/source/{id}/scrape` («Dùng bộ chọn này»): write the posted
/// rules as the source's `[source.scrape]`, nothing else.
pub(super) async fn use_selectors(
    State(st): State<AppState>,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let Posted { parts, form, .. } = match checked_form(&st, req).await {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let rules = scrape_posted(&form, "scrape_");
    let probe = SourceEdit {
        scrape: rules.clone(),
        ..SourceEdit::default()
    };
    if let Some(why) = refusal(&probe).or_else(|| {
        rules.is_empty().then(|| {
            Notice::error(
                "Không có bộ chọn nào",
                "Biểu mẫu này không mang bộ chọn nào để ghi.",
            )
        })
    }) {
        return super::refused(&st, StatusCode::BAD_REQUEST, why);
    }
    write_fields(&st, &parts, &form, &id, Edit::Selectors, |f| {
        f.scrape = rules;
    })
    .await
}
