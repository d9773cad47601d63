//! The web admin's topics page (`/admin/chu-de`): headlines tried against
//! the topics (the explanation `tinkhac classify --explain` gives), and a
//! topic's keywords and excludes edited, with what the change would do to
//! the last stored items shown before it is saved, and, when asked, applied
//! to those stored items too ([`TopicStore::set_topics`]).
//!
//! Everything goes through the classifier itself ([`Classifier::explain`],
//! [`crate::pipeline::item_topics`] as a poll tags an item) and the config
//! loader; the edit goes through [`feeds_edit::set_topic_phrases`].

use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::super::admin_page::topics::{self as view, HeadlineRow, ItemRow, TopicRow, Verdict};
use super::super::admin_page::Notice;
use super::{
    checked_form, client_of, page, peer, read_file, see_other, web, write_file, Form, Posted,
};
use crate::classify::{Classifier, Field, PhraseList, RuleError, TopicRules, DEFAULT_THRESHOLD};
use crate::config::{Config, TopicConfig};
use crate::feeds_edit::{self, EditError};
use crate::item::Item;
use crate::publish::http::AppState;
use crate::store::{Filter, TopicStore};

/// Stored items a preview looks at: the newest.
const PREVIEW_ITEMS: usize = 200;
/// Headlines tried at most in one go.
const HEADLINES: usize = 100;

/// One phrase a line, blank lines left out.
fn phrases(form: &Form, field: &str) -> Vec<String> {
    form.get(field)
        .unwrap_or("")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}

fn rows(config: &Config) -> Vec<TopicRow> {
    config
        .topics
        .iter()
        .map(|t| TopicRow {
            id: t.id.clone(),
            name: t.name.clone(),
            threshold: t.threshold.unwrap_or(DEFAULT_THRESHOLD),
            keywords: t.keywords.join("\n"),
            exclude: t.exclude.join("\n"),
        })
        .collect()
}

/// `GET /admin/chu-de`: the headline tester and every topic's lists.
pub(super) async fn topics_page(State(st): State<AppState>, req: Request) -> Response {
    let Some(csrf) = web(&st).session(req.headers()) else {
        return see_other("/admin/login");
    };
    let query = req.uri().query().map(str::to_string);
    let config = st.config();
    let value = |k: &str| crate::publish::http::query_value(&query, k);
    let count = |k: &str| value(k).and_then(|n| n.parse::<usize>().ok()).unwrap_or(0);
    let notice = match (value("da").as_deref(), value("chu-de")) {
        (Some("luu"), Some(id)) => Some(Notice::done(
            "Đã lưu chủ đề",
            &format!(
                "Từ khoá của chủ đề «{}» đã được ghi vào feeds.toml; tin mới lấy về \
                 được xếp theo danh sách mới (tin đã lưu giữ nguyên chủ đề cũ).",
                config.topic_name(&id)
            ),
        )),
        (Some("ap-dung"), Some(id)) => Some(Notice::done(
            "Đã lưu và áp dụng cho tin đã lưu",
            &format!(
                "Từ khoá của chủ đề «{}» đã được ghi vào feeds.toml. Trong {} tin lưu gần \
                 nhất, {} tin đã vào chủ đề và {} tin đã rời chủ đề. Kênh Telegram không \
                 gửi lại tin cũ.",
                config.topic_name(&id),
                count("xet"),
                count("vao"),
                count("roi")
            ),
        )),
        _ => None,
    };
    show(&st, StatusCode::OK, csrf, String::new(), Vec::new(), notice)
}

fn show(
    st: &AppState,
    status: StatusCode,
    csrf: String,
    headlines: String,
    explained: Vec<HeadlineRow>,
    notice: Option<Notice>,
) -> Response {
    let (_, version) = match read_file(st) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    let config = st.config();
    page(
        status,
        view::topics(&view::TopicsView {
            title: config.server.title.clone(),
            csrf,
            version,
            topics: rows(&config),
            headlines,
            explained,
            notice,
        }),
    )
}

