//! Decoding a page's bytes to text: the HTTP charset, a BOM, `<meta
//! charset>`, else UTF-8; the text comes out NFC.

use encoding_rs::Encoding;

use crate::text::nfc;

/// Decode a page: the HTTP charset first, then a BOM, then `<meta charset>`
/// or `http-equiv`, then UTF-8. Text comes out NFC, because windows-1258
/// decodes tone marks as combining characters.
pub fn decode(bytes: &[u8], content_type: Option<&str>) -> String {
    let enc = content_type
        .and_then(charset_param)
        .and_then(|l| Encoding::for_label(l.as_bytes()))
        .or_else(|| Encoding::for_bom(bytes).map(|(e, _)| e))
        .or_else(|| sniff_meta_charset(bytes))
        .unwrap_or(encoding_rs::UTF_8);
    let (text, _, _) = enc.decode(bytes);
    nfc(&text)
}

fn charset_param(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| v.trim().trim_matches(['"', '\'']).to_string())
    })
}

/// Find `charset=` in the first 4 KiB, as browsers' prescan does (simplified:
/// it only looks inside `<meta` tags).
fn sniff_meta_charset(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(4096)];
    let lower: Vec<u8> = head.iter().map(u8::to_ascii_lowercase).collect();
    let mut from = 0;
    while let Some(pos) = find(&lower[from..], b"<meta") {
        let start = from + pos;
        let end = find(&lower[start..], b">").map_or(lower.len(), |e| start + e);
        let tag = &lower[start..end];
        if let Some(c) = find(tag, b"charset=") {
            let rest = &tag[c + 8..];
            let rest = rest
                .iter()
                .position(|b| !matches!(b, b'"' | b'\'' | b' '))
                .map_or(&rest[..0], |p| &rest[p..]);
            let label_end = rest
                .iter()
                .position(|b| matches!(b, b'"' | b'\'' | b' ' | b';' | b'/' | b'>'))
                .unwrap_or(rest.len());
            if let Some(enc) = Encoding::for_label(&rest[..label_end]) {
                // A page that says UTF-16 in ASCII bytes is really ASCII-compatible.
                return Some(
                    if enc == encoding_rs::UTF_16LE || enc == encoding_rs::UTF_16BE {
                        encoding_rs::UTF_8
                    } else {
                        enc
                    },
                );
            }
        }
        from = end.max(start + 1);
    }
    None
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charset_comes_from_http_then_meta_then_utf8() {
        let bytes = b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1258\"><p>Gia\xf0nh</p>";
        // 0xF0 in windows-1258 is U+0111 (đ).
        assert!(decode(bytes, None).contains("Giađnh"));
        assert!(decode(bytes, Some("text/html; charset=utf-8")).contains('\u{fffd}'));
        assert_eq!(decode("Tin khác".as_bytes(), Some("text/html")), "Tin khác");
    }

    #[test]
    fn windows_1258_tone_marks_come_out_composed() {
        // "Hoà" written as o + combining grave (0xCC in windows-1258).
        let bytes = b"<meta charset=\"windows-1258\">Ho\xcc";
        let text = decode(bytes, None);
        assert!(text.ends_with("Hò"), "{text:?}");
    }
}
