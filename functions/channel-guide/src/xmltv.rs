//! A guide as an XMLTV document (pure), written with quick-xml, which escapes every text and
//! attribute value. Elements follow the order the XMLTV DTD requires (`title`, `desc`,
//! `category`, `episode-num`); times are XMLTV's `YYYYMMDDhhmmss +0000`.

use chrono::{DateTime, Utc};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};

use crate::guide::Guide;

/// The generator named in the `<tv>` element.
pub const GENERATOR: &str = "tailorflow channel-guide";

/// A time in XMLTV's format, with its offset (always UTC here).
pub fn xmltv_time(time: DateTime<Utc>) -> String {
    time.format("%Y%m%d%H%M%S +0000").to_string()
}

/// The XMLTV document of `guide`, UTF-8, ending in a newline.
pub fn render(guide: &Guide) -> std::io::Result<Vec<u8>> {
    let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
    writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    writer.write_event(Event::DocType(BytesText::from_escaped(r#"tv SYSTEM "xmltv.dtd""#)))?;
    writer.create_element("tv").with_attribute(("generator-info-name", GENERATOR)).write_inner_content(|w| {
        let channel = &guide.channel;
        w.create_element("channel").with_attribute(("id", channel.id.as_str())).write_inner_content(|w| {
            w.create_element("display-name").write_text_content(BytesText::new(&channel.display_name))?;
            Ok(())
        })?;
        for programme in &guide.programmes {
            let start = xmltv_time(programme.start);
            let stop = xmltv_time(programme.stop);
            w.create_element("programme")
                .with_attribute(("start", start.as_str()))
                .with_attribute(("stop", stop.as_str()))
                .with_attribute(("channel", channel.id.as_str()))
                .write_inner_content(|w| {
                    w.create_element("title").write_text_content(BytesText::new(&programme.title))?;
                    if let Some(description) = &programme.description {
                        w.create_element("desc").write_text_content(BytesText::new(description))?;
                    }
                    for category in &programme.categories {
                        w.create_element("category").write_text_content(BytesText::new(category))?;
                    }
                    if let Some(episode) = &programme.episode {
                        w.create_element("episode-num")
                            .with_attribute(("system", "onscreen"))
                            .write_text_content(BytesText::new(episode))?;
                    }
                    Ok(())
                })?;
        }
        Ok(())
    })?;
    let mut bytes = writer.into_inner();
    bytes.push(b'\n');
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::guide::{Channel, Programme};

    fn t(rfc3339: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(rfc3339).unwrap().with_timezone(&Utc)
    }

    fn guide(programmes: Vec<Programme>) -> Guide {
        Guide { channel: Channel { id: "news".into(), display_name: "news".into() }, programmes }
    }

    #[test]
    fn times_are_in_xmltv_format_with_their_offset() {
        assert_eq!(xmltv_time(t("2026-11-25T06:05:09.999Z")), "20261125060509 +0000");
    }

    #[test]
    fn renders_channel_and_programmes_in_dtd_order() {
        let xml = render(&guide(vec![Programme {
            start: t("2026-11-25T06:00:00Z"),
            stop: t("2026-11-25T06:30:00Z"),
            title: "Tom & Jerry <Classics> \"1\" 'a'".into(),
            description: Some("Ça va? 東京 🐱".into()),
            categories: vec!["Animation".into(), "Kids".into()],
            episode: Some("S01E03".into()),
        }]))
        .unwrap();
        let xml = String::from_utf8(xml).unwrap();
        let expected = r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE tv SYSTEM "xmltv.dtd">
<tv generator-info-name="tailorflow channel-guide">
  <channel id="news">
    <display-name>news</display-name>
  </channel>
  <programme start="20261125060000 +0000" stop="20261125063000 +0000" channel="news">
    <title>Tom &amp; Jerry &lt;Classics&gt; &quot;1&quot; &apos;a&apos;</title>
    <desc>Ça va? 東京 🐱</desc>
    <category>Animation</category>
    <category>Kids</category>
    <episode-num system="onscreen">S01E03</episode-num>
  </programme>
</tv>
"#;
        assert_eq!(xml, expected);
    }

    #[test]
    fn an_empty_guide_is_a_channel_alone() {
        let xml = String::from_utf8(render(&guide(Vec::new())).unwrap()).unwrap();
        assert!(xml.contains("<channel id=\"news\">"), "{xml}");
        assert!(!xml.contains("<programme"), "{xml}");
    }

    #[test]
    fn attribute_values_are_escaped() {
        let mut g = guide(Vec::new());
        g.channel.id = "a\"b<c>&".into();
        let xml = String::from_utf8(render(&g).unwrap()).unwrap();
        assert!(xml.contains(r#"<channel id="a&quot;b&lt;c&gt;&amp;">"#), "{xml}");
    }
}