/// `POST /admin/chu-de/thu`: each pasted headline, the topics it matches
/// and why. Nothing is written.
pub(super) async fn try_headlines(State(st): State<AppState>, req: Request) -> Response {
    let Posted { form, csrf, .. } = match checked_form(&st, req).await {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let config = st.config();
    let rules: Vec<TopicRules> = config.topics.iter().map(TopicConfig::rules).collect();
    let classifier = match Classifier::new(&rules) {
        Ok(c) => c,
        Err(e) => {
            return super::refused(
                &st,
                StatusCode::INTERNAL_SERVER_ERROR,
                Notice::error("Không dùng được các chủ đề", &rule_error_vi(&e)),
            )
        }
    };
    let pasted = phrases(&form, "tieu-de");
    let notice = (pasted.len() > HEADLINES).then(|| {
        Notice::done(
            "Chỉ thử một phần",
            &format!(
                "Đã dán {} tiêu đề; trang này thử {HEADLINES} tiêu đề đầu tiên.",
                pasted.len()
            ),
        )
    });
    let explained = pasted
        .into_iter()
        .take(HEADLINES)
        .map(|h| HeadlineRow {
            verdicts: classifier
                .explain(&h, None)
                .into_iter()
                .map(|e| Verdict {
                    name: config.topic_name(&e.topic).to_string(),
                    matched: e.matched,
                    score: e.score,
                    threshold: e.threshold,
                    hits: e
                        .hits
                        .into_iter()
                        .map(|hit| view::HitRow {
                            keyword: hit.keyword,
                            in_title: hit.field == Field::Title,
                            points: hit.points,
                            masked_by: hit.masked_by,
                        })
                        .collect(),
                })
                .collect(),
            headline: h,
        })
        .collect();
    let pasted = form.get("tieu-de").unwrap_or("").to_string();
    show(&st, StatusCode::OK, csrf, pasted, explained, notice)
}

/// Why topic rules cannot be used, in Vietnamese.
fn rule_error_vi(e: &RuleError) -> String {
    let list_vi = |l: &PhraseList| match l {
        PhraseList::Keywords => "từ khoá",
        PhraseList::Exclude => "cụm loại trừ",
    };
    match e {
        RuleError::NoKeywords { .. } => {
            "Chủ đề cần ít nhất một từ khoá: một chủ đề không có từ khoá không bao giờ khớp tin nào."
                .to_string()
        }
        RuleError::EmptyPhrase { list, phrase, .. } => format!(
            "Cụm «{phrase}» trong danh sách {} không có chữ nào để so.",
            list_vi(list)
        ),
        RuleError::BadWeight { list, phrase, .. } => format!(
            "Trọng số của «{phrase}» ({}) không hợp lệ: viết «cụm:N» với N từ 1 đến 100, \
             hoặc «cụm:-N» để trừ điểm; cụm loại trừ không có trọng số.",
            list_vi(list)
        ),
        RuleError::DuplicatePhrase { phrase, .. } => format!(
            "Cụm «{phrase}» có hai lần (hoặc vừa là từ khoá vừa là cụm loại trừ)."
        ),
        RuleError::BadPattern {
            list,
            phrase,
            reason,
            ..
        } => format!(
            "Cụm «{phrase}» ({}) dùng ^ hoặc # sai cách ({reason}): ^ chỉ đứng đầu cụm, \
             số viết #, #N hoặc #THẤP-CAO.",
            list_vi(list)
        ),
        e => e.to_string(),
    }
}

/// A topic's lists as a form posts them: (keywords, exclude).
type Lists = (Vec<String>, Vec<String>);

/// An edit of a topic's lists: the topic asked for and the posted lists,
/// or the 404 that says the topic is not there.
fn topic_edit<'c>(
    st: &AppState,
    config: &'c Config,
    id: &str,
    form: &Form,
) -> Result<(&'c TopicConfig, Lists), Box<Response>> {
    let topic = config
        .topics
        .iter()
        .find(|t| t.id == id)
        .ok_or_else(|| Box::new(no_topic(st, id)))?;
    Ok((topic, (phrases(form, "keywords"), phrases(form, "exclude"))))
}

fn no_topic(st: &AppState, id: &str) -> Response {
    super::refused(
        st,
        StatusCode::NOT_FOUND,
        Notice::error(
            "Không có chủ đề này",
            &format!("feeds.toml không có chủ đề nào mang mã «{id}» (có thể đã bị xoá)."),
        ),
    )
}

/// The edited rules of the topic, compiled, or why not (in Vietnamese).
fn edited(
    topic: &TopicConfig,
    keywords: &[String],
    exclude: &[String],
) -> Result<Classifier, String> {
    let rules = TopicRules {
        keywords: keywords.to_vec(),
        exclude: exclude.to_vec(),
        ..topic.rules()
    };
    if keywords.is_empty() {
        return Err(rule_error_vi(&RuleError::NoKeywords {
            topic: topic.id.clone(),
        }));
    }
    Classifier::new(&[rules]).map_err(|e| rule_error_vi(&e))
}

/// Whether `item` is in `topic` by `classifier` (one topic's rules), as a
/// poll would tag it: its source's own topics, then the rules.
fn tagged(classifier: &Classifier, config: &Config, item: &Item, topic: &str) -> bool {
    let summary = item.summary.as_deref();
    let topics = match item.sources.iter().find_map(|s| config.source(s)) {
        Some(source) => crate::pipeline::item_topics(classifier, source, &item.title, summary),
        None => classifier.classify(&item.title, summary),
    };
    topics.iter().any(|t| t == topic)
}

