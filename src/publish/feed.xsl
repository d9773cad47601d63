<?xml version="1.0" encoding="UTF-8"?>
<!--
  Served at /feed.xsl. Browsers that open a feed of tinkhac (RSS 2.0 with an
  <?xml-stylesheet type="text/xsl" href="/feed.xsl"?> line) show this page
  instead of raw XML; feed readers ignore it.

  Every value is copied as text, never as unescaped markup, and only http
  and https addresses become links.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:atom="http://www.w3.org/2005/Atom"
    exclude-result-prefixes="atom">

  <xsl:output method="html" encoding="UTF-8" indent="no"
      doctype-system="about:legacy-compat"/>

  <!-- The domain of the categories that are document numbers
       (publish::DOCUMENT_SCHEME), shown apart from the topics. -->
  <xsl:variable name="documents" select="'urn:tinkhac:so-hieu-van-ban'"/>

  <xsl:template match="/">
    <xsl:apply-templates select="rss/channel"/>
  </xsl:template>

  <xsl:template match="channel">
    <html lang="vi">
      <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <meta name="color-scheme" content="light dark"/>
        <title><xsl:value-of select="title"/></title>
        <style>
:root{--bg:#f5f6f8;--fg:#1c2024;--sub:#58616b;--card:#fff;--line:#dde1e6;--link:#0b57d0;
--new:#1d4f91;--new-bg:#e3ecfa;--info:#1d4f91}
@media (prefers-color-scheme:dark){:root{--bg:#14171a;--fg:#e7e9ec;--sub:#9da6b0;--card:#1d2126;
--line:#343b43;--link:#8ab4f8;--new:#a3c4f8;--new-bg:#1a2b46;--info:#a3c4f8}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);
font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Helvetica Neue",Arial,sans-serif}
header,main,footer{max-width:72rem;margin:0 auto;padding:0 1rem}
header{padding-top:1rem}
h1{font-size:1.5rem;line-height:1.25;margin:0 0 .25rem}
h2{font-size:1.2rem;margin:2rem 0 .75rem}
a{color:var(--link);text-underline-offset:.15em}
code{font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,monospace;font-size:.875em}
.sub{color:var(--sub);font-size:.875rem}
.summary,.items{background:var(--card);border:1px solid var(--line);border-radius:.5rem}
.summary{padding:.75rem 1rem;margin:1rem 0 0;border-left:.375rem solid var(--info)}
.summary p{margin:0}
.summary code{display:block;margin-top:.5rem;overflow-wrap:anywhere;user-select:all;-webkit-user-select:all}
.items{list-style:none;margin:0;padding:0}
.items>li{padding:.75rem .875rem;border-top:1px solid var(--line)}
.items>li:first-child{border-top:0}
.items .title{font-weight:600;text-decoration:none}
.items a.title:hover{text-decoration:underline}
.items p{margin:.375rem 0 0}
.meta{display:flex;flex-wrap:wrap;align-items:center;gap:.25rem .75rem;margin-top:.125rem;color:var(--sub);font-size:.875rem}
.tags{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.375rem}
.tags li{font-size:.75rem;padding:0 .5rem;border-radius:1rem;background:var(--new-bg);color:var(--new)}
.docs li{background:var(--warn-bg);color:var(--warn)}
.empty{color:var(--sub)}
footer{padding-top:1.5rem;padding-bottom:2rem}
        </style>
      </head>
      <body>
        <header>
          <h1><xsl:value-of select="title"/></h1>
          <xsl:if test="normalize-space(description)">
            <p class="sub"><xsl:value-of select="description"/></p>
          </xsl:if>
        </header>
        <main>
          <section class="summary" aria-label="Cách theo dõi">
            <p><strong>Đây là nguồn tin RSS.</strong> Sao chép địa chỉ trang này vào ứng dụng đọc tin (Feedly, Inoreader, NetNewsWire, Thunderbird…) để theo dõi.</p>
            <xsl:variable name="self" select="atom:link[@rel='self']/@href"/>
            <xsl:if test="$self">
              <code><xsl:value-of select="$self"/></code>
            </xsl:if>
          </section>
          <h2>Tin mới nhất</h2>
          <xsl:choose>
            <xsl:when test="item">
              <ol class="items">
                <xsl:apply-templates select="item"/>
              </ol>
            </xsl:when>
            <xsl:otherwise>
              <p class="empty">Chưa có tin nào.</p>
            </xsl:otherwise>
          </xsl:choose>
        </main>
        <footer>
          <p class="sub">
            <xsl:if test="lastBuildDate">
              <xsl:text>Cập nhật lúc </xsl:text>
              <xsl:call-template name="date">
                <xsl:with-param name="d" select="lastBuildDate"/>
              </xsl:call-template>
              <xsl:text> · </xsl:text>
            </xsl:if>
            <xsl:call-template name="link-or-text">
              <xsl:with-param name="href" select="link"/>
              <xsl:with-param name="text" select="'Trang trạng thái'"/>
            </xsl:call-template>
          </p>
        </footer>
      </body>
    </html>
  </xsl:template>

  <xsl:template match="item">
    <li>
      <xsl:call-template name="link-or-text">
        <xsl:with-param name="href" select="link"/>
        <xsl:with-param name="text">
          <xsl:choose>
            <xsl:when test="normalize-space(title)"><xsl:value-of select="title"/></xsl:when>
            <xsl:otherwise>(không có tiêu đề)</xsl:otherwise>
          </xsl:choose>
        </xsl:with-param>
        <xsl:with-param name="class" select="'title'"/>
      </xsl:call-template>
      <div class="meta">
        <span>
          <xsl:if test="pubDate">
            <xsl:call-template name="date">
              <xsl:with-param name="d" select="pubDate"/>
            </xsl:call-template>
          </xsl:if>
          <xsl:if test="pubDate and source">
            <xsl:text> · </xsl:text>
          </xsl:if>
          <xsl:if test="source">
            <xsl:call-template name="link-or-text">
              <xsl:with-param name="href" select="source/@url"/>
              <xsl:with-param name="text" select="source"/>
            </xsl:call-template>
          </xsl:if>
        </span>
        <xsl:if test="category[not(@domain = $documents)]">
          <ul class="tags" aria-label="Chủ đề">
            <xsl:for-each select="category[not(@domain = $documents)]">
              <li><xsl:value-of select="."/></li>
            </xsl:for-each>
          </ul>
        </xsl:if>
      </div>
      <!-- A followed item: its attachment and the document numbers. -->
      <xsl:if test="enclosure or category[@domain = $documents]">
        <div class="meta doc">
          <xsl:if test="enclosure">
            <span class="att">
              <span aria-hidden="true">📎 </span>
              <xsl:call-template name="link-or-text">
                <xsl:with-param name="href" select="enclosure/@url"/>
                <xsl:with-param name="text" select="'Tệp đính kèm'"/>
              </xsl:call-template>
            </span>
          </xsl:if>
          <xsl:if test="category[@domain = $documents]">
            <ul class="tags docs" aria-label="Văn bản">
              <xsl:for-each select="category[@domain = $documents]">
                <li><xsl:value-of select="."/></li>
              </xsl:for-each>
            </ul>
          </xsl:if>
        </div>
      </xsl:if>
      <xsl:if test="normalize-space(description)">
        <p><xsl:value-of select="description"/></p>
      </xsl:if>
    </li>
  </xsl:template>

  <!-- $text as a link to $href when that is an http or https address, as
       plain text otherwise (javascript:, data:… never become links). -->
  <xsl:template name="link-or-text">
    <xsl:param name="href"/>
    <xsl:param name="text"/>
    <xsl:param name="class"/>
    <xsl:variable name="url" select="normalize-space($href)"/>
    <xsl:variable name="lower" select="translate(substring($url, 1, 8), 'HTPS', 'htps')"/>
    <xsl:choose>
      <xsl:when test="(starts-with($lower, 'http://') and string-length($url) &gt; 7)
                      or (starts-with($lower, 'https://') and string-length($url) &gt; 8)">
        <a href="{$url}">
          <xsl:if test="$class"><xsl:attribute name="class"><xsl:value-of select="$class"/></xsl:attribute></xsl:if>
          <xsl:value-of select="$text"/>
        </a>
      </xsl:when>
      <xsl:otherwise>
        <span>
          <xsl:if test="$class"><xsl:attribute name="class"><xsl:value-of select="$class"/></xsl:attribute></xsl:if>
          <xsl:value-of select="$text"/>
        </span>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- An RFC 822 date ("Tue, 3 Jun 2025 08:00:00 +0700") as dd/mm/yyyy HH:MM
       in the feed's own zone; anything else as it is. -->
  <xsl:template name="date">
    <xsl:param name="d"/>
    <xsl:variable name="s">
      <xsl:choose>
        <xsl:when test="contains($d, ',')"><xsl:value-of select="normalize-space(substring-after($d, ','))"/></xsl:when>
        <xsl:otherwise><xsl:value-of select="normalize-space($d)"/></xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <xsl:variable name="day" select="substring-before($s, ' ')"/>
    <xsl:variable name="r1" select="substring-after($s, ' ')"/>
    <xsl:variable name="mon" select="substring-before($r1, ' ')"/>
    <xsl:variable name="r2" select="substring-after($r1, ' ')"/>
    <xsl:variable name="year" select="substring-before($r2, ' ')"/>
    <xsl:variable name="hm" select="substring(substring-after($r2, ' '), 1, 5)"/>
    <xsl:variable name="months" select="'JanFebMarAprMayJunJulAugSepOctNovDec'"/>
    <xsl:variable name="before" select="string-length(substring-before($months, $mon))"/>
    <xsl:choose>
      <xsl:when test="string-length($mon) = 3 and contains($months, $mon) and $before mod 3 = 0
                      and number($day) &gt;= 1 and number($day) &lt;= 31
                      and string-length($year) = 4 and number($year) = number($year)
                      and substring($hm, 3, 1) = ':'">
        <xsl:value-of select="concat(format-number($day, '00'), '/', format-number($before div 3 + 1, '00'), '/', $year, ' ', $hm)"/>
      </xsl:when>
      <xsl:otherwise>
        <xsl:value-of select="$d"/>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>
</xsl:stylesheet>
