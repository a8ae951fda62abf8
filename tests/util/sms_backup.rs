//! SMS Backup & Restore XML files as the Android app writes them (vendor's "Fields in XML
//! Backup Files"), quirks included: emoji as surrogate-pair character references, `null` for
//! absent values, `readable_date` in the phone's locale, group MMS addresses joined by `~`,
//! pictures as base64 inside `<part data>`.
#![allow(dead_code)]

use base64::Engine;

/// XML attribute text the way the app escapes it: `&`, `<`, `"`, and every character outside
/// the Basic Multilingual Plane as two UTF-16 surrogate references.
pub fn escape(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\n' => out.push_str("&#10;"),
            c if (c as u32) > 0xFFFF => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("&#{};", unit));
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// `type`: 1 received, 2 sent. `date_ms` is UTC milliseconds.
pub fn sms(address: &str, date_ms: i64, kind: u8, body: &str, contact: &str) -> String {
    format!(
        "  <sms protocol=\"0\" address=\"{}\" date=\"{date_ms}\" type=\"{kind}\" subject=\"null\" body=\"{}\" toa=\"null\" sc_toa=\"null\" service_center=\"null\" read=\"1\" status=\"-1\" locked=\"0\" date_sent=\"{date_ms}\" sub_id=\"1\" readable_date=\"2 mars 2026 03:14:07\" contact_name=\"{}\" />\n",
        escape(address),
        escape(body),
        escape(contact)
    )
}

/// An MMS: `msg_box` 1 received / 2 sent; `addrs` as (address, PDU type 137 from / 151 to);
/// `picture` as (content type, bytes, or None for a part saved without its data).
pub fn mms(
    address: &str,
    date_ms: i64,
    msg_box: u8,
    text: Option<&str>,
    picture: Option<(&str, Option<&[u8]>)>,
    addrs: &[(&str, u16)],
) -> String {
    let mut parts = String::from(
        "      <part seq=\"-1\" ct=\"application/smil\" name=\"null\" chset=\"null\" cd=\"null\" fn=\"null\" cid=\"&lt;smil&gt;\" cl=\"smil.xml\" ctt_s=\"null\" ctt_t=\"null\" text=\"&lt;smil&gt;&lt;body&gt;&lt;par dur=&quot;5000ms&quot;&gt;&lt;img src=&quot;image000000.jpg&quot;/&gt;&lt;/par&gt;&lt;/body&gt;&lt;/smil&gt;\" />\n",
    );
    if let Some((ct, data)) = picture {
        let data = match data {
            Some(bytes) => format!(
                " data=\"{}\"",
                base64::engine::general_purpose::STANDARD.encode(bytes)
            ),
            None => String::new(),
        };
        parts.push_str(&format!(
            "      <part seq=\"0\" ct=\"{ct}\" name=\"image000000.jpg\" chset=\"null\" cd=\"null\" fn=\"null\" cid=\"&lt;image000000&gt;\" cl=\"image000000.jpg\" ctt_s=\"null\" ctt_t=\"null\" text=\"null\"{data} />\n"
        ));
    }
    if let Some(text) = text {
        parts.push_str(&format!(
            "      <part seq=\"0\" ct=\"text/plain\" name=\"null\" chset=\"106\" cd=\"null\" fn=\"null\" cid=\"&lt;text000001&gt;\" cl=\"text000001.txt\" ctt_s=\"null\" ctt_t=\"null\" text=\"{}\" />\n",
            escape(text)
        ));
    }
    let addrs: String = addrs
        .iter()
        .map(|(a, t)| {
            format!(
                "      <addr address=\"{}\" type=\"{t}\" charset=\"106\" />\n",
                escape(a)
            )
        })
        .collect();
    format!(
        "  <mms date=\"{date_ms}\" rr=\"null\" sub=\"null\" ct_t=\"application/vnd.wap.multipart.related\" read_status=\"null\" seen=\"1\" msg_box=\"{msg_box}\" address=\"{}\" sub_cs=\"null\" resp_st=\"null\" retr_st=\"null\" d_tm=\"null\" text_only=\"0\" exp=\"null\" locked=\"0\" m_id=\"mid{date_ms}\" st=\"null\" retr_txt_cs=\"null\" retr_txt=\"null\" creator=\"com.google.android.apps.messaging\" date_sent=\"0\" read=\"1\" m_size=\"null\" rpt_a=\"null\" ct_cls=\"null\" pri=\"null\" sub_id=\"1\" tr_id=\"null\" resp_txt=\"null\" ct_l=\"null\" m_cls=\"personal\" d_rpt=\"null\" v=\"18\" _id=\"1\" m_type=\"132\" readable_date=\"2 mars 2026 03:20:00\" contact_name=\"null\">\n    <parts>\n{parts}    </parts>\n    <addrs>\n{addrs}    </addrs>\n  </mms>\n",
        escape(address)
    )
}

/// `type`: 1 incoming, 2 outgoing, 3 missed, 4 voicemail, 5 rejected, 6 blocked, 7 answered
/// elsewhere; `presentation` 1 allowed, 2 restricted (hidden caller ID).
pub fn call(
    number: &str,
    date_ms: i64,
    kind: u8,
    duration_s: u32,
    presentation: u8,
    contact: &str,
) -> String {
    format!(
        "  <call number=\"{}\" duration=\"{duration_s}\" date=\"{date_ms}\" type=\"{kind}\" presentation=\"{presentation}\" subscription_id=\"null\" post_dial_digits=\"\" subscription_component_name=\"null\" readable_date=\"2 mars 2026 03:14:07\" contact_name=\"{}\" />\n",
        escape(number),
        escape(contact)
    )
}

pub fn messages_file(records: &[String]) -> String {
    format!(
        "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n<!--File Created By SMS Backup & Restore v10.22.004 on 03/03/2026 09:12:44-->\n<?xml-stylesheet type=\"text/xsl\" href=\"sms.xsl\"?>\n<smses count=\"{}\" backup_set=\"5f2c\" backup_date=\"1772528000000\" type=\"full\">\n{}</smses>\n",
        records.len(),
        records.concat()
    )
}

pub fn calls_file(records: &[String]) -> String {
    format!(
        "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n<!--File Created By SMS Backup & Restore v10.22.004 on 03/03/2026 09:12:44-->\n<?xml-stylesheet type=\"text/xsl\" href=\"calls.xsl\"?>\n<calls count=\"{}\" backup_set=\"5f2c\" backup_date=\"1772528000000\" type=\"full\">\n{}</calls>\n",
        records.len(),
        records.concat()
    )
}