/// What changes between two lists, in order: (added, removed).
fn diff(old: &[String], new: &[String]) -> (Vec<String>, Vec<String>) {
    let added = new.iter().filter(|p| !old.contains(p)).cloned().collect();
    let removed = old.iter().filter(|p| !new.contains(p)).cloned().collect();
    (added, removed)
}

/// `POST /admin/chu-de/{id}/xem-truoc`: how the last stored items would
/// change with the edited lists, and the form that saves them. Nothing is
/// written.
pub(super) async fn preview(
    State(st): State<AppState>,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let Posted { form, csrf, .. } = match checked_form(&st, req).await {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let config = st.config();
    let (topic, (keywords, exclude)) = match topic_edit(&st, &config, &id, &form) {
        Ok(t) => t,
        Err(r) => return *r,
    };
    let mut v = preview_view(&st, &config, topic, csrf, &keywords, &exclude);
    let status = match edited(topic, &keywords, &exclude) {
        Err(why) => {
            v.error = Some(why);
            StatusCode::BAD_REQUEST
        }
        Ok(after) => {
            let before = match Classifier::new(&[topic.rules()]) {
                Ok(c) => c,
                Err(e) => {
                    v.error = Some(rule_error_vi(&e));
                    return page(StatusCode::INTERNAL_SERVER_ERROR, view::preview(&v));
                }
            };
            let items = match st.store.latest(&Filter::All, PREVIEW_ITEMS) {
                Ok(i) => i,
                Err(e) => {
                    tracing::warn!(error = %e, "web admin: cannot read the stored items for a topic preview");
                    Vec::new()
                }
            };
            v.examined = items.len();
            for item in items {
                let (was, will) = (
                    tagged(&before, &config, &item, &topic.id),
                    tagged(&after, &config, &item, &topic.id),
                );
                let row = || ItemRow {
                    title: item.title.clone(),
                    link: item.link.clone(),
                    published: item.published,
                };
                match (was, will) {
                    (false, true) => v.joining.push(row()),
                    (true, false) => v.leaving.push(row()),
                    (true, true) => v.staying += 1,
                    (false, false) => {}
                }
            }
            StatusCode::OK
        }
    };
    page(status, view::preview(&v))
}

fn preview_view(
    st: &AppState,
    config: &Config,
    topic: &TopicConfig,
    csrf: String,
    keywords: &[String],
    exclude: &[String],
) -> view::PreviewView {
    let version = read_file(st).map(|(_, v)| v).unwrap_or_default();
    let (keywords_added, keywords_removed) = diff(&topic.keywords, keywords);
    let (exclude_added, exclude_removed) = diff(&topic.exclude, exclude);
    view::PreviewView {
        title: config.server.title.clone(),
        csrf,
        version,
        id: topic.id.clone(),
        name: topic.name.clone(),
        keywords: keywords.join("\n"),
        exclude: exclude.join("\n"),
        keywords_added,
        keywords_removed,
        exclude_added,
        exclude_removed,
        error: None,
        examined: 0,
        joining: Vec::new(),
        leaving: Vec::new(),
        staying: 0,
    }
}

/// `POST /admin/chu-de/{id}` («Lưu»): write the topic's new lists into
/// `feeds.toml`, if they compile and the file is the version the form was
/// shown from.
pub(super) async fn save(
    State(st): State<AppState>,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    save_lists(st, id, req, false).await
}

/// `POST /admin/chu-de/{id}/ap-dung` («Lưu và áp dụng cho tin đã lưu»):
/// save exactly as «Lưu» does, then, only once that succeeded, give the
/// last stored items this topic or take it from them by the new lists.
pub(super) async fn save_and_apply(
    State(st): State<AppState>,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    save_lists(st, id, req, true).await
}

async fn save_lists(st: AppState, id: String, req: Request, apply: bool) -> Response {
    let Posted { parts, form, csrf } = match checked_form(&st, req).await {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let config = st.config();
    let (topic, (keywords, exclude)) = match topic_edit(&st, &config, &id, &form) {
        Ok(t) => t,
        Err(r) => return *r,
    };
    let after = match edited(topic, &keywords, &exclude) {
        Ok(c) => c,
        Err(why) => {
            let mut v = preview_view(&st, &config, topic, csrf, &keywords, &exclude);
            v.error = Some(why);
            return page(StatusCode::BAD_REQUEST, view::preview(&v));
        }
    };
    let written = write_file(
        &st,
        &form,
        "topic phrases",
        |text| match feeds_edit::set_topic_phrases(text, &id, &keywords, &exclude) {
            Ok(t) => Ok((t, ())),
            Err(EditError::NoTopic(_)) => Err(Box::new(no_topic(&st, &id))),
            Err(e) => Err(Box::new(super::refused(
                &st,
                StatusCode::CONFLICT,
                Notice::error("Không sửa được feeds.toml", &e.to_string()),
            ))),
        },
    )
    .await;
    if let Err(r) = written {
        return *r;
    }
    let (keywords_added, keywords_removed) = diff(&topic.keywords, &keywords);
    let (exclude_added, exclude_removed) = diff(&topic.exclude, &exclude);
    tracing::info!(
        topic = %id,
        keywords_added = ?keywords_added,
        keywords_removed = ?keywords_removed,
        exclude_added = ?exclude_added,
        exclude_removed = ?exclude_removed,
        client = %client_of(peer(&parts), &parts.headers),
        file = %config.path.display(),
        "web admin: topic phrases edited in the configuration"
    );
    let mut pairs = Vec::new();
    if apply {
        // The stored items are tagged by the lists just saved (`after`,
        // checked above), not by the configuration the reload puts in
        // force: the reload is waited for only briefly and may be refused,
        // and the saved text is what the next polls will use either way.
        // The rest (sources, the other topics) is the configuration in
        // force, which this edit does not change. One application at a
        // time (the edits' lock): each reads an item's topics and writes
        // them back whole, so two at once could undo each other.
        let one_edit_at_a_time = super::web(&st).edits.lock().await;
        let applied = apply_to_stored(&st, &config, &after, &id).await;
        drop(one_edit_at_a_time);
        let applied = match applied {
            Ok(a) => a,
            Err(e) => {
                tracing::warn!(topic = %id, error = %e, "web admin: topic phrases saved, but not applied to the stored items");
                return super::refused(
                    &st,
                    StatusCode::INTERNAL_SERVER_ERROR,
                    Notice::error(
                        "Đã lưu, nhưng chưa áp dụng được cho tin đã lưu",
                        &format!(
                            "Từ khoá đã được ghi vào feeds.toml, nhưng kho tin không ghi được \
                             ({e}); tin đã lưu giữ nguyên chủ đề."
                        ),
                    ),
                );
            }
        };
        tracing::info!(
            topic = %id,
            examined = applied.examined,
            joined = applied.joined,
            left = applied.left,
            gone = applied.gone,
            client = %client_of(peer(&parts), &parts.headers),
            "web admin: topic phrases applied to the stored items"
        );
        pairs.extend([
            ("da", "ap-dung".to_string()),
            ("xet", applied.examined.to_string()),
            ("vao", applied.joined.to_string()),
            ("roi", applied.left.to_string()),
        ]);
    } else {
        pairs.push(("da", "luu".to_string()));
    }
    pairs.push(("chu-de", id.clone()));
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    see_other(&format!("/admin/chu-de?{query}#chu-de-{id}"))
}

/// What applying a topic's lists to the stored items did.
struct Applied {
    examined: usize,
    joined: usize,
    left: usize,
    /// Removed by retention between the read and the write.
    gone: usize,
}

/// Give the last [`PREVIEW_ITEMS`] stored items the topic `id` or take it
/// from them, as `classifier` (the topic's new rules alone) decides; their
/// other topics are kept. Only the items that change are written, in one
/// store transaction; nothing is queued for the channel.
async fn apply_to_stored(
    st: &AppState,
    config: &Config,
    classifier: &Classifier,
    id: &str,
) -> crate::store::Result<Applied> {
    let items = st.store.latest(&Filter::All, PREVIEW_ITEMS)?;
    let examined = items.len();
    let (mut joined, mut left) = (Vec::new(), Vec::new());
    let mut changes = Vec::new();
    for item in items {
        let has = item.topics.iter().any(|t| t == id);
        let will = tagged(classifier, config, &item, id);
        let topics = match (has, will) {
            (false, true) => {
                joined.push(item.id.clone());
                with_topic(config, &item.topics, id)
            }
            (true, false) => {
                left.push(item.id.clone());
                item.topics.iter().filter(|t| *t != id).cloned().collect()
            }
            _ => continue,
        };
        changes.push((item.id, topics));
    }
    let done = st.store.set_topics(&changes).await?;
    let counted = |ids: &[String]| ids.iter().filter(|i| !done.gone.contains(i)).count();
    Ok(Applied {
        examined,
        joined: counted(&joined),
        left: counted(&left),
        gone: done.gone.len(),
    })
}

/// `topics` with `id` added, in the configuration's order of topics (the
/// order a poll tags them in); topics no longer configured stay last.
fn with_topic(config: &Config, topics: &[String], id: &str) -> Vec<String> {
    let mut out: Vec<String> = topics.iter().cloned().chain([id.to_string()]).collect();
    let rank = |t: &String| {
        config
            .topics
            .iter()
            .position(|c| &c.id == t)
            .unwrap_or(usize::MAX)
    };
    out.sort_by_key(rank);
    out
}
